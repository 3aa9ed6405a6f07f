"""canonical.inventory_position -> a counted quantity on Odoo's stock.quant, applied as Odoo applies a count."""
from __future__ import annotations

from sidecar.outbound import fields as f

STATES = ("received", "quality_hold", "available", "reserved", "allocated", "shipped")
# Odoo's on-hand quantity (stock.quant quantity) holds everything still in the warehouse, reserved or
# not; a snapshot's on-hand states add up to it. A delta changes it only when goods become available
# (counted in or out); the other states' deltas move goods between states, which the state model keeps.
ON_HAND = ("received", "quality_hold", "available", "reserved", "allocated")
DELTA_STATE = "available"


def scope(record: dict, source: str) -> str:
    """Authority scope of stock: its warehouse code."""
    return str(f.get(record, "/warehouse/code") or source)


def convert(record: dict, source: str) -> dict:
    """The product, where it is, and the count of one state (snapshot) or the change of available stock (delta),
    in the product's unit."""
    state = f.choice(record, "/state", STATES)
    mode = f.choice(record, "/mode", ("snapshot", "delta"))
    if state not in ON_HAND or (mode == "delta" and state != DELTA_STATE):
        raise f.Unsupported(f"a {mode} of '{state}' stock does not change Odoo's on-hand quantity: "
                            "the inventory state model keeps it",
                            details=[{"pointer": "/state", "message": state}])
    if f.get(record, "/lot") not in (None, ""):
        raise f.Unsupported("positions by lot are not written by this sync", details=[{"pointer": "/lot"}])
    item = {"product_id": f.product_id(record, "/product", source),
            "location_id": f.integer(record, "/location/id", required=False),
            "warehouse_id": f.integer(record, "/warehouse/id", required=False),
            "warehouse_code": f.text(record, "/warehouse/code", required=False, limit=32),
            "mode": mode, "quantity": f.number(record, "/quantity", minimum=0.0 if mode == "snapshot" else None)}
    if not (item["location_id"] or item["warehouse_id"] or item["warehouse_code"]):
        raise f.bad("/warehouse", "needs a location id, a warehouse id or a warehouse code")
    where = item["location_id"] or item["warehouse_id"] or item["warehouse_code"]
    item["ref"] = f"{item['product_id']}@{where}/{state}/{mode}"  # one position per product, place and state
    return item
