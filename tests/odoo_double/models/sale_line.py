"""sale.order.line: product defaults, amounts (15 % sales tax by default), delivered quantities."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from .. import fields as F
from ..registry import ModelSpec

ORDER_STATES = [("draft", "Quotation"), ("sent", "Quotation Sent"), ("sale", "Sales Order"), ("cancel", "Cancelled")]


def round_money(value: float) -> float:
    """Odoo rounds amounts half-up to the currency's 0.01."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def subtotal(env, model, rid) -> float:
    row = env.row(model, rid)
    price = (row.get("price_unit") or 0.0) * (1 - (row.get("discount") or 0.0) / 100.0)
    return round_money(price * (row.get("product_uom_qty") or 0.0))


def tax(env, model, rid) -> float:
    row = env.row(model, rid)
    base = subtotal(env, model, rid)
    total = 0.0
    for tax_id in row.get("tax_id") or []:
        kind = env.get("account.tax", tax_id, "amount_type")
        amount = env.get("account.tax", tax_id, "amount")
        total += amount * (row.get("product_uom_qty") or 0.0) if kind == "fixed" else base * amount / 100.0
    return round_money(total)


def _order_value(fname, empty=False):
    return lambda env, model, rid: env.get("sale.order", env.row(model, rid)["order_id"], fname) \
        if env.row(model, rid).get("order_id") else empty


def _product_value(fname, empty=False):
    def compute(env, model, rid):
        product = env.row(model, rid).get("product_id")
        return env.get("product.product", product, fname) if product else empty
    return compute


def _prepare_line(env, vals):
    if vals.get("display_type"):
        vals["product_uom_qty"] = 0.0  # sale's _compute_product_uom_qty: a section or a note has no quantity
    product = vals.get("product_id")
    if product and env.db.row("product.product", product):
        get = lambda fname: env.get("product.product", product, fname)  # noqa: E731
        if not vals.get("name"):
            description = get("description_sale")
            label = env.display_name("product.product", product)
            vals["name"] = f"{label}\n{description}" if description else label
        vals.setdefault("product_uom", get("uom_id"))
        if "price_unit" not in vals:
            vals["price_unit"] = get("lst_price")
        vals.setdefault("customer_lead", float(get("sale_delay") or 0))
        if sale_margin_installed(env) and "purchase_price" not in vals:
            vals["purchase_price"] = purchase_price(env, product, vals)
        if "tax_id" not in vals:
            vals["tax_id"] = [(6, 0, get("taxes_id"))]
    return vals


def sale_margin_installed(env) -> bool:
    return env.registry.field("sale.order.line", "purchase_price") is not None


def round_product_price(value: float) -> float:
    """Fields with digits 'Product Price' keep 2 decimals (the demo's decimal precision)."""
    return round_money(value)


def purchase_price(env, product, vals) -> float:
    """sale_margin's cost of one line unit: the product's cost (company currency, product unit)
    converted to the line's unit of measure and the order's currency, stored with 2 decimals."""
    order = vals.get("order_id")
    company = env.get("sale.order", order, "company_id") if order else env.company()
    cost = env.with_context(allowed_company_ids=[company]).get("product.product", product, "standard_price")
    product_uom, line_uom = env.get("product.product", product, "uom_id"), vals.get("product_uom")
    if line_uom and line_uom != product_uom and \
            env.get("uom.uom", line_uom, "category_id") == env.get("uom.uom", product_uom, "category_id"):
        cost = cost * env.get("uom.uom", product_uom, "factor") / env.get("uom.uom", line_uom, "factor")
    if order:
        cost *= env.get("sale.order", order, "currency_rate")
    return round_product_price(cost)


def _free_qty_today(env, model, rid) -> float:
    """sale_stock's free quantity of a quotation line's product, in the line's unit (rounded up to it)."""
    row = env.row(model, rid)
    product = row.get("product_id")
    if not product or env.get(model, rid, "state") not in ("draft", "sent"):
        return 0.0
    free = env.get("product.product", product, "free_qty")
    product_uom, line_uom = env.get("product.product", product, "uom_id"), row.get("product_uom") or False
    if not line_uom or line_uom == product_uom or not free:
        return free
    amount = free / env.get("uom.uom", product_uom, "factor") * env.get("uom.uom", line_uom, "factor")
    rounding = env.get("uom.uom", line_uom, "rounding")
    return math.ceil(round(amount / rounding, 9)) * rounding


