"""Odoo's answers about a purchase order -> canonical approval facts (purchase_order.approval_facts.v1).

Vendor class convention (set in Odoo by the integrator, Contacts > Configuration > Tags): the
vendor's commercial entity carries contact tags whose parent tag is named "Vendor class", e.g.
"Vendor class / Approved", "Vendor class / New", "Vendor class / On hold". The facts list those
class names (`vendor.classes`, sorted) and say whether "Approved" is among them; a vendor with no
class tag is unclassified (`vendor.classes == []`), which a policy treats as not approved.
"""
from __future__ import annotations

from sidecar.transform.sales_order import m2o_name
from sidecar.values import m2o_id

VENDOR_CLASS_TAG = "Vendor class"  # the parent tag of every vendor class
APPROVED_CLASS = "Approved"
SUPERUSER_ID = 1  # OdooBot (__system__): a write by Odoo itself names no person


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def vendor_classes(tags: list[dict]) -> list[str]:
    """Names of the tags whose parent is the "Vendor class" tag (Odoo answers the parent's display name)."""
    return sorted({tag["name"] for tag in tags if m2o_name(tag.get("parent_id")) == VENDOR_CLASS_TAG})


def _login(users: dict, user_id: int | None) -> str | None:
    """A person's login; None for no user, OdooBot, or a user Odoo did not return."""
    return users.get(user_id) if user_id not in (None, SUPERUSER_ID) else None


def build_purchase_facts(bundle: dict) -> dict:
    """The facts the purchase-approval policy decides on, from `read_purchase_bundle`'s answer."""
    order, currency = bundle["order"], bundle.get("currency") or {}
    places = currency.get("decimal_places")
    places = places if isinstance(places, int) and not isinstance(places, bool) else 2
    rate = _number(order.get("currency_rate")) or 1.0  # order currency per company currency (Odoo's own ratio)
    categories = {p["id"]: m2o_name(p.get("categ_id")) for p in bundle.get("products") or []}
    lines = []
    for line in bundle.get("lines") or []:
        if line.get("display_type"):  # sections and notes carry no product or amount
            continue
        product_id = m2o_id(line.get("product_id"))
        lines.append({"id": line["id"], "product_id": product_id, "product": m2o_name(line.get("product_id")),
                      "category": categories.get(product_id), "quantity": _number(line.get("product_qty")),
                      "price_unit": _number(line.get("price_unit")), "subtotal": _number(line.get("price_subtotal"))})
    commercial = bundle.get("commercial_partner") or bundle["partner"]
    classes = vendor_classes(bundle.get("tags") or [])
    users = {row["id"]: row["login"] for row in bundle.get("users") or []}
    requester_id, buyer_id = m2o_id(order.get("write_uid")), m2o_id(order.get("user_id"))
    picking_type = bundle.get("picking_type") or {}
    return {
        "order": {
            "id": order["id"], "name": order["name"], "state": order["state"],
            "amount_untaxed": _number(order.get("amount_untaxed")),
            "amount_total": _number(order.get("amount_total")),
            # company currency, as Odoo itself converts (amount / currency_rate): thresholds are in it
            "amount_untaxed_company": round(_number(order.get("amount_untaxed")) / rate, 2),
            "currency": currency.get("name") or m2o_name(order.get("currency_id")), "currency_decimals": places,
            "company_id": m2o_id(order.get("company_id")), "write_date": order.get("write_date") or None,
            "date_planned": order.get("date_planned") or None,
            "partner_id": m2o_id(order.get("partner_id")), "partner_name": m2o_name(order.get("partner_id")),
            "buyer_id": buyer_id, "buyer_login": _login(users, buyer_id),
        },
        "vendor": {"id": commercial["id"], "name": commercial.get("name"), "classes": classes,
                   "approved": APPROVED_CLASS in classes},
        "categories": sorted({line["category"] for line in lines if line["category"]}),
        "site": {"company_id": m2o_id(order.get("company_id")), "warehouse_id": m2o_id(picking_type.get("warehouse_id"))},
        "requested_by": {"user_id": requester_id, "login": _login(users, requester_id)},
        "lines": lines,
    }

