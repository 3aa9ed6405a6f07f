"""Outgoing deliveries of confirmed sales orders: one picking per order, one move per goods line."""
from __future__ import annotations

from .. import errors
from . import inventory
from .stock import picking_action_cancel

CUSTOMERS_XMLID = "stock.stock_location_customers"


def create_delivery(env, order_id):
    order = env.row("sale.order", order_id)
    lines = [lid for lid in env.get("sale.order", order_id, "order_line")
             if env.get("sale.order.line", lid, "product_type") in ("product", "consu")]
    if not lines:
        return False
    _check_rules(env, order, lines)
    warehouse = order["warehouse_id"]
    source = env.get("stock.warehouse", warehouse, "lot_stock_id")
    code = env.get("stock.warehouse", warehouse, "code")
    scheduled = order.get("commitment_date") or env.get("sale.order", order_id, "expected_date") or env.now()
    picking = env.create("stock.picking", {
        "name": f"{code}/OUT/{env.next_number(f'stock.picking.out.{warehouse}'):05d}",
        "origin": order["name"], "partner_id": order.get("partner_shipping_id") or order["partner_id"],
        "sale_id": order_id, "location_id": source, "location_dest_id": env.ref_id(CUSTOMERS_XMLID),
        "scheduled_date": scheduled, "move_type": order.get("picking_policy") or "direct",
        "user_id": order.get("user_id") or False, "state": "confirmed"})
    move_states = []
    for lid in lines:
        line = env.row("sale.order.line", lid)
        product, demand = line["product_id"], line.get("product_uom_qty") or 0.0
        if env.get("product.product", product, "type") == "product":
            got = inventory.reserve(env, product, demand, source)
        else:
            got = demand
        state = "assigned" if got >= demand else "partially_available" if got > 0 else "confirmed"
        move_states.append(state)
        env.create("stock.move", {
            "name": env.display_name("product.product", product), "origin": order["name"],
            "product_id": product, "product_uom_qty": demand, "quantity": got,
            "product_uom": line.get("product_uom") or 1, "state": state, "picking_id": picking,
            "sale_line_id": lid, "location_id": source, "location_dest_id": env.ref_id(CUSTOMERS_XMLID),
            "warehouse_id": warehouse, "date": scheduled})
    ready = all(s == "assigned" for s in move_states) or (
        order.get("picking_policy", "direct") == "direct" and any(s != "confirmed" for s in move_states))
    env.db.update("stock.picking", picking, {"state": "assigned" if ready else "confirmed"})
    return picking


def _check_rules(env, order, lines) -> None:
    """The double's only stock rule delivers to Customers; any other customer location (the shipping
    partner's ``property_stock_customer``) has none, and Odoo's procurement run refuses the order."""
    customers = env.ref_id(CUSTOMERS_XMLID)
    partner = order.get("partner_shipping_id") or order["partner_id"]
    destination = env.get("res.partner", partner, "property_stock_customer") or customers
    if destination == customers:
        return
    errors_ = [f"No rule has been found to replenish {env.display_name('product.product', env.get('sale.order.line', lid, 'product_id'))!r}"
               f" in {env.get('stock.location', destination, 'complete_name')!r}.\n"
               "Verify the routes configuration on the product."
               for lid in lines if env.get("sale.order.line", lid, "product_uom_qty")]
    if errors_:
        raise errors.user_error("\n".join(errors_))


def cancel_deliveries(env, order_id) -> None:
    pickings = env.search("stock.picking", [("sale_id", "=", order_id), ("state", "!=", "done")])
    if pickings:
        picking_action_cancel(env, "stock.picking", pickings)


def delivery_status(env, model, rid):
    states = [env.get("stock.picking", pid, "state")
              for pid in env.search("stock.picking", [("sale_id", "=", rid)])]
    if not states or all(state == "cancel" for state in states):
        return False
    if all(state in ("done", "cancel") for state in states):
        return "full"
    if any(state == "done" for state in states):
        return "partial"
    return "pending"
