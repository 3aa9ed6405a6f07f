"""stock.warehouse, stock.location, stock.quant (inventory adjustments), stock.picking, stock.move."""
from __future__ import annotations

from .. import errors, security
from .. import fields as F
from ..registry import ModelSpec, api_model
from . import inventory
from .mail_thread import thread_fields, thread_methods

LOCATION_USAGES = [("supplier", "Vendor Location"), ("view", "View"), ("internal", "Internal Location"),
                   ("customer", "Customer Location"), ("inventory", "Inventory Loss"),
                   ("production", "Production"), ("transit", "Transit Location")]
PICKING_STATES = [("draft", "Draft"), ("waiting", "Waiting Another Operation"), ("confirmed", "Waiting"),
                  ("assigned", "Ready"), ("done", "Done"), ("cancel", "Cancelled")]
MOVE_STATES = [("draft", "New"), ("waiting", "Waiting Another Move"), ("confirmed", "Waiting Availability"),
               ("partially_available", "Partially Available"), ("assigned", "Available"),
               ("done", "Done"), ("cancel", "Cancelled")]
MOVE_TYPES = [("direct", "As soon as possible"), ("one", "When all products are ready")]
INVENTORY_LOSS_XMLID = "stock.stock_location_inventory"


def _location_complete_name(env, model, rid):
    row = env.row(model, rid)
    parent = row.get("location_id")
    if parent and row.get("usage") != "view":
        return f"{env.get(model, parent, 'complete_name')}/{row.get('name') or ''}"
    return row.get("name") or ""


def _location_warehouse(env, model, rid):
    views = {row["view_location_id"]: wid for wid, row in env.db.table("stock.warehouse").items()}
    seen = set()
    while rid and rid not in seen:
        if rid in views:
            return views[rid]
        seen.add(rid)
        rid = env.row("stock.location", rid).get("location_id")
    return False


def _quant_of(fname):
    return lambda env, model, rid: env.row(model, rid).get(fname) or 0.0


def _quant_diff(env, model, rid):
    row = env.row(model, rid)
    return row.get("_diff", 0.0)


def _track_inventory_diff(env, ids, vals):
    """Odoo 17 recomputes inventory_diff_quantity and sets inventory_quantity_set when inventory_quantity is written
    (both depend on it; an explicit inventory_quantity_set in the same write wins)."""
    if "inventory_quantity" in vals:
        for rid in ids:
            row = env.row("stock.quant", rid)
            env.db.update("stock.quant", rid, {
                "_diff": (row.get("inventory_quantity") or 0.0) - (row.get("quantity") or 0.0),
                "inventory_quantity_set": vals.get("inventory_quantity_set", True)})


@api_model
def quant_create(env, model, vals_list):
    """Odoo 17 ``stock.quant.create``: in inventory mode, counting a product that already has a
    quant at that location sets the count on the existing quant."""
    single = isinstance(vals_list, dict)
    result = []
    for vals in [vals_list] if single else vals_list:
        vals = dict(vals)
        counting = "inventory_quantity" in vals or "inventory_quantity_auto_apply" in vals
        if env.context.get("inventory_mode") and counting:
            auto = "inventory_quantity_auto_apply" in vals
            counted = vals.pop("inventory_quantity_auto_apply", False) or vals.pop("inventory_quantity", False) or 0
            existing = [row["id"] for row in inventory.quants(env, vals.get("product_id"), {vals.get("location_id")})
                        if (row.get("lot_id") or False) == (vals.get("lot_id") or False)]
            rid = existing[0] if existing else env.create(model, vals)
            env.write(model, [rid], {"inventory_quantity": counted, "inventory_quantity_set": True,
                                     "user_id": vals.get("user_id", env.uid), "inventory_date": env.today()})
            if auto:
                _apply_inventory(env, [rid])
        else:
            rid = env.create(model, vals)
            if "inventory_quantity" in vals:
                _track_inventory_diff(env, [rid], vals)
        result.append(rid)
    return result[0] if single else result


quant_create.model_create = True


def _apply_inventory(env, ids):
    loss = env.ref_id(INVENTORY_LOSS_XMLID)
    for rid in ids:
        row = env.row("stock.quant", rid)
        diff = row.get("_diff", 0.0)
        # Odoo moves even a count equal to what is on hand: a done move of 0 ("Product Quantity Confirmed"),
        # which _action_done keeps because it is an inventory move (stock_quant.py, stock_move.py).
        product, location = row["product_id"], row["location_id"]
        source, dest = (loss, location) if diff > 0 else (location, loss)
        # Odoo names it after the context's inventory_name when given, followed by the counter's name
        # when the quant has one (_get_inventory_move_values: `name += f' ({self.user_id.display_name})'`)
        name = env.context.get("inventory_name") or (
            "Product Quantity Updated" if diff else "Product Quantity Confirmed")
        if row.get("user_id") and row["user_id"] != 1:
            name += f" ({env.display_name('res.users', row['user_id'])})"
        env.create("stock.move", {
            "name": name, "product_id": product, "product_uom_qty": abs(diff),
            "quantity": abs(diff), "product_uom": env.get("product.product", product, "uom_id"),
            "location_id": source, "location_dest_id": dest, "state": "done", "is_inventory": True})
        env.db.update("stock.quant", rid, {"quantity": (row.get("quantity") or 0.0) + diff})
        inventory.add_quantity(env, product, loss, -diff)
        env.db.update("stock.quant", rid, {"inventory_quantity": 0.0, "_diff": 0.0, "user_id": False,
                                           "inventory_quantity_set": False})


