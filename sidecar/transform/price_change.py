"""Odoo's answer about a product and a pricelist, and the proposed price -> canonical price-change facts.

The current price is the one Odoo applies now on the pricelist for the asked quantity
(get_contextual_price); the cost is the variant's `standard_price` in the pricelist's company. The
change and the markdown are percentages of the current price; the margin is a percentage of the
new price (Odoo's sale_margin counts margin over the sales price). When the pricelist's currency is
not the cost's, no margin is computed (the facts say so) rather than compare amounts in two currencies.
"""
from __future__ import annotations

from sidecar.transform.purchase_order import SUPERUSER_ID
from sidecar.values import m2o_id

FOR_SALE, NOT_FOR_SALE = "for sale", "not for sale"  # the product's "state": Odoo's sale_ok and active
EPSILON = 1e-9


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _places(currency: dict) -> int:
    places = (currency or {}).get("decimal_places")
    return places if isinstance(places, int) and not isinstance(places, bool) else 2


def categories(complete_name: str | None) -> list[dict]:
    """The category and each of its parents by complete name ("All", "All / Saleable", ...), as Odoo shows them."""
    parts = (complete_name or "").split(" / ") if complete_name else []
    return [{"name": " / ".join(parts[:i])} for i in range(len(parts), 0, -1)]


def variant_of(template: dict, product_id: int | None) -> dict | None:
    """The variant the ask prices: the one it names, else the template's only one (None: several, or not ours)."""
    variants = template.get("product_variant_ids") or []
    if product_id:
        return next((v for v in variants if v["id"] == product_id), None)
    return variants[0] if len(variants) == 1 else None


def _percent(part: float, whole: float) -> float:
    return part / whole * 100 if abs(whole) > EPSILON else (100.0 if abs(part) > EPSILON else 0.0)


def build_price_facts(bundle: dict, ask: dict) -> dict:
    """The facts the price-change policy decides on, from `read_price_bundle`'s answer and the proposal."""
    template, pricelist = bundle["template"], bundle["pricelist"] or {}
    variant = variant_of(template, ask.get("product_id")) or {}
    currency, cost_currency = pricelist.get("currency_id") or {}, variant.get("cost_currency_id") or {}
    same_currency = bool(currency.get("id")) and currency.get("id") == cost_currency.get("id")
    new, current, cost = _number(ask["fixed_price"]), _number(bundle["current_price"]), _number(variant.get("standard_price"))
    change = new - current
    change_percent = _percent(change, current)
    margin = new - cost if same_currency else None
    category = (template.get("categ_id") or {}).get("display_name")
    proposer = bundle.get("proposer") or {}
    active = template.get("active", True) and template.get("sale_ok")
    return {
        "product": {
            "id": template["id"], "name": template.get("display_name"), "state": FOR_SALE if active else NOT_FOR_SALE,
            "company_id": bundle.get("company_id"), "write_date": template.get("write_date") or None,
            "product_id": variant.get("id"), "variant": variant.get("display_name"),
            "variant_count": len(template.get("product_variant_ids") or []),
        },
        "price_change": {
            "pricelist_id": pricelist.get("id"), "pricelist": pricelist.get("display_name"),
            "currency": currency.get("name"), "currency_decimals": _places(currency),
            "cost_currency": cost_currency.get("name"), "same_currency_as_cost": same_currency,
            "fixed_price": new, "min_quantity": _number(ask.get("min_quantity")),
            "date_start": ask["date_start"], "date_end": ask.get("date_end"),
            "reason": ask.get("reason"), "source": ask.get("source"), "clearance": bool(ask.get("clearance")),
            "current_price": current, "change": change, "change_percent": change_percent,
            "change_abs_percent": abs(change_percent), "markdown": change < -EPSILON,
            "markdown_percent": max(0.0, -change_percent),
            "cost": cost, "list_price": _number(variant.get("lst_price", template.get("list_price"))),
            "margin": margin, "margin_percent": _percent(margin, new) if margin is not None else None,
            "current_margin_percent": _percent(current - cost, current) if same_currency else None,
            "below_cost": (new < cost - EPSILON) if same_currency else None,
            "category": category, "categories": categories(category),
            "items": [{"id": item["id"], "applied_on": item["applied_on"], "fixed_price": item.get("fixed_price"),
                       "compute_price": item.get("compute_price"), "min_quantity": item.get("min_quantity"),
                       "date_start": item.get("date_start") or None, "date_end": item.get("date_end") or None}
                      for item in bundle.get("items") or []],
        },
        "proposal": {key: value for key, value in ask.items() if key not in ("id", "write_date")},
        "site": {"company_id": bundle.get("company_id") or m2o_id(template.get("company_id")), "warehouse_id": None},
        "requested_by": {"user_id": proposer.get("id"),
                         "login": proposer.get("login") if proposer.get("id") not in (None, SUPERUSER_ID) else None},
    }
