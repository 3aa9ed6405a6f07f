"""Returns and credit notes as Odoo 17 makes them (stock, stock_account, sale_stock, account, sale):

* ``stock.picking.button_validate``: the picking's moves done with their quantity (no backorder wizard: a
  picking whose every move has its quantity, as the sidecar's seeds make them), stock moved, ``date_done``.
* ``stock.return.picking`` (stock/wizard/stock_picking_return.py): created with a done picking as
  ``active_id`` it holds one line per move not cancelled, each with the move's quantity minus what its
  returns (moves whose ``origin_returned_move_id`` is it) hold; ``create_returns`` copies the picking as a
  return (``return_id``, the operation type's return type, locations swapped, origin "Return of ..."),
  one move per non-zero line, confirmed and reserved, and answers the act_window of the new picking.
* ``account.move.reversal`` (account/wizard/account_move_reversal.py): ``journal_id`` is required and
  create does not fill it; ``refund_moves`` copies each posted invoice as a draft credit note (ref
  "Reversal of: INV, reason", ``reversed_entry_id``, every line with its ``sale_line_ids``).
* ``sale.order.line.invoice_lines`` (the invoice lines whose ``sale_line_ids`` name it) and
  ``price_reduce_taxexcl`` (unit price after discount).
"""
from __future__ import annotations

from .. import errors
from .. import fields as F
from ..registry import ModelSpec, api_model
from . import inventory
from .purchase import add_fields

CUSTOMERS_XMLID = "stock.stock_location_customers"
SALE_JOURNAL_TYPES = ("out_invoice", "out_refund", "out_receipt")
PURCHASE_JOURNAL_TYPES = ("in_invoice", "in_refund", "in_receipt")
REFUND_OF = {"out_invoice": "out_refund", "in_invoice": "in_refund", "out_refund": "out_invoice",
             "in_refund": "in_invoice", "entry": "entry"}


# -- stock.picking -------------------------------------------------------------------------------
def _picking_type_code(env, model, rid):
    ptype = env.row(model, rid).get("picking_type_id")
    return env.get("stock.picking.type", ptype, "code") if ptype else "outgoing"


def _prepare_picking(env, vals):
    """A delivery made without an operation type gets its warehouse's delivery type (the sale stock rule's)."""
    if not vals.get("picking_type_id") and vals.get("location_id"):
        warehouse = env.get("stock.location", vals["location_id"], "warehouse_id")
        found = env.search("stock.picking.type", [("code", "=", "outgoing"), ("warehouse_id", "=", warehouse)],
                           limit=1) if warehouse else []
        if found:
            vals["picking_type_id"] = found[0]
    return vals


def button_validate(env, model, ids):
    """Every move done with its quantity; outgoing stock leaves its source, incoming arrives at its destination."""
    for pid in env.exists(model, ids):
        moves = [mid for mid in env.search("stock.move", [("picking_id", "=", pid)])
                 if env.get("stock.move", mid, "state") not in ("done", "cancel")]
        if not any(env.get("stock.move", mid, "quantity") for mid in moves):
            raise errors.user_error("You cannot validate a transfer if no quantities are reserved nor done. "
                                    "To force the transfer, encode quantities.")
        for mid in moves:
            move = env.row("stock.move", mid)
            qty, product = move.get("quantity") or 0.0, move["product_id"]
            if env.get("product.product", product, "type") == "product":
                source_internal = env.get("stock.location", move["location_id"], "usage") == "internal"
                dest_internal = env.get("stock.location", move["location_dest_id"], "usage") == "internal"
                if source_internal:
                    inventory.unreserve(env, product, qty, move["location_id"])
                    inventory.add_quantity(env, product, move["location_id"], -qty)
                if dest_internal:
                    inventory.add_quantity(env, product, move["location_dest_id"], qty)
            env.write("stock.move", [mid], {"state": "done"})
            line = move.get("sale_line_id")
            if line:  # sale_stock: delivered minus returned (to_refund) on the sale line
                sign = -1.0 if move.get("origin_returned_move_id") else 1.0
                env.write("sale.order.line", [line], {
                    "qty_delivered": (env.get("sale.order.line", line, "qty_delivered") or 0.0) + sign * qty})
        env.write(model, [pid], {"state": "done", "date_done": env.now()})
    return True


