"""purchase.order and its lines as Odoo 17 (purchase + purchase_stock) runs them for the approval flow.

What the double keeps from Odoo's source (``purchase/models/purchase_order.py``):

* states ``draft`` / ``sent`` (RFQ), ``to approve``, ``purchase``, ``done``, ``cancel``;
* ``button_confirm`` acts on RFQs only (others are skipped, no error) and puts an order in
  ``to approve`` unless ``_approval_allowed``: the company's ``po_double_validation`` is
  ``one_step``, or ``two_step`` with ``amount_total`` below ``po_double_validation_amount``
  (company currency, converted), or the user is a purchase manager;
* ``button_approve`` checks no state at all (Odoo approves a cancelled order too) and silently
  skips the orders the user may not approve (it answers ``{}`` either way); approved orders get
  ``date_approve``, and ``done`` when the company locks confirmed orders (``po_lock``);
* ``button_cancel`` cancels from any state (purchase_stock refuses only once a receipt is done,
  which the double never has) and answers ``None``.

Not modelled: receipts (purchase_stock's ``_create_picking``), vendor bills, supplier info.
"""
from __future__ import annotations

from .. import fields as F
from .. import security
from ..registry import ModelSpec
from . import account
from .mail_thread import thread_fields, thread_methods
from .sale_line import round_money

PO_STATES = [("draft", "RFQ"), ("sent", "RFQ Sent"), ("to approve", "To Approve"), ("purchase", "Purchase Order"),
             ("done", "Locked"), ("cancel", "Cancelled")]
RFQ_STATES = ("draft", "sent")
PURCHASE_TAX = 2  # the seed's 15 % purchase tax: the company's default vendor tax


def add_fields(spec: ModelSpec, extra: dict) -> ModelSpec:
    """Fields an installed module adds to a model of another module (Odoo's ``_inherit``)."""
    for fname, fdef in extra.items():
        fdef.name, fdef.model_name = fname, spec.name
        spec.fields[fname] = fdef
    return spec


def company_fields() -> dict:
    """res.company fields of purchase (Settings > Purchase > Purchase Order Approval)."""
    return {
        "po_lock": F.Selection([("edit", "Allow to edit purchase orders"),
                                ("lock", "Confirmed purchase orders are not editable")],
                               "Purchase Order Modification", default="edit"),
        "po_double_validation": F.Selection([("one_step", "Confirm purchase orders in one step"),
                                             ("two_step", "Get 2 levels of approvals to confirm a purchase order")],
                                            "Levels of Approvals", default="one_step"),
        "po_double_validation_amount": F.Monetary("Double validation amount", default=5000.0),
    }


def partner_fields() -> dict:
    """res.partner's tags (base: ``category_id``, many2many to res.partner.category)."""
    return {"category_id": F.Many2many("res.partner.category", "Tags")}


def _tag_display(env, rid) -> str:
    """Odoo's res.partner.category display name: the parents' names, then its own, joined by ' / '."""
    names, seen = [], set()
    while rid and rid not in seen:
        seen.add(rid)
        names.append(env.get("res.partner.category", rid, "name"))
        rid = env.get("res.partner.category", rid, "parent_id")
    return " / ".join(reversed(names))


def _order_value(fname):
    return lambda env, model, rid: env.get("purchase.order", env.row(model, rid)["order_id"], fname) \
        if env.row(model, rid).get("order_id") else False


def _subtotal(env, model, rid) -> float:
    row = env.row(model, rid)
    if row.get("display_type"):
        return 0.0
    price = (row.get("price_unit") or 0.0) * (1 - (row.get("discount") or 0.0) / 100.0)
    return round_money(price * (row.get("product_qty") or 0.0))


def _tax(env, model, rid) -> float:
    base = _subtotal(env, model, rid)
    total = 0.0
    for tax_id in env.row(model, rid).get("taxes_id") or []:
        amount = env.get("account.tax", tax_id, "amount")
        fixed = env.get("account.tax", tax_id, "amount_type") == "fixed"
        total += amount * (env.row(model, rid).get("product_qty") or 0.0) if fixed else base * amount / 100.0
    return round_money(total)


