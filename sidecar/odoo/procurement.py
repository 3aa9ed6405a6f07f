"""Reads of the procurement-exception flow: one draft RFQ with its agreement, its lines' products and their
vendor prices, in one call."""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, OdooError
from sidecar.odoo.gateway import OdooGateway
from sidecar.odoo.purchase import LOGIN, NAMED, PURCHASE_ORDER

UOM = {"fields": {"factor": {}, "rounding": {}, "category_id": {}}}
CURRENCY = {"fields": {"name": {}}}
# One web_read: the RFQ; its vendor with the vendor's parent and commercial entity's contact tags
# ("Vendor class / ..."); the agreement it names (purchase_requisition: `requisition_id`) with its type,
# vendor, currency and lines (product, quantity, what confirmed orders already bought: qty_ordered, unit
# price, unit); its lines with their unit and product, each product's category and every vendor price
# of its template (`seller_ids`: vendor, variant, minimum quantity, price, discount, validity, company,
# currency, purchase unit, the agreement that made it). Product.supplierinfo and the agreement lines are
# read as Odoo's record rules let the integration user see them, in every company it belongs to.
SPECIFICATION = {
    "name": {}, "state": {}, "amount_untaxed": {}, "amount_total": {}, "write_date": {}, "date_order": {},
    "company_id": {},
    "currency_id": {"fields": {"name": {}, "decimal_places": {}}},
    "partner_id": {"fields": {"display_name": {}, "parent_id": {}, "commercial_partner_id": {"fields": {
        "name": {}, "category_id": {"fields": {"name": {}, "parent_id": NAMED}}}}}},
    "picking_type_id": {"fields": {"warehouse_id": {}}},
    "write_uid": LOGIN, "user_id": LOGIN,
    "requisition_id": {"fields": {
        "name": {}, "state": {}, "date_end": {}, "company_id": {}, "vendor_id": NAMED, "currency_id": CURRENCY,
        "type_id": {"fields": {"name": {}, "quantity_copy": {}}},
        "line_ids": {"fields": {"product_id": {}, "product_qty": {}, "qty_ordered": {}, "price_unit": {},
                                "product_uom_id": UOM}},
    }},
    "order_line": {"fields": {
        "display_type": {}, "name": {}, "product_qty": {}, "price_unit": {}, "discount": {}, "price_subtotal": {},
        "product_uom": UOM,
        "product_id": {"fields": {"display_name": {}, "categ_id": NAMED, "seller_ids": {"fields": {
            "partner_id": {}, "product_id": {}, "min_qty": {}, "price": {}, "discount": {}, "date_start": {},
            "date_end": {}, "company_id": {}, "currency_id": CURRENCY, "product_uom": UOM, "sequence": {},
            "purchase_requisition_id": {},
        }}}},
    }},
}


def _id(value):
    """The id of a many2one as web_read answers it (a bare id, or {"id", ...} when its fields were asked)."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _uom(value) -> dict | None:
    if not value:
        return None
    return {"id": value["id"], "factor": value.get("factor"), "rounding": value.get("rounding"),
            "category_id": _id(value.get("category_id"))}


def _seller(row: dict) -> dict:
    return {"id": row["id"], "partner_id": _id(row.get("partner_id")), "product_id": _id(row.get("product_id")),
            "min_qty": row.get("min_qty"), "price": row.get("price"), "discount": row.get("discount"),
            "date_start": row.get("date_start") or None, "date_end": row.get("date_end") or None,
            "company_id": _id(row.get("company_id")), "currency": (row.get("currency_id") or {}).get("name"),
            "uom": _uom(row.get("product_uom")), "sequence": row.get("sequence"),
            "requisition_id": _id(row.get("purchase_requisition_id"))}


def _requisition(row) -> dict | None:
    if not row:
        return None
    vendor, kind = row.get("vendor_id") or {}, row.get("type_id") or {}
    return {"id": row["id"], "name": row.get("name"), "state": row.get("state"), "date_end": row.get("date_end") or None,
            "company_id": _id(row.get("company_id")), "vendor_id": vendor.get("id"),
            "vendor_name": vendor.get("display_name"), "currency": (row.get("currency_id") or {}).get("name"),
            "type": kind.get("name"), "quantity_copy": kind.get("quantity_copy"),
            "lines": [{"id": line["id"], "product_id": _id(line.get("product_id")), "product_qty": line.get("product_qty"),
                       "qty_ordered": line.get("qty_ordered"), "price_unit": line.get("price_unit"),
                       "uom": _uom(line.get("product_uom_id"))} for line in row.get("line_ids") or []]}


def read_procurement_bundle(gateway: OdooGateway, order_id: int) -> dict:
    """The RFQ and what its procurement policy needs, as Odoo answered it (one web_read).

    Read with every company of the integration user allowed, as intake does: vendor prices of every
    company come back and the facts keep those of the order's company (or of none), as Odoo's
    `_select_seller` does.
    """
    rows = gateway.web_read(PURCHASE_ORDER, [order_id], SPECIFICATION, context=gateway._across_companies())
    if not rows:
        raise OdooError(RECORD_MISSING, f"{PURCHASE_ORDER} {order_id} does not exist")
    row = rows[0]
    partner = row.get("partner_id") or {}
    commercial = partner.get("commercial_partner_id") or partner
    lines, products = [], {}
    for line in row.get("order_line") or []:
        product = line.get("product_id") or None
        if product:
            products[product["id"]] = {"id": product["id"], "name": product.get("display_name"),
                                       "category": (product.get("categ_id") or {}).get("display_name"),
                                       "sellers": [_seller(s) for s in product.get("seller_ids") or []]}
        lines.append({"id": line["id"], "display_type": line.get("display_type"), "name": line.get("name"),
                      "product_id": product["id"] if product else None, "product_qty": line.get("product_qty"),
                      "price_unit": line.get("price_unit"), "discount": line.get("discount"),
                      "price_subtotal": line.get("price_subtotal"), "uom": _uom(line.get("product_uom"))})
    users = [user for user in (row.get("write_uid"), row.get("user_id")) if user]
    order = {key: row.get(key) for key in ("id", "name", "state", "amount_untaxed", "amount_total", "write_date",
                                           "date_order")}
    order.update(company_id=_id(row.get("company_id")), write_uid=_id(row.get("write_uid")),
                 user_id=_id(row.get("user_id")))
    return {
        "order": order, "lines": lines, "products": list(products.values()),
        "partner": {"id": partner.get("id"), "name": partner.get("display_name"), "parent_id": _id(partner.get("parent_id"))},
        "commercial_partner": {"id": commercial.get("id"), "name": commercial.get("name") or commercial.get("display_name")},
        "tags": [{"id": t["id"], "name": t.get("name"), "parent_id": [t["parent_id"]["id"], t["parent_id"].get("display_name")]
                  if t.get("parent_id") else False} for t in commercial.get("category_id") or []],
        "requisition": _requisition(row.get("requisition_id")),
        "warehouse_id": _id((row.get("picking_type_id") or {}).get("warehouse_id")),
        "currency": row.get("currency_id") or {},
        "users": [{"id": u["id"], "login": u.get("login")} for u in users],
    }
