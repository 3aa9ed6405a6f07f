"""canonical.inventory_position -> a counted quantity on Odoo's stock.quant, applied as Odoo applies a count."""
from __future__ import annotations

from sidecar.outbound import fields as f

STATES = ("received", "quality_hold", "available", "reserved", "allocated", "shipped")
SYNCED_STATE = "available"  # on hand and free: what a WMS snapshot of a location counts


def scope(record: dict, source: str) -> str:
    """Authority scope of stock: its warehouse code."""
    return str(f.get(record, "/warehouse/code") or source)


def convert(record: dict, source: str) -> dict:
    """The product, where it is, and the count (snapshot) or the change (delta) in the product's unit."""
    state = f.choice(record, "/state", STATES)
    if state != SYNCED_STATE:
        raise f.Unsupported(f"only '{SYNCED_STATE}' positions are written to Odoo's on-hand quantity; "
                            f"'{state}' belongs to the inventory state model",
                            details=[{"pointer": "/state", "message": state}])
    if f.get(record, "/lot") not in (None, ""):
        raise f.Unsupported("positions by lot are not written by this sync", details=[{"pointer": "/lot"}])
    mode = f.choice(record, "/mode", ("snapshot", "delta"))
    item = {"product_id": f.product_id(record, "/product", source),
            "location_id": f.integer(record, "/location/id", required=False),
            "warehouse_id": f.integer(record, "/warehouse/id", required=False),
            "warehouse_code": f.text(record, "/warehouse/code", required=False, limit=32),
            "mode": mode, "quantity": f.number(record, "/quantity", minimum=0.0 if mode == "snapshot" else None)}
    if not (item["location_id"] or item["warehouse_id"] or item["warehouse_code"]):
        raise f.bad("/warehouse", "needs a location id, a warehouse id or a warehouse code")
    where = item["location_id"] or item["warehouse_id"] or item["warehouse_code"]
    item["ref"] = f"{item['product_id']}@{where}"  # one position per product and place in a batch
    return item
