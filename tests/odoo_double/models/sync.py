"""What the sync of canonical records needs beyond the other flows' models (Odoo 17):

* ``stock.picking.carrier_tracking_ref`` (stock_delivery/models/stock_picking.py, a plain Char).
* purchase_stock's receipt (purchase_stock/models/purchase_order.py ``_create_picking``): approving an
  order (``button_approve``, also through ``button_confirm``) creates one incoming picking of the order's
  picking type, ``origin`` the order's name, ``scheduled_date`` its expected arrival, a move per line.
"""
from __future__ import annotations

from .. import fields as F
from .purchase import add_fields

SUPPLIERS_XMLID = "stock.stock_location_suppliers"


def _create_receipts(env, ids):
    for rid in ids:
        order = env.row("purchase.order", rid)
        if order.get("state") not in ("purchase", "done") or env.search("stock.picking", [("origin", "=", order["name"])]):
            continue
        ptype = order["picking_type_id"]
        warehouse = env.get("stock.picking.type", ptype, "warehouse_id")
        dest = env.get("stock.warehouse", warehouse, "lot_stock_id")
        source = env.ref_id(SUPPLIERS_XMLID)
        planned = env.get("purchase.order", rid, "date_planned")
        picking = env.create("stock.picking", {
            "picking_type_id": ptype, "origin": order["name"], "partner_id": order["partner_id"], "state": "assigned",
            "location_id": source, "location_dest_id": dest, "scheduled_date": planned,
            "company_id": order.get("company_id") or 1})
        for line in order.get("order_line") or []:
            row = env.row("purchase.order.line", line)
            env.create("stock.move", {"name": row.get("name") or order["name"], "origin": order["name"],
                                      "product_id": row["product_id"], "product_uom_qty": row["product_qty"],
                                      "location_id": source, "location_dest_id": dest, "picking_id": picking,
                                      "state": "assigned"})


def extend(specs: list) -> list:
    """Add the fields and the receipt to the models of stock and purchase."""
    by_name = {spec.name: spec for spec in specs}
    add_fields(by_name["stock.picking"], {"carrier_tracking_ref": F.Char("Tracking Reference")})
    methods = by_name["purchase.order"].methods
    for name in ("button_approve", "button_confirm"):
        earlier = methods[name]

        def wrapped(env, model, ids, *args, _earlier=earlier, **kwargs):
            result = _earlier(env, model, ids, *args, **kwargs)
            _create_receipts(env, ids)
            return result

        methods[name] = wrapped
    return specs
