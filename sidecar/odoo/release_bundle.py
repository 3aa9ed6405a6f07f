"""The release bundle in one Odoo call: the web_read specification of a quotation with everything the
release policy needs, and its answer reshaped into the bundle the facts builder reads.

The bundle keeps the shape it had when it was read model by model (many2ones as [id, name],
one list per model, sorted by id, each record once): sidecar.transform.sales_order does not
know how it was read.
"""
from __future__ import annotations

NAMED = {"display_name": {}}  # a many2one read as [id, name] names its record as Odoo displays it
# Models whose display name is their `name` in Odoo 17 (no _compute_display_name of their own):
# their name is read instead, which Odoo does not compute again as the superuser.
ORDER_FIELDS = ["name", "state", "write_date", "date_order", "commitment_date", "amount_untaxed", "amount_total",
                "currency_rate", "picking_policy"]
LINE_FIELDS = ["product_uom_qty", "price_unit", "price_subtotal", "name", "customer_lead", "display_type"]
PRODUCT_FIELDS = ["name", "default_code", "standard_price", "detailed_type", "sale_delay"]
CREDIT_FIELDS = ["name", "credit", "credit_to_invoice", "credit_limit", "use_partner_credit_limit"]
CURRENCY_FIELDS = ["name", "decimal_places", "rounding"]
UOM_FIELDS = ["name", "factor", "rounding"]
# Fields of optional modules, read only when installed: sale_margin (Odoo's cost and margin of
# a line, and the order's margin) and delivery (shipping lines, which Odoo's expected date skips).
MARGIN_LINE_FIELDS = ["purchase_price", "margin", "margin_percent"]
MARGIN_ORDER_FIELDS = ["margin", "margin_percent"]
DELIVERY_LINE_FIELDS = ["is_delivery"]


def _plain(names) -> dict:
    return {name: {} for name in names}


def _record(fields: dict) -> dict:
    """A many2one's specification: its display name and `fields`."""
    return {"fields": {**NAMED, **fields}}


def _named(fields: dict) -> dict:
    """A many2one's specification for a model whose display name is its `name`: `name` and `fields`."""
    return {"fields": {"name": {}, **fields}}


def specification(order_extra: list[str] = (), line_extra: list[str] = ()) -> dict:
    """The web_read specification of a sales order for the release policy (`*_extra`: optional modules' fields)."""
    currency = _named(_plain(CURRENCY_FIELDS))
    uom = _named({**_plain(UOM_FIELDS), "category_id": _named({})})
    user = _named({"login": {}})
    product = _record({**_plain(PRODUCT_FIELDS), "uom_id": uom})
    return {
        **_plain(ORDER_FIELDS), **_plain(order_extra),
        "partner_id": _record({"name": {}, "commercial_partner_id": _record(_plain(CREDIT_FIELDS))}),
        "user_id": user,
        "write_uid": user,
        "company_id": _named({"account_use_credit_limit": {}, "currency_id": currency}),
        "warehouse_id": _record({}),
        "currency_id": currency,
        "order_line": {"fields": {**_plain(LINE_FIELDS), **_plain(line_extra), "product_id": product,
                                  "product_uom": uom}},
    }


def pair(value):
    """A many2one as `read` answers it, [id, display name], from web_read's {"id", "display_name" or "name", ...};
    False stays."""
    if not isinstance(value, dict):
        return value
    return [value["id"], value["display_name"] if "display_name" in value else value.get("name")]


def _flat(record: dict) -> dict:
    """One record as `read` answers it: many2ones as pairs, x2manys as ids, nested records dropped."""
    return {name: (pair(value) if isinstance(value, dict)
                   else [v["id"] if isinstance(v, dict) else v for v in value] if isinstance(value, list) else value)
            for name, value in record.items() if name != "display_name"}


def _unique(records) -> list[dict]:
    """Each record once (by id), sorted by id, as a read of the sorted ids answers."""
    return [_flat(row) for _id, row in sorted({row["id"]: row for row in records if isinstance(row, dict)}.items())]


def bundle_from(order: dict) -> dict:
    """The release bundle (without stock and requester) from web_read's answer for `specification()`."""
    lines = order.get("order_line") or []
    products = [line["product_id"] for line in lines if isinstance(line.get("product_id"), dict)]
    partner = order["partner_id"] if isinstance(order.get("partner_id"), dict) else {}
    company = order["company_id"] if isinstance(order.get("company_id"), dict) else {}
    commercial = partner.get("commercial_partner_id")
    uoms = [line.get("product_uom") for line in lines] + [product.get("uom_id") for product in products]
    return {
        "order": _flat(order),
        "lines": [_flat(line) for line in lines],
        "products": _unique(products),
        "partner": _flat(partner) if partner else {},
        "commercial_partner": _flat(commercial) if isinstance(commercial, dict) else {},
        "company": _flat(company) if company else {},
        "currencies": _unique([order.get("currency_id"), company.get("currency_id")]),
        "uoms": _unique(uoms),
    }


def logins_from(order: dict) -> dict[int, str]:
    """Login of the order's last writer and salesperson, read in the same call (archived users too)."""
    return {user["id"]: user["login"] for user in (order.get("write_uid"), order.get("user_id"))
            if isinstance(user, dict) and user.get("login")}
