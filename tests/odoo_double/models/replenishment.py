"""Reorder rules and what replenishing them touches, as Odoo 17 (stock, purchase_stock, product) runs them.

Kept from Odoo's source:

* ``stock.warehouse.orderpoint`` (``stock/models/stock_orderpoint.py``): ``qty_forecast`` / ``qty_on_hand``
  computed at read time at the rule's location (``virtual_available`` / ``qty_available`` with context
  ``location``) plus, with purchase_stock, the quantity of draft RFQ lines linked to the rule
  (``orderpoint_id``) or received at its location (``_quantity_in_progress``); ``qty_to_order`` with
  ``_compute_qty_to_order``'s formula (the double answers it fresh; Odoo's stored value may be stale);
  names ``OP/00001``; ``trigger`` auto by default; multi-company rule.
* ``product.product.orderpoint_ids``: a product's reorder rules in every warehouse.
* ``stock.warehouse.create`` makes the view and stock locations and the receipt, internal and delivery
  picking types (``in_type_id``, ``int_type_id``, ``out_type_id``), as ``stock/models/stock_warehouse.py``.
* ``stock.picking``: its type names it (``WH/INT/00001``); ``action_confirm`` confirms draft moves and reserves what the source location has (reservation
  "at confirm", the default), the picking then ``assigned`` or ``confirmed``.
* ``stock.move.product_qty``: the demand in the product's unit.
"""
from __future__ import annotations

from .. import fields as F
from ..registry import ModelSpec, api_model
from . import inventory
from .purchase import add_fields

ORDERPOINT = "stock.warehouse.orderpoint"
RFQ_STATES = ("draft", "sent", "to approve")
PHYSICAL_LOCATIONS = 1


def _location_of_rule(env, rid):
    return env.row(ORDERPOINT, rid).get("location_id")


def _in_progress(env, rid) -> float:
    """purchase_stock's ``_quantity_in_progress``: draft RFQ lines for the rule's product and location."""
    row = env.row(ORDERPOINT, rid)
    total = 0.0
    for line in env.db.table("purchase.order.line").values():
        if line.get("product_id") != row.get("product_id") or not line.get("order_id"):
            continue
        order = env.db.row("purchase.order", line["order_id"]) or {}
        if order.get("state") not in RFQ_STATES:
            continue
        if line.get("orderpoint_id"):
            location = env.row(ORDERPOINT, line["orderpoint_id"]).get("location_id")
        else:
            ptype = order.get("picking_type_id")
            warehouse = env.get("stock.picking.type", ptype, "warehouse_id") if ptype else False
            location = env.get("stock.warehouse", warehouse, "lot_stock_id") if warehouse else False
        if location == row.get("location_id"):
            total += line.get("product_qty") or 0.0
    return total


def _qty_forecast(env, model, rid):
    row = env.row(model, rid)
    if not row.get("product_id") or not row.get("location_id"):
        return 0.0
    at = env.with_context(location=row["location_id"])
    virtual = (inventory.on_hand(at, row["product_id"]) + inventory.pending(at, row["product_id"], incoming=True)
               - inventory.pending(at, row["product_id"], incoming=False))
    return virtual + _in_progress(env, rid)


def _qty_on_hand(env, model, rid):
    row = env.row(model, rid)
    if not row.get("product_id") or not row.get("location_id"):
        return 0.0
    return inventory.on_hand(env.with_context(location=row["location_id"]), row["product_id"])


def _qty_to_order(env, model, rid):
    row = env.row(model, rid)
    forecast = _qty_forecast(env, model, rid)
    minimum, maximum = row.get("product_min_qty") or 0.0, row.get("product_max_qty") or 0.0
    rounding = 0.01
    if round((forecast - minimum) / rounding) >= 0:
        return 0.0
    quantity = max(minimum, maximum) - forecast
    multiple = row.get("qty_multiple") or 0.0
    remainder = quantity % multiple if multiple > 0 else 0.0
    if remainder > rounding / 2 and multiple - remainder > rounding / 2:
        quantity += multiple - remainder
    return quantity