def _amount(kind):
    def compute(env, model, rid):
        lines = env.get(model, rid, "order_line")
        untaxed = sum(_subtotal(env, "purchase.order.line", lid) for lid in lines)
        taxes = sum(_tax(env, "purchase.order.line", lid) for lid in lines)
        return round_money({"untaxed": untaxed, "tax": taxes, "total": untaxed + taxes}[kind])
    return compute


def _currency_rate(env, model, rid) -> float:
    """Units of the order's currency per unit of the company's on the order date (stored by Odoo)."""
    row = env.row(model, rid)
    company = row.get("company_id") or 1
    return account.currency_rate(env, env.get("res.company", company, "currency_id"), row.get("currency_id") or 1,
                                 company, (row.get("date_order") or env.now())[:10])


def _date_planned(env, model, rid):
    """The earliest expected arrival of the lines (Odoo's ``_compute_date_planned``)."""
    dates = [env.get("purchase.order.line", lid, "date_planned") for lid in env.get(model, rid, "order_line")]
    dates = [d for d in dates if d]
    return min(dates) if dates else env.row(model, rid).get("_date_planned") or False


def _default_picking_type(env, vals):
    """The receipt type of the first warehouse of the order's company (``_default_picking_type``)."""
    company = vals.get("company_id") or env.company()
    found = env.search("stock.picking.type", [("code", "=", "incoming"), ("warehouse_id.company_id", "=", company)],
                       limit=1)
    return found[0] if found else False


def _prepare_order(env, vals):
    if not vals.get("name") or vals.get("name") == "New":
        vals["name"] = f"P{env.next_number('purchase.order'):05d}"
    vals.setdefault("currency_id", env.get("res.company", vals.get("company_id") or env.company(), "currency_id"))
    return vals


def _prepare_line(env, vals):
    product = vals.get("product_id")
    if product and env.db.row("product.product", product):
        vals.setdefault("name", env.display_name("product.product", product))
        vals.setdefault("product_uom", env.get("product.product", product, "uom_po_id"))
        vals.setdefault("price_unit", env.get("product.product", product, "standard_price"))
        vals.setdefault("taxes_id", [(6, 0, [PURCHASE_TAX])])
    vals.setdefault("date_planned", env.now())
    return vals


def _touch_orders(env, order_ids) -> None:
    """A line change recomputes the order's stored amounts: Odoo writes the order (its write_date moves)."""
    for oid in {oid for oid in order_ids if oid}:
        if env.db.row("purchase.order", oid) is not None:
            env.db.update("purchase.order", oid, {"write_uid": env.uid, "write_date": env.now_precise()})


def approval_allowed(env, rid) -> bool:
    """Odoo's ``_approval_allowed``: may the current user approve this order?"""
    company = env.get("purchase.order", rid, "company_id")
    mode = env.get("res.company", company, "po_double_validation")
    if mode == "one_step":
        return True
    threshold = env.get("res.company", company, "po_double_validation_amount")
    rate = account.currency_rate(env, env.get("res.company", env.company(), "currency_id"),
                                 env.get("purchase.order", rid, "currency_id"), company,
                                 (env.get("purchase.order", rid, "date_order") or env.now())[:10])
    if mode == "two_step" and env.get("purchase.order", rid, "amount_total") < round_money(threshold * rate):
        return True
    return security.has_group(env, security.PURCHASE_MANAGER)


def button_confirm(env, model, ids):
    for rid in ids:
        if env.get(model, rid, "state") not in RFQ_STATES:
            continue
        if approval_allowed(env, rid):
            button_approve(env, model, [rid])
        else:
            env.write(model, [rid], {"state": "to approve"})
    return True


def button_approve(env, model, ids, force=False):
    allowed = [rid for rid in ids if approval_allowed(env, rid)]
    env.write(model, allowed, {"state": "purchase", "date_approve": env.now()})
    locked = [rid for rid in allowed if env.get("res.company", env.get(model, rid, "company_id"), "po_lock") == "lock"]
    env.write(model, locked, {"state": "done"})
    return {}