# -- stock.return.picking ------------------------------------------------------------------------
def _returned(env, move_id) -> float:
    """What returns of a move hold (the wizard subtracts each return move's quantity)."""
    return sum(env.get("stock.move", mid, "quantity") or 0.0
               for mid in env.search("stock.move", [("origin_returned_move_id", "=", move_id)]))


@api_model
def return_create(env, model, vals_list):
    """Odoo's default_get takes the picking from active_id; its compute fills one line per move."""
    single = isinstance(vals_list, dict)
    created = []
    for vals in [vals_list] if single else vals_list:
        vals = dict(vals)
        if env.context.get("active_model") == "stock.picking" and env.context.get("active_id"):
            if len(env.context.get("active_ids") or []) > 1:
                raise errors.user_error("You may only return one picking at a time.")
            vals.setdefault("picking_id", env.context["active_id"])
        picking = vals.get("picking_id")
        lines = []
        if picking:
            if env.get("stock.picking", picking, "state") != "done":
                raise errors.user_error("You may only return Done pickings.")
            for mid in env.search("stock.move", [("picking_id", "=", picking)]):
                move = env.row("stock.move", mid)
                if move.get("state") == "cancel":
                    continue
                lines.append((0, 0, {"product_id": move["product_id"], "move_id": mid, "to_refund": True,
                                     "quantity": round((move.get("quantity") or 0.0) - _returned(env, mid), 6)}))
            if not lines:
                raise errors.user_error("No products to return (only lines in Done state and not fully returned "
                                        "yet can be returned).")
            vals.setdefault("product_return_moves", lines)
        created.append(env.create(model, vals))
    return created[0] if single else created


return_create.model_create = True


def create_returns(env, model, ids):
    """The return picking and its moves (Odoo's _create_returns), then the act_window that opens it."""
    new_id = type_id = None
    for wid in env.exists(model, ids):
        wizard = env.row(model, wid)
        picking = env.row("stock.picking", wizard["picking_id"])
        ptype = picking.get("picking_type_id")
        type_id = (env.get("stock.picking.type", ptype, "return_picking_type_id") or ptype) if ptype else False
        warehouse = env.get("stock.picking.type", type_id, "warehouse_id") if type_id else False
        code = env.get("stock.warehouse", warehouse, "code") if warehouse else "WH"
        new_id = env.create("stock.picking", {
            "name": f"{code}/IN/{env.next_number(f'stock.picking.in.{warehouse}'):05d}",
            "origin": f"Return of {picking['name']}", "partner_id": picking.get("partner_id") or False,
            "sale_id": picking.get("sale_id") or False, "picking_type_id": type_id,
            "location_id": picking["location_dest_id"], "location_dest_id": picking["location_id"],
            "return_id": picking["id"], "company_id": picking.get("company_id") or 1, "state": "draft"})
        made = 0
        for lid in env.search("stock.return.picking.line", [("wizard_id", "=", wid)]):
            line = env.row("stock.return.picking.line", lid)
            if not line.get("move_id"):
                raise errors.user_error("You have manually created product lines, please delete them to proceed.")
            if abs(line.get("quantity") or 0.0) < 1e-9:
                continue
            made += 1
            origin = env.row("stock.move", line["move_id"])
            env.create("stock.move", {
                "name": origin["name"], "origin": f"Return of {picking['name']}", "product_id": line["product_id"],
                "product_uom_qty": line["quantity"], "quantity": line["quantity"],
                "product_uom": env.get("product.product", line["product_id"], "uom_id") or 1,
                "picking_id": new_id, "state": "assigned", "location_id": origin["location_dest_id"],
                "location_dest_id": origin["location_id"], "warehouse_id": origin.get("warehouse_id") or False,
                "origin_returned_move_id": origin["id"], "sale_line_id": origin.get("sale_line_id") or False,
                "to_refund": bool(line.get("to_refund")), "company_id": origin.get("company_id") or 1})
        if not made:
            raise errors.user_error("Please specify at least one non-zero quantity.")
        env.write("stock.picking", [new_id], {"state": "assigned"})
    return {"name": "Returned Picking", "view_mode": "form,tree,calendar", "res_model": "stock.picking",
            "res_id": new_id, "type": "ir.actions.act_window",
            "context": {**env.context, "search_default_picking_type_id": type_id}}


