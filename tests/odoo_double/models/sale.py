"""sale.order: quotation -> sales order life cycle as Odoo 17 (sale + sale_stock, no sale_margin)."""
from __future__ import annotations

import datetime as dt

from .. import errors
from .. import fields as F
from ..registry import ModelSpec
from ..values import DATETIME_FMT
from . import account, chatter, delivery
from .mail_thread import thread_fields, thread_methods
from .sale_line import ORDER_STATES, round_money, subtotal, tax

CANCEL_LAYOUT = "mail.mail_notification_layout_with_responsible_signature"


def _lines(env, rid):
    return env.get("sale.order", rid, "order_line")


def _amount(kind):
    def compute(env, model, rid):
        lines = _lines(env, rid)
        untaxed = sum(subtotal(env, "sale.order.line", lid) for lid in lines)
        taxes = sum(tax(env, "sale.order.line", lid) for lid in lines)
        return round_money({"untaxed": untaxed, "tax": taxes, "total": untaxed + taxes}[kind])
    return compute


def _expected_date(env, model, rid):
    """Odoo's promise: each line's customer_lead counted from now (from the order date once
    confirmed), the earliest line under the 'direct' shipping policy, the latest under 'one'."""
    row = env.row(model, rid)
    if row.get("state") == "cancel":
        return False
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    if row.get("state") == "sale" and row.get("date_order"):
        start = dt.datetime.strptime(row["date_order"], DATETIME_FMT)
    dates = [start + dt.timedelta(days=env.get("sale.order.line", lid, "customer_lead") or 0.0)
             for lid in _lines(env, rid)
             if not env.get("sale.order.line", lid, "display_type")]  # (no delivery module: no shipping lines)
    if not dates:
        return False
    return (min(dates) if row.get("picking_policy") == "direct" else max(dates)).strftime(DATETIME_FMT)


def _default_warehouse(env, vals):
    """The first warehouse of the order's company, as Odoo picks it for a user without a default one."""
    company = vals.get("company_id") or env.company()
    found = env.search("stock.warehouse", [("company_id", "=", company)], limit=1)
    return found[0] if found else False


def _currency(env, model, rid):
    row = env.row(model, rid)
    pricelist = row.get("pricelist_id")
    return env.get("product.pricelist", pricelist, "currency_id") if pricelist else \
        env.get("res.company", row.get("company_id") or 1, "currency_id")


def _currency_rate(env, model, rid):
    """Units of the order's currency per unit of the company's, on the order date (stored by Odoo)."""
    row = env.row(model, rid)
    company = row.get("company_id") or 1
    date = (row.get("date_order") or env.now())[:10]
    return account.currency_rate(env, env.get("res.company", company, "currency_id"), _currency(env, model, rid),
                                 company, date)


def _margin(env, model, rid):
    return round_money(sum(env.get("sale.order.line", lid, "margin") for lid in _lines(env, rid)))


def _margin_percent(env, model, rid):
    untaxed = env.get(model, rid, "amount_untaxed")
    return untaxed and env.get(model, rid, "margin") / untaxed


def _type_name(env, model, rid):
    return "Quotation" if env.row(model, rid).get("state") in ("draft", "sent", "cancel") else "Sales Order"


def _prepare_order(env, vals):
    if not vals.get("name") or vals.get("name") == "New":
        vals["name"] = f"S{env.next_number('sale.order'):05d}"
    partner = vals.get("partner_id")
    if partner and env.db.row("res.partner", partner):
        vals.setdefault("partner_invoice_id", partner)
        vals.setdefault("partner_shipping_id", partner)
        term = env.get("res.partner", partner, "property_payment_term_id")
        if term and "payment_term_id" not in vals:
            vals["payment_term_id"] = term
    return vals


def _after_create(env, rid, vals):
    chatter.post(env, "sale.order", rid, "<p>Sales Order created</p>")


def _before_unlink(env, ids):
    if any(env.get("sale.order", rid, "state") not in ("draft", "cancel") for rid in ids):
        raise errors.user_error("You can not delete a sent quotation or a confirmed sales order."
                                " You must first cancel it.")


def _existing(env, model, ids) -> list:
    for rid in ids:
        env.row(model, rid)
    return list(ids)


def action_confirm(env, model, ids):
    ids = _existing(env, model, ids)
    if not all(env.get(model, rid, "state") in ("draft", "sent") for rid in ids):
        names = ", ".join(env.display_name(model, rid) for rid in ids)
        raise errors.user_error(f"The following orders are not in a state requiring confirmation: {names}")
    for rid in ids:
        env.write(model, [rid], {"state": "sale", "date_order": env.now()})
        delivery.create_delivery(env, rid)  # the "Sales Order Confirmed" message is the state's tracking
    return True


def action_cancel(env, model, ids):
    ids = _existing(env, model, ids)
    if any(env.get(model, rid, "locked") for rid in ids):
        raise errors.user_error("You cannot cancel a locked order. Please unlock it first.")
    if not env.context.get("disable_cancel_warning") and any(env.get(model, rid, "state") != "draft" for rid in ids):
        rid = chatter.ensure_one(model, ids)
        type_name = _type_name(env, model, rid)
        return {
            "name": f"Cancel {type_name}",
            "view_mode": "form",
            "res_model": "sale.order.cancel",
            "view_id": env.ref_id("sale.sale_order_cancel_view_form"),
            "type": "ir.actions.act_window",
            "context": {
                "default_template_id": env.ref_id("sale.mail_template_sale_cancellation", False),
                "default_order_id": rid,
                "mark_so_as_canceled": True,
                "default_email_layout_xmlid": CANCEL_LAYOUT,
                "model_description": type_name,
            },
            "target": "new",
        }
    for rid in ids:
        delivery.cancel_deliveries(env, rid)
    return env.write(model, ids, {"state": "cancel"})


