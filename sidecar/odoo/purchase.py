"""Reads of the purchase-approval flow: one purchase order with everything its policy needs, in one call."""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, OdooError
from sidecar.odoo.gateway import OdooGateway

PURCHASE_ORDER = "purchase.order"
NAMED = {"fields": {"display_name": {}}}
LOGIN = {"fields": {"login": {}}, "context": {"active_test": False}}  # archived users keep their login
# One web_read: the order, its lines with their products' categories, the vendor's commercial entity
# with its contact tags (and each tag's parent: "Vendor class"), the receipt type's warehouse, the
# currency, and the logins of the committed writer and of the buyer. A product category's and a
# tag's display name is the complete one ("All / Saleable / Office Furniture", "Vendor class / New").
SPECIFICATION = {
    "name": {}, "state": {}, "amount_untaxed": {}, "amount_total": {}, "currency_rate": {}, "write_date": {},
    "date_planned": {}, "company_id": {},
    "currency_id": {"fields": {"name": {}, "decimal_places": {}}},
    "partner_id": {"fields": {"display_name": {}, "commercial_partner_id": {"fields": {
        "name": {}, "category_id": {"fields": {"name": {}, "parent_id": NAMED}}}}}},
    "picking_type_id": {"fields": {"warehouse_id": {}}},
    "write_uid": LOGIN, "user_id": LOGIN,
    "order_line": {"fields": {"display_type": {}, "product_qty": {}, "price_unit": {}, "price_subtotal": {},
                              "product_id": {"fields": {"display_name": {}, "categ_id": NAMED}}}},
}


def _pair(record) -> list | bool:
    """A related record of web_read as `read` names it: [id, display name], or False."""
    return [record["id"], record.get("display_name") or record.get("name") or ""] if record else False


def read_purchase_bundle(gateway: OdooGateway, order_id: int) -> dict:
    """The purchase order and what its policy needs, as Odoo answered it (one web_read).

    Nothing read here depends on the company Odoo computes in (no company-dependent field), so it is
    read with every company of the integration user allowed, its default first, as intake does.
    """
    rows = gateway.web_read(PURCHASE_ORDER, [order_id], SPECIFICATION, context=gateway._across_companies())
    if not rows:
        raise OdooError(RECORD_MISSING, f"{PURCHASE_ORDER} {order_id} does not exist")
    row = rows[0]
    partner = row["partner_id"] or {}
    commercial = partner.get("commercial_partner_id") or partner
    lines = [{"id": line["id"], "display_type": line.get("display_type"), "product_id": _pair(line.get("product_id")),
              "product_qty": line.get("product_qty"), "price_unit": line.get("price_unit"),
              "price_subtotal": line.get("price_subtotal")} for line in row.get("order_line") or []]
    products = {line["product_id"]["id"]: line["product_id"] for line in row.get("order_line") or []
                if line.get("product_id")}
    users = [user for user in (row.get("write_uid"), row.get("user_id")) if user]
    order = {key: row.get(key) for key in ("id", "name", "state", "amount_untaxed", "amount_total", "currency_rate",
                                           "write_date", "date_planned", "company_id")}
    order.update(partner_id=_pair(partner), currency_id=_pair(row.get("currency_id")),
                 write_uid=_pair(row.get("write_uid")), user_id=_pair(row.get("user_id")))
    return {
        "order": order, "lines": lines,
        "products": [{"id": pid, "categ_id": _pair(p.get("categ_id"))} for pid, p in products.items()],
        "partner": {"id": partner.get("id"), "name": partner.get("display_name")},
        "commercial_partner": {"id": commercial.get("id"), "name": commercial.get("name") or commercial.get("display_name")},
        "tags": [{"id": t["id"], "name": t.get("name"), "parent_id": _pair(t.get("parent_id"))}
                 for t in commercial.get("category_id") or []],
        "picking_type": row.get("picking_type_id") or None,
        "currency": row.get("currency_id") or {},
        "users": [{"id": u["id"], "login": u.get("login")} for u in users],
    }
