"""Drift reconciliation: a canonical snapshot (inventory positions or prices) compared with what Odoo holds.

Read-only, a few Odoo reads whatever the snapshot's size (sidecar/odoo/drift.py). Each record key is answered
`match`, `within_tolerance` (a difference no larger than the tolerance: units, or a percent of Odoo's value),
`different` (both values and the difference), `snapshot_only` or `odoo_only`, with totals; `drift` is true when
anything is different or on one side only.

Stock: records are grouped by product, warehouse, location (when named: that exact location) and lot (when the
snapshot names lots for the product there; else every lot together), and two measures are compared with Odoo's
quants: `on_hand` (every state but shipped, against `quantity`) and `reserved` (reserved and allocated, against
`reserved_quantity`). Prices: the list price (product lst_price), pricelist items (fixed price of the item on the
variant or its template, by pricelist, minimum quantity and day of start) and vendor prices (product.supplierinfo by
vendor, minimum quantity and start); the price and the end date are compared.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from sidecar import contracts
from sidecar.errors import DependencyDown, InvalidPayload, NotFound
from sidecar.flows import inventory_states
from sidecar.odoo import availability as odoo_stock
from sidecar.odoo import drift as odoo_drift
from sidecar.odoo.errors import OdooError
from sidecar.store import inventory_positions
from sidecar.store.schema import INVENTORY_STATES
from sidecar.values import m2o_id

MATCH, WITHIN, DIFFERENT, SNAPSHOT_ONLY, ODOO_ONLY = "match", "within_tolerance", "different", "snapshot_only", \
    "odoo_only"
STATUSES = (MATCH, WITHIN, DIFFERENT, SNAPSHOT_ONLY, ODOO_ONLY)
DRIFTING = (DIFFERENT, SNAPSHOT_ONLY, ODOO_ONLY)
EPSILON = 1e-6
MAX_POSITIONS = 5000
RESERVED_STATES = ("reserved", "allocated")


def _tolerated(difference: float, odoo_value: float, tolerance: dict) -> bool:
    allowed = max(float(tolerance.get("units", 0)), abs(odoo_value) * float(tolerance.get("percent", 0)) / 100.0)
    return abs(difference) <= allowed + EPSILON


def _compare(measures: dict, snapshot: dict | None, odoo: dict | None, tolerance: dict) -> tuple[str, list]:
    """The status of one key and each measure that is not equal (snapshot, odoo, difference)."""
    if snapshot is None and odoo is None:
        return MATCH, []
    differences, status = [], MATCH
    for measure, numeric in measures.items():
        mine = (snapshot or {}).get(measure, 0.0 if numeric else None)
        theirs = (odoo or {}).get(measure, 0.0 if numeric else None)
        if numeric and mine is not None and theirs is not None:
            difference = round(mine - theirs, 6)
            if abs(difference) <= EPSILON:
                continue
            differences.append({"measure": measure, "snapshot": mine, "odoo": theirs, "difference": difference})
            within = snapshot is not None and odoo is not None and _tolerated(difference, theirs, tolerance)
            status = DIFFERENT if not within or status == DIFFERENT else WITHIN
        elif mine != theirs:
            differences.append({"measure": measure, "snapshot": mine, "odoo": theirs, "difference": None})
            status = DIFFERENT
    if differences and (snapshot is None or odoo is None):
        status = ODOO_ONLY if snapshot is None else SNAPSHOT_ONLY
    return status, differences


def _report(domain: str, items: list[dict], include_matches: bool, reads: list[str]) -> dict:
    totals = {status: sum(1 for item in items if item["status"] == status) for status in STATUSES}
    return {"domain": domain, "as_of": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "drift": any(totals[status] for status in DRIFTING), "totals": {"records": len(items), **totals},
            "items": [item for item in items if include_matches or item["status"] != MATCH], "odoo_reads": reads}


def _ask(read):
    try:
        return read()
    except OdooError as err:
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category) from err


# -- stock -----------------------------------------------------------------------------------------

def _position_records(services, warehouse: str | None) -> list[dict]:
    """The sidecar's own positions as snapshot records (one per state that holds something)."""
    with services.db.read() as conn:
        rows = inventory_positions.listing(conn, warehouse=warehouse, limit=MAX_POSITIONS)
    return [{"product": {"product_id": row["product_id"]}, "warehouse": {"code": row["warehouse"]},
             "location": None, "lot": row["lot"] or None, "state": state, "quantity": row[state], "mode": "snapshot"}
            for row in rows for state in INVENTORY_STATES if row[state]]


