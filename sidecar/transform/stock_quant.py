"""Odoo's answer about a counted stock.quant -> canonical inventory-adjustment facts.

The variance is Odoo's own `inventory_diff_quantity` (counted minus on hand, in the product's unit);
its value is that quantity at the product's cost (`standard_price` in the quant's company), rounded
to the company currency. A count below what Odoo has on hand is a write-off.
"""
from __future__ import annotations

from sidecar.transform.purchase_order import SUPERUSER_ID
from sidecar.values import m2o_id

COUNTED, NOT_COUNTED = "counted", "not counted"  # the quant's "state": Odoo's inventory_quantity_set


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _name(record) -> str | None:
    return (record or {}).get("display_name") or None


def build_inventory_facts(row: dict) -> dict:
    """The facts the inventory-adjustment policy decides on, from `read_quant_bundle`'s answer."""
    product, location = row.get("product_id") or {}, row.get("location_id") or {}
    company = row.get("company_id") or {}
    currency = company.get("currency_id") or {}
    places = currency.get("decimal_places")
    places = places if isinstance(places, int) and not isinstance(places, bool) else 2
    on_hand, counted = _number(row.get("quantity")), _number(row.get("inventory_quantity"))
    variance = _number(row.get("inventory_diff_quantity"))
    cost = _number(product.get("standard_price"))
    value = round(variance * cost, places)
    writer = row.get("write_uid") or {}
    requester_id = writer.get("id")
    name = f"{_name(product) or 'product'} @ {_name(location) or 'location'}"
    return {
        "quant": {
            "id": row["id"], "name": name, "state": COUNTED if row.get("inventory_quantity_set") else NOT_COUNTED,
            "company_id": company.get("id"), "write_date": row.get("write_date") or None,
            "product_id": product.get("id"), "product": _name(product),
            "category": _name(product.get("categ_id")), "location_id": location.get("id"),
            "location": _name(location), "lot": _name(row.get("lot_id")), "unit": _name(row.get("product_uom_id")),
            "currency": currency.get("name"), "currency_decimals": places,
        },
        "count": {
            "on_hand": on_hand, "counted": counted, "variance": variance, "variance_abs": abs(variance),
            # percent of what Odoo has on hand; a count where Odoo has nothing is 100 % off
            "variance_percent": round(abs(variance) / abs(on_hand) * 100, 2) if on_hand else (100.0 if variance else 0.0),
            "unit_cost": cost, "value": value, "value_abs": abs(value), "write_off": variance < 0,
        },
        "site": {"company_id": company.get("id"), "warehouse_id": m2o_id(location.get("warehouse_id"))},
        "requested_by": {"user_id": requester_id,
                         "login": writer.get("login") if requester_id not in (None, SUPERUSER_ID) else None},
    }