def button_cancel(env, model, ids):
    for rid in ids:
        env.row(model, rid)
    env.write(model, ids, {"state": "cancel", "mail_reminder_confirmed": False})
    return None


def button_draft(env, model, ids):
    env.write(model, ids, {"state": "draft"})
    return {}


def order_spec() -> ModelSpec:
    methods = {fn.__name__: fn for fn in (button_confirm, button_approve, button_cancel, button_draft)}
    return ModelSpec(
        "purchase.order", "Purchase Order", order="priority desc, id desc", prepare_create=_prepare_order,
        methods={**thread_methods(), **methods},
        fields={
            "name": F.Char("Order Reference", required=True, default="New"),
            "state": F.Selection(PO_STATES, "Status", readonly=True, default="draft"),
            "partner_id": F.Many2one("res.partner", "Vendor", required=True),
            "partner_ref": F.Char("Vendor Reference"),
            "origin": F.Char("Source Document"),
            "company_id": F.Many2one("res.company", "Company", required=True, default=lambda env, vals: env.company()),
            "currency_id": F.Many2one("res.currency", "Currency", required=True),
            "currency_rate": F.Float("Currency Rate", store=True, compute=_currency_rate),
            "user_id": F.Many2one("res.users", "Buyer", default=lambda env, vals: env.uid),
            "date_order": F.Datetime("Order Deadline", required=True, default=lambda env, vals: env.now()),
            "date_approve": F.Datetime("Confirmation Date", readonly=True),
            "date_planned": F.Datetime("Expected Arrival", store=True, compute=_date_planned),
            "picking_type_id": F.Many2one("stock.picking.type", "Deliver To", required=True,
                                          default=_default_picking_type),
            "order_line": F.One2many("purchase.order.line", "order_id", "Order Lines"),
            "amount_untaxed": F.Monetary("Untaxed Amount", store=True, compute=_amount("untaxed")),
            "amount_tax": F.Monetary("Taxes", store=True, compute=_amount("tax")),
            "amount_total": F.Monetary("Total", store=True, compute=_amount("total")),
            "notes": F.Html("Terms and Conditions"),
            "priority": F.Selection([("0", "Normal"), ("1", "Urgent")], "Priority", default="0"),
            "mail_reminder_confirmed": F.Boolean("Reminder Confirmed", readonly=True, default=False),
            **thread_fields(),
        })


def _qty_invoiced(env, model, rid) -> float:
    """Bill lines of this purchase line whose bill is not cancelled (a draft counts): + bills, - refunds."""
    qty = 0.0
    for line in env.search("account.move.line", [("purchase_line_id", "=", rid)]):
        move = env.row("account.move", env.row("account.move.line", line)["move_id"])
        if move.get("state") != "cancel":
            sign = {"in_invoice": 1, "in_refund": -1}.get(move.get("move_type"), 0)
            qty += sign * (env.row("account.move.line", line).get("quantity") or 0.0)
    return qty