def _prepare_orderpoint(env, vals):
    if not vals.get("name"):
        vals["name"] = f"OP/{env.next_number('stock.orderpoint'):05d}"
    if not vals.get("warehouse_id") and vals.get("location_id"):
        vals["warehouse_id"] = env.get("stock.location", vals["location_id"], "warehouse_id")
    if not vals.get("warehouse_id"):
        company = vals.get("company_id") or env.company()
        found = env.search("stock.warehouse", [("company_id", "=", company)], limit=1)
        vals["warehouse_id"] = found[0] if found else False
    if not vals.get("location_id") and vals.get("warehouse_id"):
        vals["location_id"] = env.get("stock.warehouse", vals["warehouse_id"], "lot_stock_id")
    if not vals.get("company_id") and vals.get("warehouse_id"):
        vals["company_id"] = env.get("stock.warehouse", vals["warehouse_id"], "company_id")
    return vals


def orderpoint_spec() -> ModelSpec:
    return ModelSpec(ORDERPOINT, "Minimum Inventory Rule", order="location_id,company_id,id",
                     prepare_create=_prepare_orderpoint, fields={
        "name": F.Char("Name", required=True, readonly=True),
        "trigger": F.Selection([("auto", "Auto"), ("manual", "Manual")], "Trigger", required=True, default="auto"),
        "active": F.Boolean("Active", default=True),
        "snoozed_until": F.Date("Snoozed"),
        "warehouse_id": F.Many2one("stock.warehouse", "Warehouse", required=True),
        "location_id": F.Many2one("stock.location", "Location", required=True),
        "product_id": F.Many2one("product.product", "Product", required=True),
        "product_uom": F.Many2one("uom.uom", "Unit of Measure", compute=lambda env, m, rid: env.get(
            "product.product", env.row(m, rid)["product_id"], "uom_id")),
        "product_min_qty": F.Float("Min Quantity", required=True, default=0.0),
        "product_max_qty": F.Float("Max Quantity", required=True, default=0.0),
        "qty_multiple": F.Float("Multiple Quantity", required=True, default=1.0),
        "company_id": F.Many2one("res.company", "Company", required=True, default=lambda env, vals: env.company()),
        "qty_on_hand": F.Float("On Hand", readonly=True, compute=_qty_on_hand),
        "qty_forecast": F.Float("Forecast", readonly=True, compute=_qty_forecast),
        "qty_to_order": F.Float("To Order", compute=_qty_to_order),
    })


def _code(env) -> str:
    return f"WH{len(env.search('stock.warehouse', [], active_test=False)) + 1}"


@api_model
def warehouse_create(env, model, vals_list):
    """Odoo 17's ``stock.warehouse.create``: its locations and picking types come with it."""
    single = isinstance(vals_list, dict)
    result = []
    for vals in [vals_list] if single else vals_list:
        vals = dict(vals)
        company = vals.get("company_id") or env.company()
        vals["company_id"] = company
        if vals.get("view_location_id"):  # the seed gives its own locations and types
            result.append(env.create(model, vals))
            continue
        code = vals.setdefault("code", _code(env))
        view = env.create("stock.location", {"name": code, "location_id": PHYSICAL_LOCATIONS, "usage": "view",
                                             "company_id": company})
        stock = env.create("stock.location", {"name": "Stock", "location_id": view, "usage": "internal",
                                              "company_id": company})
        rid = env.create(model, {**vals, "view_location_id": view, "lot_stock_id": stock})
        types = {}
        for key, name, kind, prefix in (("in_type_id", "Receipts", "incoming", "IN"),
                                        ("int_type_id", "Internal Transfers", "internal", "INT"),
                                        ("out_type_id", "Delivery Orders", "outgoing", "OUT")):
            types[key] = env.create("stock.picking.type", {"name": name, "code": kind, "sequence_code": prefix,
                                                           "warehouse_id": rid})
        env.db.update(model, rid, types)
        result.append(rid)
    return result[0] if single else result


warehouse_create.model_create = True


