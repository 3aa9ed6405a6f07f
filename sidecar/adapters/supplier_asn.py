"""supplier-asn: an X12 856 advance ship notice, its content as JSON -> canonical.asn, one per notice.

The JSON keeps X12's segment and element names; the body is one notice or an array of them:

    {"BSN": {"BSN01": "00", "BSN02": "SHP-778102", "BSN03": "20261204", "BSN04": "1530"},
     "HL": [{"HL01": "1", "HL03": "S", "TD5": {"TD503": "DHLF", "TD505": "DHL Freight"},
             "REF": [{"REF01": "BM", "REF02": "BOL-55102"}], "N1": [{"N101": "SU", "N104": "ACME"}],
             "DTM": [{"DTM01": "011", "DTM02": "20261204", "DTM03": "1530", "DTM04": "UT"},
                     {"DTM01": "017", "DTM02": "20261209"}]},
            {"HL01": "2", "HL02": "1", "HL03": "O", "PRF": {"PRF01": "P00042"}},
            {"HL01": "3", "HL02": "2", "HL03": "P"},
            {"HL01": "4", "HL02": "3", "HL03": "I",
             "LIN": {"LIN02": "VP", "LIN03": "AC-DSK-160", "LIN04": "LT", "LIN05": "L2026-118"},
             "SN1": {"SN102": 2, "SN103": "CA"}}]}

Levels: S shipment (dates DTM 011 shipped / 017 or 067 expected, carrier TD5, bill of lading REF BM
or CN, supplier N1 SU/SF/VN), O order (PRF01: the Odoo purchase order's name), P/T packs and
tares, I items (LIN's product ids: the supplier's part VP first, then SK, BP, IN, UP, EN; the lot
LT; SN1's quantity and unit). One notice ships against one purchase order in the canonical model:
a notice with items of several orders is rejected. Items of the same SKU and lot in several packs
are one line, their quantities added up in the product's own unit.
"""
from __future__ import annotations

from datetime import date

from sidecar.adapters import Adapter, register
from sidecar.adapters.fields import RecordProblem, array, at, number, obj, product_ref, resolve, text, uom_of, utc_at
from sidecar.adapters.tables import items, json_document
from sidecar.mapping.resolver import Mapper

LEVELS = {"S": "shipment", "O": "order", "T": "tare", "P": "pack", "Q": "subpack", "I": "item", "F": "component"}
SKU_QUALIFIERS = ("VP", "SK", "BP", "IN", "UP", "EN")
SHIPPED, EXPECTED = ("011",), ("017", "067")
SUPPLIER_ENTITIES = ("SU", "SF", "VN")
TRACKING_REFS = ("BM", "CN")
# X12 time codes with a fixed offset; ET, CT, MT and PT follow daylight saving and are refused.
TIME_CODES = {"UT": 0, "GM": 0, "ES": -5, "ED": -4, "CS": -6, "CD": -5, "MS": -7, "MD": -6, "PS": -8, "PD": -7}


def split(body: bytes, media_type: str) -> list:
    return items(json_document(body, media_type), "notices")


def ref(raw) -> str | None:
    notice = raw["value"]
    bsn = notice.get("BSN") if isinstance(notice, dict) else None
    value = bsn.get("BSN02") if isinstance(bsn, dict) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def convert(raw, mapper: Mapper, source: str) -> dict:
    notice, pointer = raw["value"], raw["pointer"]
    notice = obj(notice, pointer)
    bsn_where = at(pointer, "BSN")
    asn_id = text(obj(notice.get("BSN"), bsn_where), "BSN02", bsn_where, max_length=128, ids=True)
    levels = _levels(notice, pointer)
    shipments = [hl for hl in levels.values() if hl["level"] == "S"]
    if len(shipments) != 1:
        raise RecordProblem(at(pointer, "HL"), f"a notice has one shipment level (HL03 S); found {len(shipments)}")
    shipment = shipments[0]
    dates = _dates(notice, pointer) + _dates(shipment["segment"], shipment["pointer"])
    orders = {}
    for hl in levels.values():
        if hl["level"] == "O":
            prf_where = at(hl["pointer"], "PRF")
            orders.setdefault(text(obj(hl["segment"].get("PRF"), prf_where), "PRF01", prf_where, max_length=64,
                                   ids=True), at(prf_where, "PRF01"))
    if len(orders) != 1:
        raise RecordProblem(at(pointer, "HL"), "a notice ships against one purchase order (PRF01); found "
                            + (", ".join(sorted(orders)) if orders else "none"),
                            code="multiple_orders" if orders else "invalid_record")
    lines = []
    for hl in levels.values():
        if hl["level"] != "I":
            continue
        if "O" not in _ancestors(hl, levels):
            raise RecordProblem(at(hl["pointer"], "HL02"), "an item level must be under an order level")
        lines.append(_item(hl))
    supplier, supplier_where = _supplier(shipment, source)
    return asn_record(mapper, source, ref(raw), asn_id, supplier, supplier_where, next(iter(orders)),
                      _pick(dates, SHIPPED), _pick(dates, EXPECTED), _carrier(shipment), _tracking(shipment), lines,
                      at(pointer, "HL"))