def action_draft(env, model, ids):
    ids = [rid for rid in _existing(env, model, ids) if env.get(model, rid, "state") in ("cancel", "sent")]
    return env.write(model, ids, {"state": "draft"})


def action_quotation_sent(env, model, ids):
    ids = _existing(env, model, ids)
    if any(env.get(model, rid, "state") != "draft" for rid in ids):
        raise errors.user_error("Only draft orders can be marked as sent directly.")
    env.write(model, ids, {"state": "sent"})
    return None


def action_lock(env, model, ids):
    env.write(model, _existing(env, model, ids), {"locked": True})
    return None


def action_unlock(env, model, ids):
    env.write(model, _existing(env, model, ids), {"locked": False})
    return None


def tag_spec():
    """crm.tag (sales_team): the sales tags of sale.order.tag_ids."""
    return ModelSpec("crm.tag", "CRM Tag", order="name", fields={
        "name": F.Char("Tag Name", required=True),
        "color": F.Integer("Color", default=0),
    })


def spec(sale_margin: bool = True):
    methods = {fn.__name__: fn for fn in (action_confirm, action_cancel, action_draft, action_quotation_sent,
                                          action_lock, action_unlock)}
    return ModelSpec(
        "sale.order", "Sales Order", order="date_order desc, id desc",
        prepare_create=_prepare_order, after_create=_after_create, before_unlink=_before_unlink,
        methods={**thread_methods(), **methods},
        fields={
            "name": F.Char("Order Reference", required=True, default="New"),
            "state": F.Selection(ORDER_STATES, "Status", readonly=True, default="draft"),
            "partner_id": F.Many2one("res.partner", "Customer", required=True),
            "partner_invoice_id": F.Many2one("res.partner", "Invoice Address", required=True),
            "partner_shipping_id": F.Many2one("res.partner", "Delivery Address", required=True),
            "company_id": F.Many2one("res.company", "Company", required=True, default=lambda env, vals: env.company()),
            "pricelist_id": F.Many2one("product.pricelist", "Pricelist"),
            "currency_id": F.Many2one("res.currency", "Currency", store=True, compute=_currency),
            "currency_rate": F.Float("Currency Rate", store=True, compute=_currency_rate),
            "user_id": F.Many2one("res.users", "Salesperson", default=lambda env, vals: env.uid),
            "date_order": F.Datetime("Order Date", required=True, default=lambda env, vals: env.now()),
            "validity_date": F.Date("Expiration"),
            "commitment_date": F.Datetime("Delivery Date"),
            "expected_date": F.Datetime("Expected Date", compute=_expected_date),
            "effective_date": F.Datetime("Effective Date", readonly=True),
            "warehouse_id": F.Many2one("stock.warehouse", "Warehouse", required=True, default=_default_warehouse),
            "picking_policy": F.Selection([("direct", "As soon as possible"), ("one", "When all products are ready")],
                                          "Shipping Policy", required=True, default="direct"),
            "payment_term_id": F.Many2one("account.payment.term", "Payment Terms"),
            "order_line": F.One2many("sale.order.line", "order_id", "Order Lines"),
            "amount_untaxed": F.Monetary("Untaxed Amount", compute=_amount("untaxed"), store=True),
            "amount_tax": F.Monetary("Taxes", compute=_amount("tax"), store=True),
            "amount_total": F.Monetary("Total", compute=_amount("total"), store=True),
            "amount_to_invoice": F.Monetary("Amount to invoice", store=True,  # nothing is invoiced in the double
                                            compute=lambda env, m, rid: env.get(m, rid, "amount_total")),
            "partner_credit_warning": F.Text("Partner Credit Warning", compute=account.credit_warning),
            "client_order_ref": F.Char("Customer Reference"),
            "tag_ids": F.Many2many("crm.tag", "Tags"),
            "origin": F.Char("Source Document"),
            "reference": F.Char("Payment Ref."),
            "note": F.Html("Terms and conditions"),
            "locked": F.Boolean("Locked", default=False),
            "type_name": F.Char("Type Name", compute=_type_name),
            "invoice_status": F.Selection(
                [("upselling", "Upselling Opportunity"), ("invoiced", "Fully Invoiced"),
                 ("to invoice", "To Invoice"), ("no", "Nothing to Invoice")], "Invoice Status", store=True,
                compute=lambda env, m, rid: "to invoice" if env.row(m, rid).get("state") == "sale" else "no"),
            "picking_ids": F.One2many("stock.picking", "sale_id", "Transfers"),
            "delivery_status": F.Selection(
                [("pending", "Not Delivered"), ("started", "Started"), ("partial", "Partially Delivered"),
                 ("full", "Fully Delivered")], "Delivery Status", compute=delivery.delivery_status, store=True),
            **({"margin": F.Monetary("Margin", store=True, compute=_margin),
                "margin_percent": F.Float("Margin (%)", store=True, compute=_margin_percent)} if sale_margin else {}),
            **thread_fields(),
        })
