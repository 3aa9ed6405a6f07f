"""wms-stock: a warehouse system's stock snapshot or delta -> canonical.inventory_position, one per line.

The body is a document {mode, warehouse, as_of, lines: [{sku, location, lot, state, quantity, unit}]}
(or an array of them). Each line is one record: its SKU and unit mapped to the Odoo product and its
unit (cases and pallets converted). A snapshot's quantity is 0 or more and names one position once:
two lines for the same SKU, location, lot and state contradict each other, so both are rejected. A
delta is a signed change, never 0; two equal deltas are two movements. A document whose header is
wrong has every line rejected with that reason, and one without lines is rejected whole.
"""
from __future__ import annotations

from sidecar.adapters import Adapter, register
from sidecar.adapters.fields import RecordProblem, at, moment, number, obj, product_ref, resolve, text, uom_of
from sidecar.adapters.tables import items, json_document
from sidecar.mapping.resolver import Mapper

MODES = ("snapshot", "delta")
STATES = ("received", "quality_hold", "available", "reserved", "allocated", "shipped")


def _raw(header, line, pointer: str, doc_pointer: str, duplicate_of=(), no_lines: bool = False) -> dict:
    """One line as plain JSON (a dead letter keeps it and replays it) with its document's header (no other line)."""
    return {"header": header, "line": line, "pointer": pointer, "document_pointer": doc_pointer,
            "duplicate_of": list(duplicate_of), "no_lines": no_lines}


def split(body: bytes, media_type: str) -> list:
    found = []
    for item in items(json_document(body, media_type), "documents"):
        document, doc_pointer = item["value"], item["pointer"]
        lines = document.get("lines") if isinstance(document, dict) else None
        header = {k: v for k, v in document.items() if k != "lines"} if isinstance(document, dict) else document
        if not isinstance(lines, list) or not lines:
            found.append(_raw(header, None, "", doc_pointer, no_lines=True))
            continue
        positions: dict = {}
        for index, line in enumerate(lines):
            positions.setdefault(_position(line), []).append(at(at(doc_pointer, "lines"), index))
        snapshot = str(document.get("mode", "")).strip().lower() == "snapshot"
        for index, line in enumerate(lines):
            pointer = at(at(doc_pointer, "lines"), index)
            same = positions.get(_position(line), [])
            others = tuple(p for p in same if p != pointer) if snapshot and _position(line) is not None else ()
            found.append(_raw(header, line, pointer, doc_pointer, others))
    return found


def _position(line):
    if not isinstance(line, dict):
        return None
    key = tuple(str(line.get(k) or "").strip().lower() for k in ("sku", "location", "lot", "state"))
    return key if key[0] else None


def ref(raw: dict) -> str | None:
    line = raw["line"]
    if not isinstance(line, dict):
        return None
    value = line.get("id", line.get("sku"))
    return None if value is None or isinstance(value, (dict, list, bool)) else str(value)


def convert(raw: dict, mapper: Mapper, source: str) -> dict:
    doc_pointer = raw["document_pointer"]
    document = obj(raw["header"], doc_pointer)
    if raw["no_lines"]:
        raise RecordProblem(at(doc_pointer, "lines"), "the document has no lines (an array of at least one)")
    mode = _choice(document.get("mode"), at(doc_pointer, "mode"), MODES)
    warehouse = text(document, "warehouse", doc_pointer, max_length=64)
    as_of = moment(document.get("as_of"), at(doc_pointer, "as_of"))
    line, where = obj(raw["line"], raw["pointer"]), raw["pointer"]
    if raw["duplicate_of"]:
        raise RecordProblem(where, f"the snapshot names this position again at {', '.join(raw['duplicate_of'])}",
                            code="duplicate_line")
    sku = text(line, "sku", where, max_length=128)
    state = _choice(line.get("state"), at(where, "state"), STATES)
    quantity = number(line, "quantity", where, maximum=1e9, minimum=0 if mode == "snapshot" else None,
                      nonzero=mode == "delta")
    unit = text(line, "unit", where, required=False, max_length=64)
    product, converted = resolve(mapper, source, sku, unit, quantity, where)
    return {
        "source": {"system": source, "ref": text(line, "id", where, required=False, ids=True)},
        "product": product_ref(product, sku),
        "warehouse": {"code": warehouse, "id": None},
        "location": {"code": text(line, "location", where, required=False, ids=True), "id": None},
        "lot": text(line, "lot", where, required=False, max_length=128, ids=True),
        "state": state,
        "quantity": converted,
        "uom": uom_of(product),
        "mode": mode,
        "as_of": as_of,
    }


def _choice(value, where: str, choices: tuple) -> str:
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    shown = repr(value[:40]) if isinstance(value, str) else "nothing" if value is None else "a non-string"
    raise RecordProblem(where, f"must be one of {', '.join(choices)}; got {shown}")


ADAPTER = register(Adapter(
    name="wms-stock", canonical="canonical.inventory_position.v1",
    description="A WMS stock snapshot or delta ({mode, warehouse, as_of, lines}) as canonical inventory positions, "
                "one per line: SKU and unit mapped to the Odoo product and its unit, the inventory state",
    media_types=("application/json",), split=split, convert=convert, ref=ref,
))