def asn_record(mapper: Mapper, source: str, record_ref, asn_id: str, supplier: str, supplier_where: str,
               purchase_order: str, shipped_at, expected_at, carrier, tracking_code, lines: list[dict],
               pointer: str = "") -> dict:
    """The canonical notice from its parts; `lines` are {sku, quantity, unit, lot, pointer} as the source wrote them."""
    if not lines:
        raise RecordProblem(pointer, "the notice ships no items")
    merged: dict = {}
    for line in lines:
        product, quantity = resolve(mapper, source, line["sku"], line["unit"], line["quantity"], line["pointer"],
                                    line.get("sku_pointer"), line.get("unit_pointer"))
        key = (line["sku"], line["lot"])
        if key in merged:
            merged[key]["quantity"] += quantity
        else:
            merged[key] = {"sku": line["sku"], "product": product_ref(product, line["sku"]), "quantity": quantity,
                           "uom": uom_of(product), "lot": line["lot"]}
    return {
        "source": {"system": source, "ref": record_ref},
        "asn_id": asn_id,
        "supplier": {"external_id": supplier, "partner_id": mapper.partner(source, supplier, supplier_where)},
        "purchase_order": purchase_order,
        "shipped_at": shipped_at,
        "expected_at": expected_at,
        "carrier": carrier,
        "tracking_code": tracking_code,
        "lines": list(merged.values()),
    }


def _levels(notice: dict, pointer: str) -> dict:
    """The HL segments by id, in order, each knowing its level and parent; refused when the tree is broken."""
    hl_where = at(pointer, "HL")
    segments = array(notice.get("HL"), hl_where)
    if not segments:
        raise RecordProblem(hl_where, "the notice has no hierarchical levels")
    if len(segments) > 5000:
        raise RecordProblem(hl_where, f"has {len(segments)} levels; at most 5000 are read")
    levels: dict = {}
    for index, segment in enumerate(segments):
        where = at(hl_where, index)
        segment = obj(segment, where)
        hl_id = text(segment, "HL01", where, max_length=12, ids=True)
        if hl_id in levels:
            raise RecordProblem(at(where, "HL01"), f"level id {hl_id} is used twice (also at {levels[hl_id]['pointer']})",
                                code="duplicate_line")
        parent = text(segment, "HL02", where, required=False, max_length=12, ids=True)
        if parent is not None and parent not in levels:
            raise RecordProblem(at(where, "HL02"), f"parent level {parent} does not come before this level")
        level = text(segment, "HL03", where, max_length=2)
        if level not in LEVELS:
            raise RecordProblem(at(where, "HL03"), f"unknown level code '{level}'; expected one of {', '.join(LEVELS)}")
        levels[hl_id] = {"id": hl_id, "parent": parent, "level": level, "segment": segment, "pointer": where}
    return levels


def _ancestors(hl: dict, levels: dict) -> list[str]:
    found, parent = [], hl["parent"]
    while parent is not None:  # parents always come first (checked), so this ends
        found.append(levels[parent]["level"])
        parent = levels[parent]["parent"]
    return found


def _item(hl: dict) -> dict:
    segment, where = hl["segment"], hl["pointer"]
    lin_where, sn1_where = at(where, "LIN"), at(where, "SN1")
    lin = obj(segment.get("LIN"), lin_where)
    ids = {}
    for position in range(2, 32, 2):  # LIN02/LIN03 ... LIN30/LIN31: qualifier and id pairs
        qualifier = lin.get(f"LIN{position:02d}")
        if isinstance(qualifier, str) and qualifier.strip():
            element = f"LIN{position + 1:02d}"
            ids.setdefault(qualifier.strip().upper(), (text(lin, element, lin_where, max_length=128, ids=True),
                                                       at(lin_where, element)))
    chosen = next((q for q in SKU_QUALIFIERS if q in ids), None)
    if chosen is None:
        raise RecordProblem(lin_where, f"no product id among qualifiers {', '.join(SKU_QUALIFIERS)}")
    sku, sku_where = ids[chosen]
    sn1 = obj(segment.get("SN1"), sn1_where)
    return {"sku": sku, "sku_pointer": sku_where, "pointer": where,
            "quantity": number(sn1, "SN102", sn1_where, positive=True, maximum=1e9),
            "unit": text(sn1, "SN103", sn1_where, max_length=64), "unit_pointer": at(sn1_where, "SN103"),
            "lot": ids["LT"][0] if "LT" in ids else None}