def _prepare_picking(env, vals):
    ptype = vals.get("picking_type_id")
    if ptype and vals.get("name", "/") == "/":
        warehouse = env.get("stock.picking.type", ptype, "warehouse_id")
        code = env.get("stock.warehouse", warehouse, "code") if warehouse else "X"
        prefix = env.get("stock.picking.type", ptype, "sequence_code")
        vals["name"] = f"{code}/{prefix}/{env.next_number(f'stock.picking.{ptype}'):05d}"
    if ptype and not vals.get("company_id"):
        vals["company_id"] = env.get("stock.picking.type", ptype, "company_id")
    return vals


def picking_action_confirm(env, model, ids):
    """Odoo 17: draft moves are confirmed and reserved from the source location (reservation at confirm)."""
    for pid in env.exists(model, ids):
        states = []
        for mid in env.search("stock.move", [("picking_id", "=", pid)]):
            move = env.row("stock.move", mid)
            state = move.get("state")
            if state == "draft":
                demand = move.get("product_uom_qty") or 0.0
                got = inventory.reserve(env, move["product_id"], demand, move["location_id"])
                state = "assigned" if got >= demand else "partially_available" if got > 0 else "confirmed"
                env.write("stock.move", [mid], {"state": state, "quantity": got})
            states.append(state)
        if env.get(model, pid, "state") == "draft":
            ready = states and all(s == "assigned" for s in states)
            env.write(model, [pid], {"state": "assigned" if ready else "confirmed"})
    return True


def _product_qty(env, model, rid):
    """The demand in the product's unit (uom factors: units of the unit per reference unit)."""
    row = env.row(model, rid)
    qty = row.get("product_uom_qty") or 0.0
    target = env.get("product.product", row["product_id"], "uom_id") if row.get("product_id") else False
    source = row.get("product_uom")
    if not target or not source or source == target:
        return qty
    return qty / (env.get("uom.uom", source, "factor") or 1.0) * (env.get("uom.uom", target, "factor") or 1.0)


def specs() -> list:
    return [orderpoint_spec()]


def extend(registry_specs: list) -> list:
    """Fields and methods replenishment needs on the models of stock, product and purchase."""
    by_name = {spec.name: spec for spec in registry_specs}
    add_fields(by_name["product.product"], {
        "orderpoint_ids": F.One2many(ORDERPOINT, "product_id", "Minimum Stock Rules")})
    add_fields(by_name["stock.warehouse"], {
        "in_type_id": F.Many2one("stock.picking.type", "In Type"),
        "int_type_id": F.Many2one("stock.picking.type", "Internal Type"),
        "out_type_id": F.Many2one("stock.picking.type", "Out Type"),
    })
    by_name["stock.warehouse"].methods["create"] = warehouse_create
    picking = by_name["stock.picking"]
    picking.methods["action_confirm"] = picking_action_confirm
    earlier = picking.prepare_create  # the delivery type a picking without one gets (returns.py)
    picking.prepare_create = lambda env, vals: _prepare_picking(env, earlier(env, vals) if earlier else vals)
    add_fields(by_name["stock.move"], {
        "product_qty": F.Float("Real Quantity", compute=_product_qty),
        "picking_type_id": F.Many2one("stock.picking.type", "Operation type"),
    })
    add_fields(by_name["purchase.order.line"], {
        "orderpoint_id": F.Many2one(ORDERPOINT, "Orderpoint")})
    return registry_specs


def seed(env) -> None:
    """The demo's internal transfer types (5: WH, 10: Chicago 1), and each warehouse's receipt, internal and
    delivery types (the delivery types 2 and 7 come from returns.seed_delivery_types)."""
    env.create("stock.picking.type", {"name": "Internal Transfers", "code": "internal", "sequence_code": "INT",
                                      "warehouse_id": 1}, forced_id=5)
    env.create("stock.picking.type", {"name": "Internal Transfers", "code": "internal", "sequence_code": "INT",
                                      "warehouse_id": 2}, forced_id=10)
    env.db.update("stock.warehouse", 1, {"in_type_id": 1, "int_type_id": 5, "out_type_id": 2})
    env.db.update("stock.warehouse", 2, {"in_type_id": 6, "int_type_id": 10, "out_type_id": 7})