def action_apply_inventory(env, model, ids):
    """Odoo 17: only a stock manager applies (_apply_inventory's UserError); a quant whose on-hand moved since
    the count (is_outdated) gets the conflict wizard instead; the count is cleared once applied."""
    ids = env.exists(model, ids)
    if not security.has_group(env, security.STOCK_MANAGER):
        raise errors.user_error("Only a stock manager can validate an inventory adjustment.")
    outdated = [rid for rid in ids if env.get(model, rid, "inventory_quantity_set") and abs(
        (env.get(model, rid, "inventory_quantity") or 0.0) - (env.get(model, rid, "inventory_diff_quantity") or 0.0)
        - (env.get(model, rid, "quantity") or 0.0)) > 1e-9]
    if outdated:
        return {"name": "Conflict in Inventory Adjustment", "type": "ir.actions.act_window", "view_mode": "form",
                "views": [[False, "form"]], "res_model": "stock.inventory.conflict", "target": "new",
                "context": {**env.context, "default_quant_ids": ids, "default_quant_to_fix_ids": outdated}}
    if any(env.get(model, rid, "product_id") and
           env.get("product.product", env.get(model, rid, "product_id"), "tracking") != "none" and
           not env.get(model, rid, "lot_id") for rid in ids):
        raise errors.user_error("You need to supply a Lot/Serial number for the tracked products.")
    _apply_inventory(env, ids)
    return None


def action_clear_inventory_quantity(env, model, ids):
    """Odoo 17's "Clear": count, difference, the count's flag and its user reset; no stock move."""
    for rid in env.exists(model, ids):
        env.write(model, [rid], {"inventory_quantity": 0.0, "inventory_quantity_set": False, "user_id": False})
        env.db.update(model, rid, {"_diff": 0.0})
    return None


def picking_action_cancel(env, model, ids):
    for pid in env.exists(model, ids):
        for mid in env.search("stock.move", [("picking_id", "=", pid)], active_test=False):
            move = env.row("stock.move", mid)
            if move.get("state") in ("done", "cancel"):
                continue
            if move.get("quantity"):
                inventory.unreserve(env, move["product_id"], move["quantity"], move["location_id"])
            env.write("stock.move", [mid], {"state": "cancel", "quantity": 0.0})
        if env.get(model, pid, "state") != "done":
            env.write(model, [pid], {"state": "cancel"})
    return True