# -- account.move.reversal -----------------------------------------------------------------------
def _reversal_defaults(env, vals):
    """default_get: the moves of active_ids (all posted, one company); journal_id stays unset."""
    moves = list(env.context.get("active_ids") or []) if env.context.get("active_model") == "account.move" else []
    if len({env.get("account.move", mid, "company_id") for mid in moves}) > 1:
        raise errors.user_error("All selected moves for reversal must belong to the same company.")
    if any(env.get("account.move", mid, "state") != "posted" for mid in moves):
        raise errors.user_error("You can only reverse posted moves.")
    vals.setdefault("move_ids", [(6, 0, moves)])
    vals.setdefault("company_id", env.get("account.move", moves[0], "company_id") if moves else env.company())
    return vals


def refund_moves(env, model, ids):
    """reverse_moves(is_modify=False): a draft credit note per invoice, every line copied with its sale lines."""
    new_ids = []
    for wid in env.exists(model, ids):
        wizard = env.row(model, wid)
        if env.get("account.journal", wizard["journal_id"], "type") not in {
                env.get("account.journal", env.get("account.move", mid, "journal_id"), "type")
                for mid in wizard.get("move_ids") or []}:
            raise errors.user_error("Journal should be the same type as the reversed entry.")
        for mid in wizard.get("move_ids") or []:
            move = env.row("account.move", mid)
            reason = wizard.get("reason")
            ref = f"Reversal of: {move['name']}, {reason}" if reason else f"Reversal of: {move['name']}"
            lines = [(0, 0, {"name": line.get("name"), "display_type": line.get("display_type") or "product",
                             "product_id": line.get("product_id") or False, "quantity": line.get("quantity"),
                             "price_unit": line.get("price_unit"), "tax_ids": [(6, 0, line.get("tax_ids") or [])],
                             "sale_line_ids": [(6, 0, line.get("sale_line_ids") or [])]})
                     for line in (env.row("account.move.line", lid) for lid in env.get("account.move", mid, "invoice_line_ids"))]
            new_ids.append(env.create("account.move", {
                "move_type": REFUND_OF[move["move_type"]], "partner_id": move.get("partner_id") or False,
                "company_id": move["company_id"], "currency_id": move["currency_id"], "ref": ref,
                "reversed_entry_id": mid, "journal_id": wizard["journal_id"], "date": wizard.get("date") or env.today(),
                "invoice_date": wizard.get("date") or env.today(), "invoice_origin": move.get("invoice_origin") or False,
                "invoice_line_ids": lines}))
        env.write(model, [wid], {"new_move_ids": [(6, 0, new_ids)]})
    action = {"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": "account.move"}
    if len(new_ids) == 1:
        action.update(view_mode="form", res_id=new_ids[0],
                      context={"default_move_type": env.get("account.move", new_ids[0], "move_type")})
    else:
        action.update(view_mode="tree,form", domain=[("id", "in", new_ids)])
    return action


# -- fields added to other modules' models -------------------------------------------------------
def _invoice_lines(env, model, rid):
    return sorted(lid for lid, row in env.db.table("account.move.line").items() if rid in (row.get("sale_line_ids") or []))


def _price_reduce(env, model, rid):
    row = env.row(model, rid)
    return round((row.get("price_unit") or 0.0) * (1.0 - (row.get("discount") or 0.0) / 100.0), 6)


def _default_journal(env, vals):
    """account.move._search_default_journal: the company's first journal of the move type's kind."""
    kind = ("sale" if vals.get("move_type") in SALE_JOURNAL_TYPES
            else "purchase" if vals.get("move_type") in PURCHASE_JOURNAL_TYPES else "general")
    company = vals.get("company_id") or env.company()
    found = env.search("account.journal", [("type", "=", kind), ("company_id", "=", company)], limit=1)
    return found[0] if found else False