def stock_drift(services, body: dict) -> dict:
    """Inventory positions of a snapshot against Odoo's quants (one read of the warehouses, one of the quants)."""
    records = _position_records(services, body.get("warehouse")) if body.get("from_positions") else \
        body.get("records") or []
    snapshot: dict[tuple, dict] = defaultdict(lambda: {"on_hand": 0.0, "reserved": 0.0})
    for record in records:
        location = (record.get("location") or {}).get("id")
        key = (record["product"]["product_id"], record["warehouse"]["code"], location, record.get("lot") or None)
        if record["state"] != inventory_states.SHIPPED:
            snapshot[key]["on_hand"] += record["quantity"]
        if record["state"] in RESERVED_STATES:
            snapshot[key]["reserved"] += record["quantity"]
    odoo: dict[tuple, dict] = defaultdict(lambda: {"on_hand": 0.0, "reserved": 0.0})
    reads = []
    if snapshot:
        codes = {key[1] for key in snapshot}
        warehouses = _ask(lambda: odoo_stock.warehouses(services.odoo, codes))
        code_of = {row["id"]: row["code"] for row in warehouses}
        located = {(key[0], key[2]): key for key in snapshot if key[2]}
        by_lot = {(key[0], key[1]) for key in snapshot if key[3]}
        quants = _ask(lambda: odoo_drift.quants(services.odoo, {key[0] for key in snapshot}, set(code_of),
                                                {key[2] for key in snapshot if key[2]}))
        reads = ["stock.warehouse", "stock.quant"]
        for quant in quants:
            product, location = m2o_id(quant["product_id"]), m2o_id(quant["location_id"])
            if (product, location) in located:
                warehouse = located[(product, location)][1]
            elif m2o_id(quant.get("warehouse_id")) in code_of:
                warehouse, location = code_of[m2o_id(quant["warehouse_id"])], None
            else:
                continue
            lot = quant["lot_id"][1] if quant.get("lot_id") and (product, warehouse) in by_lot else None
            odoo[(product, warehouse, location, lot)]["on_hand"] += quant["quantity"]
            odoo[(product, warehouse, location, lot)]["reserved"] += quant["reserved_quantity"]
    items = []
    tolerance = body.get("tolerance") or {}
    for key in sorted(set(snapshot) | set(odoo), key=lambda k: (k[0], k[1], k[2] or 0, k[3] or "")):
        mine = _rounded(snapshot.get(key))
        theirs = _rounded(odoo.get(key))
        theirs = theirs if theirs and any(theirs.values()) else None  # an emptied quant is no stock
        status, differences = _compare({"on_hand": True, "reserved": True}, mine, theirs, tolerance)
        if mine is None and theirs is None:
            continue
        items.append({"status": status, "product_id": key[0], "warehouse": key[1], "location_id": key[2],
                      "lot": key[3], "snapshot": mine, "odoo": theirs, "differences": differences})
    return _report("stock", items, body.get("include_matches", False), reads)


def _rounded(values: dict | None) -> dict | None:
    return None if values is None else {name: round(value, 6) for name, value in values.items()}


# -- prices ----------------------------------------------------------------------------------------

def _day(value) -> str | None:
    """The day (YYYY-MM-DD) of a canonical date or date-time, or of Odoo's Datetime / Date: canonical prices are
    dated by day (canonical.price.v1), pricelist items by moment (UTC)."""
    return str(value)[:10] if value else None


def _price_key(record: dict, pricelist_id: int | None) -> tuple:
    product, quantity = record["product"]["product_id"], float(record.get("min_quantity") or 0.0)
    if record["kind"] == "list" and not pricelist_id:
        return ("list", product)
    if record["kind"] == "supplier":
        return ("supplier", record["partner_id"], product, quantity, _day(record.get("date_start")))
    return ("pricelist", pricelist_id, product, quantity, _day(record.get("date_start")))


def _key_view(key: tuple) -> dict:
    view = {"kind": key[0], "product_id": key[1] if key[0] == "list" else key[2]}
    if key[0] == "pricelist":
        view["pricelist_id"] = key[1]
    if key[0] == "supplier":
        view["partner_id"] = key[1]
    if key[0] != "list":
        view.update(min_quantity=key[3], date_start=key[4])
    return view


def _pricelist_ids(services, records: list) -> tuple[dict, list]:
    """Each record's pricelist id (by its name when it has none) and the reads made."""
    names = {r["pricelist"]["name"] for r in records if (r.get("pricelist") or {}).get("name")
             and not r["pricelist"].get("id") and r["kind"] != "supplier"}
    if not names:
        return {}, []
    found = _ask(lambda: odoo_drift.pricelists_named(services.odoo, names))
    by_name = {row["name"]: row["id"] for row in found}
    missing = sorted(names - set(by_name))
    if missing:
        raise NotFound(f"Odoo has no pricelist named {missing[0]}", code="pricelist_not_found",
                       details=[{"pointer": f"/records/{i}/pricelist/name", "message": "no such pricelist"}
                                for i, r in enumerate(records) if (r.get("pricelist") or {}).get("name") in missing
                                and not r["pricelist"].get("id")][:100])
    return by_name, ["product.pricelist"]