def specs():
    return [
        ModelSpec("stock.warehouse", "Warehouse", order="sequence,id", fields={
            "name": F.Char("Warehouse", required=True),
            "code": F.Char("Short Name", required=True),
            "company_id": F.Many2one("res.company", "Company", required=True, readonly=True, default=1),
            "partner_id": F.Many2one("res.partner", "Address"),
            "view_location_id": F.Many2one("stock.location", "View Location", required=True),
            "lot_stock_id": F.Many2one("stock.location", "Location Stock", required=True),
            "active": F.Boolean("Active", default=True),
            "sequence": F.Integer("Sequence", default=10),
            "delivery_steps": F.Selection([
                ("ship_only", "Deliver goods directly (1 step)"),
                ("pick_ship", "Send goods in output and then deliver (2 steps)"),
                ("pick_pack_ship", "Pack goods, send goods in output and then deliver (3 steps)")],
                "Outgoing Shipments", required=True, default="ship_only"),
            "reception_steps": F.Selection([
                ("one_step", "Receive goods directly (1 step)"),
                ("two_steps", "Receive goods in input and then stock (2 steps)"),
                ("three_steps", "Receive goods in input, then quality and then stock (3 steps)")],
                "Incoming Shipments", required=True, default="one_step"),
        }),
        ModelSpec("stock.location", "Inventory Locations", order="complete_name, id", rec_name="complete_name",
                  parent_field="location_id", fields={
            "name": F.Char("Location Name", required=True),
            "complete_name": F.Char("Full Location Name", compute=_location_complete_name, store=True),
            "location_id": F.Many2one("stock.location", "Parent Location"),
            "child_ids": F.One2many("stock.location", "location_id", "Contains"),
            "usage": F.Selection(LOCATION_USAGES, "Location Type", required=True, default="internal"),
            "warehouse_id": F.Many2one("stock.warehouse", "Warehouse", compute=_location_warehouse, store=True),
            "company_id": F.Many2one("res.company", "Company", default=1),
            "active": F.Boolean("Active", default=True),
        }),
        ModelSpec("stock.quant", "Quants", rec_name="product_id",
                  display=lambda env, rid: env.display_name("product.product", env.get("stock.quant", rid, "product_id")),
                  after_write=_track_inventory_diff,
                  methods={"create": quant_create, "action_apply_inventory": action_apply_inventory,
                           "action_clear_inventory_quantity": action_clear_inventory_quantity},
                  fields={
            "product_id": F.Many2one("product.product", "Product", required=True),
            "product_tmpl_id": F.Many2one("product.template", "Product Template", compute=lambda env, m, rid: (
                env.get("product.product", env.get(m, rid, "product_id"), "product_tmpl_id"))),
            "product_uom_id": F.Many2one("uom.uom", "Unit of Measure", compute=lambda env, m, rid: (
                env.get("product.product", env.get(m, rid, "product_id"), "uom_id"))),
            "location_id": F.Many2one("stock.location", "Location", required=True),
            "warehouse_id": F.Many2one("stock.warehouse", "Warehouse", compute=lambda env, m, rid: (
                env.get("stock.location", env.get(m, rid, "location_id"), "warehouse_id"))),
            "company_id": F.Many2one("res.company", "Company", store=True, compute=lambda env, m, rid: (
                env.get("stock.location", env.get(m, rid, "location_id"), "company_id"))),
            "lot_id": F.Many2one("stock.lot", "Lot/Serial Number"),
            "package_id": F.Many2one("stock.quant.package", "Package"),
            "owner_id": F.Many2one("res.partner", "Owner"),
            "quantity": F.Float("Quantity", readonly=True, default=0.0),
            "reserved_quantity": F.Float("Reserved Quantity", readonly=True, required=True, default=0.0),
            "available_quantity": F.Float("Available Quantity", compute=lambda env, m, rid: (
                _quant_of("quantity")(env, m, rid) - _quant_of("reserved_quantity")(env, m, rid))),
            "inventory_quantity": F.Float("Counted Quantity", default=0.0),
            "inventory_diff_quantity": F.Float("Difference", compute=_quant_diff, store=True),
            "inventory_quantity_set": F.Boolean("Inventory Quantity Set", default=False),
            "inventory_date": F.Date("Scheduled Date"),
            "in_date": F.Datetime("Incoming Date", readonly=True, required=True, default=lambda env, vals: env.now()),
            "user_id": F.Many2one("res.users", "Assigned To"),
        }),
        ModelSpec("stock.picking", "Transfer", order="priority desc, scheduled_date asc, id desc",
                  methods={"action_cancel": picking_action_cancel, **thread_methods()}, fields={
            "name": F.Char("Reference", readonly=True, default="/"),
            "origin": F.Char("Source Document"),
            "note": F.Html("Notes"),
            "state": F.Selection(PICKING_STATES, "Status", readonly=True, default="draft"),
            "priority": F.Selection([("0", "Normal"), ("1", "Urgent")], "Priority", default="0"),
            "move_type": F.Selection(MOVE_TYPES, "Shipping Policy", required=True, default="direct"),
            "partner_id": F.Many2one("res.partner", "Contact"),
            "user_id": F.Many2one("res.users", "Responsible"),
            "sale_id": F.Many2one("sale.order", "Sales Order", readonly=True),
            "location_id": F.Many2one("stock.location", "Source Location", required=True),
            "location_dest_id": F.Many2one("stock.location", "Destination Location", required=True),
            "move_ids": F.One2many("stock.move", "picking_id", "Stock Moves"),
            "scheduled_date": F.Datetime("Scheduled Date", default=lambda env, vals: env.now()),
            "date_deadline": F.Datetime("Deadline", readonly=True),
            "date_done": F.Datetime("Date of Transfer", readonly=True),
            "company_id": F.Many2one("res.company", "Company", readonly=True, default=1),
            "picking_type_code": F.Selection([("incoming", "Receipt"), ("outgoing", "Delivery"),
                                              ("internal", "Internal Transfer")], "Type of Operation",
                                             compute=lambda env, m, rid: "outgoing"),
            **thread_fields(),
        }),
        ModelSpec("stock.move", "Stock Move", order="sequence, id", fields={
            "name": F.Char("Description", required=True),
            "sequence": F.Integer("Sequence", default=10),
            "origin": F.Char("Source Document"),
            "product_id": F.Many2one("product.product", "Product", required=True),
            "product_uom_qty": F.Float("Demand", required=True, default=0.0),
            "quantity": F.Float("Quantity", default=0.0),
            "product_uom": F.Many2one("uom.uom", "UoM", required=True, default=1),
            "state": F.Selection(MOVE_STATES, "Status", readonly=True, default="draft"),
            "picking_id": F.Many2one("stock.picking", "Transfer"),
            "sale_line_id": F.Many2one("sale.order.line", "Sale Line"),
            "location_id": F.Many2one("stock.location", "Source Location", required=True),
            "location_dest_id": F.Many2one("stock.location", "Destination Location", required=True),
            "warehouse_id": F.Many2one("stock.warehouse", "Warehouse"),
            "date": F.Datetime("Date Scheduled", required=True, default=lambda env, vals: env.now()),
            "company_id": F.Many2one("res.company", "Company", required=True, default=1),
            "is_inventory": F.Boolean("Inventory"),
        }),
    ]