def extend(registry_specs: list) -> list:
    """Add the returns' fields to stock, sale and account models; returns the specs."""
    by_name = {spec.name: spec for spec in registry_specs}
    picking = by_name["stock.picking"]
    add_fields(picking, {
        "picking_type_id": F.Many2one("stock.picking.type", "Operation Type", required=True),
        "picking_type_code": F.Selection([("incoming", "Receipt"), ("outgoing", "Delivery"),
                                          ("internal", "Internal Transfer")], "Type of Operation",
                                         compute=_picking_type_code),
        "return_id": F.Many2one("stock.picking", "Return of", readonly=True),
        "return_ids": F.One2many("stock.picking", "return_id", "Returns"),
        "date_done": F.Datetime("Date of Transfer", readonly=True),
    })
    picking.prepare_create = _prepare_picking
    picking.methods["button_validate"] = button_validate
    add_fields(by_name["stock.move"], {
        "origin_returned_move_id": F.Many2one("stock.move", "Origin return move"),
        "returned_move_ids": F.One2many("stock.move", "origin_returned_move_id", "All returned moves"),
        "to_refund": F.Boolean("Update quantities on SO/PO"),
    })
    add_fields(by_name["stock.picking.type"], {
        "return_picking_type_id": F.Many2one("stock.picking.type", "Operation Type for Returns"),
    })
    add_fields(by_name["sale.order.line"], {
        "invoice_lines": F.Many2many("account.move.line", "Invoice Lines", compute=_invoice_lines),
        "price_reduce_taxexcl": F.Monetary("Price Reduce Tax excl", compute=_price_reduce, store=True),
    })
    add_fields(by_name["account.move.line"], {
        "sale_line_ids": F.Many2many("sale.order.line", "Sales Order Lines"),
    })
    add_fields(by_name["account.move"], {
        "journal_id": F.Many2one("account.journal", "Journal", required=True, default=_default_journal),
        "reversed_entry_id": F.Many2one("account.move", "Reversal of", readonly=True),
        "invoice_origin": F.Char("Origin"),
    })
    return registry_specs


def specs() -> list:
    return [
        ModelSpec("account.journal", "Journal", order="sequence, type, code", fields={
            "name": F.Char("Journal Name", required=True),
            "code": F.Char("Short Code", required=True),
            "type": F.Selection([("sale", "Sales"), ("purchase", "Purchase"), ("cash", "Cash"), ("bank", "Bank"),
                                 ("general", "Miscellaneous")], "Type", required=True),
            "company_id": F.Many2one("res.company", "Company", required=True, default=1),
            "sequence": F.Integer("Sequence", default=10),
            "active": F.Boolean("Active", default=True),
        }),
        ModelSpec("stock.return.picking", "Return Picking", methods={
            "create": return_create, "create_returns": create_returns}, fields={
            "picking_id": F.Many2one("stock.picking", "Picking"),
            "product_return_moves": F.One2many("stock.return.picking.line", "wizard_id", "Moves"),
            "location_id": F.Many2one("stock.location", "Return Location"),
        }),
        ModelSpec("stock.return.picking.line", "Return Picking Line", rec_name="product_id", fields={
            "product_id": F.Many2one("product.product", "Product", required=True),
            "quantity": F.Float("Quantity", required=True, default=0.0),
            "wizard_id": F.Many2one("stock.return.picking", "Wizard"),
            "move_id": F.Many2one("stock.move", "Move"),
            "to_refund": F.Boolean("Update quantities on SO/PO", default=True),
        }),
        ModelSpec("account.move.reversal", "Account Move Reversal", prepare_create=_reversal_defaults,
                  methods={"refund_moves": refund_moves}, fields={
            "move_ids": F.Many2many("account.move", "Move"),
            "new_move_ids": F.Many2many("account.move", "New Move"),
            "date": F.Date("Reversal date", default=lambda env, vals: env.today()),
            "reason": F.Char("Reason displayed on Credit Note"),
            "journal_id": F.Many2one("account.journal", "Journal", required=True),
            "company_id": F.Many2one("res.company", "Company", required=True),
        }),
    ]


def seed_delivery_types(env) -> None:
    """The demo's delivery types of its two warehouses (ids 2 and 7), before any delivery is made."""
    for tid, warehouse in ((2, 1), (7, 2)):
        env.create("stock.picking.type", {"name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT",
                                          "warehouse_id": warehouse}, forced_id=tid)


def seed(env) -> None:
    """Each warehouse's delivery and receipt types are each other's type for returns (as on the demo database)."""
    for delivery, receipt in ((2, 1), (7, 6)):
        env.write("stock.picking.type", [delivery], {"return_picking_type_id": receipt})
        env.write("stock.picking.type", [receipt], {"return_picking_type_id": delivery})


def seed_journals(env) -> None:
    """The demo company's sales, purchase and miscellaneous journals (ids as on the demo database)."""
    for jid, (name, code, kind) in enumerate([("Customer Invoices", "INV", "sale"), ("Vendor Bills", "BILL", "purchase"),
                                              ("Miscellaneous Operations", "MISC", "general")], start=1):
        env.create("account.journal", {"name": name, "code": code, "type": kind, "company_id": 1}, forced_id=jid)