def _dates(segment: dict, pointer: str) -> list[tuple[str, str]]:
    found = []
    dtm_where = at(pointer, "DTM")
    for index, dtm in enumerate(array(segment.get("DTM"), dtm_where, required=False)):
        where = at(dtm_where, index)
        dtm = obj(dtm, where)
        qualifier = text(dtm, "DTM01", where, max_length=3, ids=True)
        if qualifier in SHIPPED + EXPECTED:
            found.append((qualifier, _x12_moment(dtm, where)))
    return found


def _x12_moment(dtm: dict, where: str) -> str:
    raw_day = text(dtm, "DTM02", where, max_length=8, ids=True)
    raw_time = text(dtm, "DTM03", where, required=False, max_length=8, ids=True) or "0000"
    code = (text(dtm, "DTM04", where, required=False, max_length=2) or "UT").upper()
    try:
        if len(raw_day) != 8 or not raw_day.isdigit() or len(raw_time) not in (4, 6) or not raw_time.isdigit():
            raise ValueError
        day_value = date(int(raw_day[:4]), int(raw_day[4:6]), int(raw_day[6:]))
        hour, minute, second = int(raw_time[:2]), int(raw_time[2:4]), int(raw_time[4:6] or 0)
        if hour > 23 or minute > 59 or second > 59 or not 1900 <= day_value.year <= 2999:
            raise ValueError
    except ValueError:
        raise RecordProblem(at(where, "DTM02"), f"'{raw_day} {raw_time}' is not a CCYYMMDD date with an HHMM[SS] time")
    if code not in TIME_CODES:
        raise RecordProblem(at(where, "DTM04"), f"time code '{code}' has no fixed offset; "
                            f"use one of {', '.join(TIME_CODES)}")
    return utc_at(day_value, hour, minute, second, TIME_CODES[code])


def _pick(dates: list[tuple[str, str]], qualifiers: tuple) -> str | None:
    for qualifier in qualifiers:  # in order of preference: 017 (estimated delivery) before 067 (scheduled)
        for found, value in dates:
            if found == qualifier:
                return value
    return None


def _supplier(shipment: dict, source: str) -> tuple[str, str]:
    n1_where = at(shipment["pointer"], "N1")
    for index, n1 in enumerate(array(shipment["segment"].get("N1"), n1_where, required=False)):
        where = at(n1_where, index)
        n1 = obj(n1, where)
        if str(n1.get("N101", "")).strip().upper() in SUPPLIER_ENTITIES:
            return text(n1, "N104", where, max_length=128, ids=True), at(where, "N104")
    return source, shipment["pointer"]  # no party named: the source itself is the supplier


def _carrier(shipment: dict) -> str | None:
    td5 = shipment["segment"].get("TD5")
    if td5 is None:
        return None
    where = at(shipment["pointer"], "TD5")
    td5 = obj(td5, where)
    return text(td5, "TD505", where, required=False, max_length=128) or text(td5, "TD503", where, required=False,
                                                                            max_length=128)


def _tracking(shipment: dict) -> str | None:
    ref_where = at(shipment["pointer"], "REF")
    for index, segment in enumerate(array(shipment["segment"].get("REF"), ref_where, required=False)):
        where = at(ref_where, index)
        segment = obj(segment, where)
        if str(segment.get("REF01", "")).strip().upper() in TRACKING_REFS:
            return text(segment, "REF02", where, max_length=128, ids=True)
    return None


ADAPTER = register(Adapter(
    name="supplier-asn", canonical="canonical.asn.v1",
    description="An X12 856 advance ship notice as JSON (BSN, HL shipment/order/pack/item levels, PRF, LIN, SN1, DTM) "
                "as one canonical ASN per notice: items mapped to Odoo products, cases and pallets converted",
    media_types=("application/json",), split=split, convert=convert, ref=ref,
))
