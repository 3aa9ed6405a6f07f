"""Reads of the purchase-approval flow: one purchase order with everything its policy needs, one call per model."""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, OdooError
from sidecar.odoo.gateway import OdooGateway, company_context
from sidecar.values import m2o_id

PURCHASE_ORDER = "purchase.order"
ORDER_FIELDS = ["name", "state", "partner_id", "user_id", "write_uid", "write_date", "company_id", "currency_id",
                "currency_rate", "amount_untaxed", "amount_tax", "amount_total", "date_order", "date_planned",
                "picking_type_id", "order_line"]
LINE_FIELDS = ["product_id", "name", "product_qty", "product_uom", "price_unit", "price_subtotal", "display_type"]
PARTNER_FIELDS = ["name", "commercial_partner_id", "category_id"]
TAG_FIELDS = ["name", "parent_id"]
CURRENCY_FIELDS = ["name", "decimal_places"]


def read_purchase_bundle(gateway: OdooGateway, order_id: int) -> dict:
    """The purchase order, its lines, products' categories, vendor tags, receipt warehouse and users,
    as Odoo answered them; every read after the order's own runs in the order's company.

    A product category's many2one answers its complete name ("All / Saleable / Office Furniture":
    product.category's rec_name is complete_name), so categories need no read of their own; a
    partner tag's parent answers its display name (the parents' names joined by " / ").
    """
    rows = gateway.read(PURCHASE_ORDER, [order_id], ORDER_FIELDS, context=gateway._all_companies())
    if not rows:
        raise OdooError(RECORD_MISSING, f"{PURCHASE_ORDER} {order_id} does not exist")
    order = rows[0]
    ctx = company_context(m2o_id(order["company_id"]))
    lines = gateway.read("purchase.order.line", order["order_line"], LINE_FIELDS, context=ctx) \
        if order["order_line"] else []
    product_ids = sorted({pid for pid in (m2o_id(line["product_id"]) for line in lines) if pid})
    products = gateway.read("product.product", product_ids, ["categ_id"], context=ctx) if product_ids else []
    partner = gateway.read("res.partner", [m2o_id(order["partner_id"])], PARTNER_FIELDS, context=ctx)[0]
    commercial_id = m2o_id(partner["commercial_partner_id"]) or partner["id"]
    commercial = partner if commercial_id == partner["id"] else \
        gateway.read("res.partner", [commercial_id], PARTNER_FIELDS, context=ctx)[0]
    tags = gateway.read("res.partner.category", commercial["category_id"], TAG_FIELDS, context=ctx) \
        if commercial["category_id"] else []
    picking_type_id = m2o_id(order["picking_type_id"])
    picking_types = gateway.read("stock.picking.type", [picking_type_id], ["warehouse_id"], context=ctx) \
        if picking_type_id else []
    currency = gateway.read("res.currency", [m2o_id(order["currency_id"])], CURRENCY_FIELDS, context=ctx)[0]
    user_ids = sorted({uid for uid in (m2o_id(order["write_uid"]), m2o_id(order["user_id"])) if uid})
    users = gateway.execute("res.users", "read", user_ids, ["login"], context={**(ctx or {}), "active_test": False}) \
        if user_ids else []
    return {"order": order, "lines": lines, "products": products, "partner": partner, "commercial_partner": commercial,
            "tags": tags, "picking_type": picking_types[0] if picking_types else None, "currency": currency,
            "users": users}