def _line_margin(env, model, rid) -> float:
    row = env.row(model, rid)
    return round_product_price(subtotal(env, model, rid) - (row.get("purchase_price") or 0.0) * (row.get("product_uom_qty") or 0.0))


def _line_margin_percent(env, model, rid) -> float:
    amount = subtotal(env, model, rid)
    return amount and env.get(model, rid, "margin") / amount


def _display(env, rid):
    row = env.row("sale.order.line", rid)
    order = env.get("sale.order", row["order_id"], "name") if row.get("order_id") else ""
    first = (row.get("name") or "").split("\n")[0]
    if not first and row.get("product_id"):
        first = env.get("product.product", row["product_id"], "name")
    return f"{order} - {first}"


AMOUNT_FIELDS = {"product_id", "product_uom_qty", "product_uom", "price_unit", "discount", "tax_id", "order_id"}


def _touch_orders(env, order_ids) -> None:
    """Odoo stores the order's amounts: recomputing them writes the order, so its write_date moves."""
    for order_id in {oid for oid in order_ids if oid}:
        if env.db.row("sale.order", order_id) is not None:
            env.db.update("sale.order", order_id, {"write_uid": env.uid, "write_date": env.now_precise()})


def _after_line_write(env, ids, vals) -> None:
    if AMOUNT_FIELDS & set(vals):
        _touch_orders(env, [env.row("sale.order.line", rid).get("order_id") for rid in ids])


def spec(sale_margin: bool = True):
    margin_fields = {
        "purchase_price": F.Float("Cost", default=0.0),
        "margin": F.Float("Margin", store=True, compute=_line_margin),
        "margin_percent": F.Float("Margin (%)", store=True, compute=_line_margin_percent),
    } if sale_margin else {}
    return ModelSpec(
        "sale.order.line", "Sales Order Line", order="order_id, sequence, id", display=_display,
        prepare_create=_prepare_line,
        after_create=lambda env, rid, vals: _touch_orders(env, [env.row("sale.order.line", rid).get("order_id")]),
        after_write=_after_line_write,
        before_unlink=lambda env, ids: _touch_orders(env, [env.row("sale.order.line", rid).get("order_id")
                                                           for rid in ids]),
        fields={
            "order_id": F.Many2one("sale.order", "Order Reference", required=True),
            "sequence": F.Integer("Sequence", default=10),
            "display_type": F.Selection([("line_section", "Section"), ("line_note", "Note")], "Display Type"),
            "name": F.Text("Description", required=True),
            "product_id": F.Many2one("product.product", "Product"),
            "product_template_id": F.Many2one("product.template", "Product Template",
                                              compute=_product_value("product_tmpl_id"), inverse=lambda *a: None),
            "product_type": F.Selection([("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")],
                                        "Product Type", compute=_product_value("type")),
            "product_uom_qty": F.Float("Quantity", required=True, default=1.0),
            "product_uom": F.Many2one("uom.uom", "Unit of Measure"),
            "price_unit": F.Float("Unit Price", required=True, default=0.0),
            "discount": F.Float("Discount (%)", default=0.0),
            "tax_id": F.Many2many("account.tax", "Taxes"),
            "price_subtotal": F.Monetary("Subtotal", compute=subtotal, store=True),
            "price_tax": F.Float("Total Tax", compute=tax, store=True),
            "price_total": F.Monetary("Total", store=True, compute=lambda env, m, rid: round_money(
                subtotal(env, m, rid) + tax(env, m, rid))),
            "qty_delivered": F.Float("Delivery Quantity", default=0.0),
            "qty_invoiced": F.Float("Invoiced Quantity", compute=lambda env, m, rid: 0.0, store=True),
            "customer_lead": F.Float("Lead Time", required=True, default=0.0),
            "free_qty_today": F.Float("Free Qty Today", compute=_free_qty_today),
            "state": F.Selection(ORDER_STATES, "Order Status", compute=_order_value("state"), store=True),
            "company_id": F.Many2one("res.company", "Company", compute=_order_value("company_id"), store=True),
            "currency_id": F.Many2one("res.currency", "Currency", compute=_order_value("currency_id"), store=True),
            "order_partner_id": F.Many2one("res.partner", "Customer", compute=_order_value("partner_id"), store=True),
            "salesman_id": F.Many2one("res.users", "Salesperson", compute=_order_value("user_id"), store=True),
            "move_ids": F.One2many("stock.move", "sale_line_id", "Stock Moves"),
            **margin_fields,
        })