def price_drift(services, body: dict) -> dict:
    """Prices of a snapshot against Odoo's list prices, pricelist items and vendor prices (one read per model)."""
    records = body.get("records") or []
    by_name, reads = _pricelist_ids(services, records)
    snapshot: dict[tuple, dict] = {}
    for index, record in enumerate(records):
        pricelist = record.get("pricelist") or {}
        key = _price_key(record, pricelist.get("id") or by_name.get(pricelist.get("name")))
        if key in snapshot:
            raise InvalidPayload("two records describe the same price", code="duplicate_record",
                                 details=[{"pointer": f"/records/{index}", "message": f"same as {_key_view(key)}"}])
        snapshot[key] = {"price": float(record["price"]),
                         "date_end": None if key[0] == "list" else _day(record.get("date_end"))}
    odoo: dict[tuple, dict] = {}
    extra: list[tuple[tuple, dict]] = []  # a second Odoo line with the same key: Odoo only
    if snapshot:
        product_ids = {key[1] if key[0] == "list" else key[2] for key in snapshot}
        products = {row["id"]: row for row in _ask(lambda: odoo_drift.products(services.odoo, product_ids))}
        reads.append("product.product")
        variants_of = defaultdict(set)
        for pid, row in products.items():
            variants_of[m2o_id(row["product_tmpl_id"])].add(pid)
        for key in snapshot:
            if key[0] == "list" and key[1] in products:
                odoo[key] = {"price": products[key[1]]["lst_price"], "date_end": None}

        def place(key, values):
            if key in odoo:
                extra.append((key, values))
            else:
                odoo[key] = values
        pricelists = {key[1] for key in snapshot if key[0] == "pricelist" and key[1]}
        if pricelists:
            items = _ask(lambda: odoo_drift.pricelist_items(services.odoo, pricelists, products, variants_of))
            reads.append("product.pricelist.item")
            for item in items:
                targets = [m2o_id(item["product_id"])] if item["applied_on"] == "0_product_variant" else \
                    sorted(variants_of.get(m2o_id(item["product_tmpl_id"]), ()))
                price = item["fixed_price"] if item["compute_price"] == "fixed" else None
                for product in targets:
                    place(("pricelist", m2o_id(item["pricelist_id"]), product, float(item["min_quantity"]),
                           _day(item["date_start"])), {"price": price, "date_end": _day(item["date_end"])})
        vendors = {key[1] for key in snapshot if key[0] == "supplier"}
        if vendors:
            rows = _ask(lambda: odoo_drift.vendor_prices(services.odoo, vendors, products, variants_of))
            reads.append("product.supplierinfo")
            for row in rows:
                targets = [m2o_id(row["product_id"])] if row.get("product_id") else \
                    sorted(variants_of.get(m2o_id(row["product_tmpl_id"]), ()))
                for product in targets:
                    place(("supplier", m2o_id(row["partner_id"]), product, float(row["min_qty"]),
                           _day(row["date_start"])), {"price": row["price"], "date_end": _day(row["date_end"])})
    tolerance = body.get("tolerance") or {}
    measures = {"price": True, "date_end": False}
    items = []
    for key in sorted(set(snapshot) | set(odoo), key=repr):
        status, differences = _compare(measures, snapshot.get(key), odoo.get(key), tolerance)
        if odoo.get(key) and odoo[key]["price"] is None and snapshot.get(key):
            status = DIFFERENT  # a computed (formula, percentage) item has no fixed price to match
        items.append({"status": status, **_key_view(key), "snapshot": snapshot.get(key), "odoo": odoo.get(key),
                      "differences": differences})
    for key, values in extra:
        _status, differences = _compare(measures, None, values, tolerance)
        items.append({"status": ODOO_ONLY, **_key_view(key), "snapshot": None, "odoo": values,
                      "differences": differences})
    return _report("prices", items, body.get("include_matches", False), reads)


DOMAINS = {"stock": (stock_drift, "drift_stock_request.v1"), "prices": (price_drift, "drift_price_request.v1")}


def drift(services, domain: str, body: dict) -> dict:
    """Compare the snapshot of `domain` (stock, prices) with Odoo."""
    compare, contract = DOMAINS[domain]
    contracts.validate(contract, body)
    return compare(services, body)