def line_spec() -> ModelSpec:
    return ModelSpec(
        "purchase.order.line", "Purchase Order Line", order="order_id, sequence, id", prepare_create=_prepare_line,
        after_create=lambda env, rid, vals: _touch_orders(env, [env.row("purchase.order.line", rid).get("order_id")]),
        after_write=lambda env, ids, vals: _touch_orders(
            env, [env.row("purchase.order.line", rid).get("order_id") for rid in ids]),
        before_unlink=lambda env, ids: _touch_orders(
            env, [env.row("purchase.order.line", rid).get("order_id") for rid in ids]),
        fields={
            "order_id": F.Many2one("purchase.order", "Order Reference", required=True),
            "sequence": F.Integer("Sequence", default=10),
            "display_type": F.Selection([("line_section", "Section"), ("line_note", "Note")], "Display Type"),
            "name": F.Text("Description", required=True),
            "product_id": F.Many2one("product.product", "Product"),
            "product_qty": F.Float("Quantity", required=True, default=1.0),
            "product_uom_qty": F.Float("Total Quantity", compute=lambda env, m, rid: env.row(m, rid).get("product_qty")
                                       or 0.0, store=True),
            "product_uom": F.Many2one("uom.uom", "Unit of Measure"),
            "price_unit": F.Float("Unit Price", required=True, default=0.0),
            "discount": F.Float("Discount (%)", default=0.0),
            "taxes_id": F.Many2many("account.tax", "Taxes"),
            "price_subtotal": F.Monetary("Subtotal", store=True, compute=_subtotal),
            "price_tax": F.Float("Tax", store=True, compute=_tax),
            "price_total": F.Monetary("Total", store=True, compute=lambda env, m, rid: round_money(
                _subtotal(env, m, rid) + _tax(env, m, rid))),
            "date_planned": F.Datetime("Expected Arrival"),
            "state": F.Selection(PO_STATES, "Status", store=True, compute=_order_value("state")),
            "company_id": F.Many2one("res.company", "Company", store=True, compute=_order_value("company_id")),
            "currency_id": F.Many2one("res.currency", "Currency", store=True, compute=_order_value("currency_id")),
            "partner_id": F.Many2one("res.partner", "Partner", store=True, compute=_order_value("partner_id")),
            # Set by hand here (Odoo's qty_received_method "manual", a service's); receipts compute it in Odoo
            "qty_received": F.Float("Received Qty", default=0.0),
            "invoice_lines": F.One2many("account.move.line", "purchase_line_id", "Bill Lines"),
            "qty_invoiced": F.Float("Billed Qty", compute=_qty_invoiced),
        })


def picking_type_spec() -> ModelSpec:
    """stock.picking.type: a purchase order's "Deliver To" (its warehouse is the order's site)."""
    return ModelSpec("stock.picking.type", "Picking Type", order="sequence, id", fields={
        "name": F.Char("Operation Type", required=True),
        "code": F.Selection([("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")],
                            "Type of Operation", required=True),
        "sequence_code": F.Char("Sequence Prefix", required=True),
        "warehouse_id": F.Many2one("stock.warehouse", "Warehouse"),
        "company_id": F.Many2one("res.company", "Company", store=True, compute=lambda env, m, rid: (
            env.get("stock.warehouse", env.row(m, rid)["warehouse_id"], "company_id")
            if env.row(m, rid).get("warehouse_id") else env.company())),
        "sequence": F.Integer("Sequence", default=10),
        "active": F.Boolean("Active", default=True),
    }, display=lambda env, rid: (
        f"{env.display_name('stock.warehouse', env.get('stock.picking.type', rid, 'warehouse_id'))}: "
        f"{env.get('stock.picking.type', rid, 'name')}" if env.get("stock.picking.type", rid, "warehouse_id")
        else env.get("stock.picking.type", rid, "name")))


def partner_category_spec() -> ModelSpec:
    """res.partner.category: contact tags, nested (``Vendor class / New``)."""
    return ModelSpec("res.partner.category", "Partner Tags", order="name", parent_field="parent_id",
                     display=_tag_display, fields={
        "name": F.Char("Tag Name", required=True),
        "color": F.Integer("Color", default=0),
        "parent_id": F.Many2one("res.partner.category", "Parent Category"),
        "child_ids": F.One2many("res.partner.category", "parent_id", "Child Tags"),
        "active": F.Boolean("Active", default=True),
    })


def specs() -> list:
    return [order_spec(), line_spec(), picking_type_spec(), partner_category_spec()]


def extend(registry_specs: list) -> list:
    """Add purchase's fields to the models of other modules it extends; returns the specs."""
    by_name = {spec.name: spec for spec in registry_specs}
    add_fields(by_name["res.company"], company_fields())
    add_fields(by_name["res.partner"], partner_fields())
    # purchase/models/account_invoice.py: the purchase order line a bill line bills
    add_fields(by_name["account.move.line"], {
        "purchase_line_id": F.Many2one("purchase.order.line", "Purchase Order Line"),
        "purchase_order_id": F.Many2one("purchase.order", "Purchase Order", compute=lambda env, m, rid: (
            env.get("purchase.order.line", env.row(m, rid)["purchase_line_id"], "order_id")
            if env.row(m, rid).get("purchase_line_id") else False)),
    })
    return registry_specs
