"""Odoo's answers about a draft RFQ -> canonical procurement facts (purchase_order.procurement_facts.v1).

Each product line is compared with what Odoo itself would have priced it from, in this order:

1. the agreement the RFQ names (`requisition_id`, purchase_requisition): its first line of the same
   product (purchase_requisition/models/purchase.py prices a line from it), while the agreement is in
   force (ongoing blanket order, confirmed or bid-selection call for tenders; deadline not passed) and in
   the RFQ's currency. What the agreement still allows is its quantity minus `qty_ordered` (confirmed
   orders), in the agreement line's unit;
2. else the vendor's price for the product (`product.supplierinfo`), chosen as Odoo's `_select_seller`
   does: the vendor or its parent, the variant or the whole template, the RFQ's company or none, valid
   on the order date, from a minimum quantity the line reaches (in the price's unit), prices made by
   another agreement left out; the first vendor in Odoo's order, then the lowest discounted price.

Prices compare net of discount, per the line's unit (Odoo's uom price conversion). A line with neither
(no price of this vendor, below its minimum, expired, another currency, agreement not in force) is off
agreement. A line is from a listed vendor when the product's vendor prices name the RFQ's vendor (or its
parent) at all: Odoo's approved-vendor list of the product.
"""
from __future__ import annotations

from sidecar.transform.purchase_order import APPROVED_CLASS, SUPERUSER_ID, _number, vendor_classes
from sidecar.transform.uom import convert_price, convert_quantity

IN_FORCE = ("ongoing", "in_progress", "open")  # purchase_requisition states an RFQ may order from
AGREEMENT, VENDOR_PRICE = "agreement", "vendor_price"


def _percent(deviation: float, base: float) -> float:
    if abs(base) > 1e-9:
        return round(deviation / base * 100.0, 4)
    return 100.0 if deviation > 1e-9 else 0.0


def _net(price, discount) -> float:
    return _number(price) * (1 - _number(discount) / 100.0)


def _valid_on(seller: dict, day: str | None) -> bool:
    if not day:
        return True
    return not ((seller.get("date_start") and seller["date_start"] > day) or
                (seller.get("date_end") and seller["date_end"] < day))


def _applies(seller: dict, product_id: int, company_id, requisition_id) -> bool:
    """A vendor price Odoo would consider for this product and company at all (`_prepare_sellers`)."""
    return ((not seller.get("product_id") or seller["product_id"] == product_id)
            and (not seller.get("company_id") or seller["company_id"] == company_id)
            and (not seller.get("requisition_id") or seller["requisition_id"] == requisition_id))


def select_seller(sellers: list[dict], vendor_ids: set, quantity: float, line_uom: dict | None, day: str | None):
    """(the vendor price Odoo's `_select_seller` picks, why none) for a line of `quantity` in `line_uom`."""
    own = [s for s in sellers if s.get("partner_id") in vendor_ids]
    if not own:
        return None, "the vendor has no price for this product"
    valid = [s for s in own if _valid_on(s, day)]
    if not valid:
        return None, f"no price of the vendor is valid on {day}"
    reached = [s for s in valid if convert_quantity(quantity, line_uom, s.get("uom")) + 1e-9 >= _number(s.get("min_qty"))]
    if not reached:
        least = min(_number(s.get("min_qty")) for s in valid)
        return None, f"below the vendor's minimum quantity of {least:g}"
    reached.sort(key=lambda s: (s.get("sequence") or 0, -_number(s.get("min_qty")), _number(s.get("price")), s["id"]))
    first = reached[0]["partner_id"]
    same = [s for s in reached if s["partner_id"] == first]
    return min(same, key=lambda s: (_net(s.get("price"), s.get("discount")), s.get("sequence") or 0, s["id"])), None


def _agreement_facts(requisition: dict | None, vendor_ids: set, day: str | None, currency: str | None) -> dict | None:
    if not requisition:
        return None
    deadline = (requisition.get("date_end") or "")[:10] or None
    in_force = requisition.get("state") in IN_FORCE and not (deadline and day and deadline < day)
    vendor = requisition.get("vendor_id")
    return {"id": requisition["id"], "name": requisition.get("name"), "state": requisition.get("state"),
            "type": requisition.get("type"), "in_force": in_force, "currency": requisition.get("currency"),
            "same_currency": requisition.get("currency") == currency,
            "vendor_id": vendor, "vendor_name": requisition.get("vendor_name"),
            "vendor_matches": None if not vendor else vendor in vendor_ids}


def _line_facts(line: dict, product: dict, context: dict) -> dict:
    quantity, uom = _number(line.get("product_qty")), line.get("uom")
    price = round(_net(line.get("price_unit"), line.get("discount")), 6)
    facts = {"id": line["id"], "product_id": product["id"], "product": product.get("name"),
             "category": product.get("category"), "quantity": quantity, "price_unit": price,
             "subtotal": _number(line.get("price_subtotal")), "agreement_kind": None, "agreement": None,
             "off_agreement": True, "off_agreement_reason": None, "agreed_price": None, "price_deviation": None,
             "price_deviation_percent": None, "price_deviation_amount": None, "remaining": None,
             "qty_beyond": None, "qty_beyond_percent": None}
    requisition, agreement = context["requisition"], context["agreement"]
    sellers = [s for s in product.get("sellers") or []
               if _applies(s, product["id"], context["company_id"], requisition and requisition["id"])]
    facts["vendor_listed"] = any(s.get("partner_id") in context["vendor_ids"]  # any agreement's price lists it
                                 and _applies(s, product["id"], context["company_id"], s.get("requisition_id"))
                                 for s in product.get("sellers") or [])
    agreed_line = next((item for item in (requisition or {}).get("lines") or []
                        if item.get("product_id") == product["id"]), None)
    if agreed_line is not None:
        facts.update(agreement_kind=AGREEMENT, agreement=agreement["name"])
        if not agreement["in_force"]:
            return {**facts, "off_agreement_reason": f"agreement {agreement['name']} is not in force "
                                                     f"({agreement['state']})"}
        if not agreement["same_currency"]:
            return {**facts, "off_agreement_reason": f"agreement {agreement['name']} is in {agreement['currency']}"}
        agreed = convert_price(_number(agreed_line.get("price_unit")), agreed_line.get("uom"), uom)
        remaining = round(_number(agreed_line.get("product_qty")) - _number(agreed_line.get("qty_ordered")), 6)
        beyond = round(convert_quantity(quantity, uom, agreed_line.get("uom")) - remaining, 6)
        facts.update(remaining=remaining, qty_beyond=beyond, qty_beyond_percent=_percent(beyond, remaining))
    else:
        seller, why = select_seller(sellers, context["vendor_ids"], quantity, uom, context["day"])
        if seller is None:
            return {**facts, "off_agreement_reason": why}
        facts.update(agreement_kind=VENDOR_PRICE, agreement="vendor price")
        if seller.get("currency") != context["currency"]:
            return {**facts, "off_agreement_reason": f"the vendor's price is in {seller.get('currency')}"}
        agreed = convert_price(_net(seller.get("price"), seller.get("discount")), seller.get("uom"), uom)
    agreed = round(agreed, 6)
    deviation = round(price - agreed, 6)
    return {**facts, "off_agreement": False, "agreed_price": agreed, "price_deviation": deviation,
            "price_deviation_percent": _percent(deviation, agreed),
            "price_deviation_amount": round(deviation * quantity, 2)}


def _largest(lines: list[dict], key: str) -> float:
    return max([0.0, *(line[key] for line in lines if line.get(key) is not None)])


def build_procurement_facts(bundle: dict) -> dict:
    """The facts the procurement-exception policy decides on, from `read_procurement_bundle`'s answer."""
    order, currency = bundle["order"], bundle.get("currency") or {}
    places = currency.get("decimal_places")
    places = places if isinstance(places, int) and not isinstance(places, bool) else 2
    partner, commercial = bundle.get("partner") or {}, bundle.get("commercial_partner") or {}
    vendor_ids = {rid for rid in (partner.get("id"), partner.get("parent_id"), commercial.get("id")) if rid}
    day = (order.get("date_order") or "")[:10] or None
    agreement = _agreement_facts(bundle.get("requisition"), vendor_ids, day, currency.get("name"))
    context = {"requisition": bundle.get("requisition"), "agreement": agreement, "vendor_ids": vendor_ids,
               "company_id": order.get("company_id"), "day": day, "currency": currency.get("name")}
    products = {product["id"]: product for product in bundle.get("products") or []}
    lines = [_line_facts(line, products[line["product_id"]], context) for line in bundle.get("lines") or []
             if not line.get("display_type") and line.get("product_id") in products]
    classes = vendor_classes(bundle.get("tags") or [])
    users = {row["id"]: row["login"] for row in bundle.get("users") or []}
    requester = order.get("write_uid")
    return {
        "order": {"id": order["id"], "name": order.get("name"), "state": order.get("state"),
                  "amount_untaxed": _number(order.get("amount_untaxed")), "amount_total": _number(order.get("amount_total")),
                  "currency": currency.get("name"), "currency_decimals": places, "company_id": order.get("company_id"),
                  "write_date": order.get("write_date") or None, "date_order": order.get("date_order") or None,
                  "partner_id": partner.get("id"), "partner_name": partner.get("name"),
                  "line_count": len(lines)},
        "vendor": {"id": commercial.get("id"), "name": commercial.get("name"), "classes": classes,
                   "approved": APPROVED_CLASS in classes},
        "agreement": agreement,
        "deviation": {
            "price_percent": _largest(lines, "price_deviation_percent"),
            "price_amount": _largest(lines, "price_deviation_amount"),
            "qty_percent": _largest(lines, "qty_beyond_percent"),
            "off_agreement_lines": sum(1 for line in lines if line["off_agreement"]),
            "unlisted_lines": sum(1 for line in lines if not line["vendor_listed"]),
        },
        "categories": sorted({line["category"] for line in lines if line["category"]}),
        "site": {"company_id": order.get("company_id"), "warehouse_id": bundle.get("warehouse_id")},
        "requested_by": {"user_id": requester,
                         "login": users.get(requester) if requester not in (None, SUPERUSER_ID) else None},
        "lines": lines,
    }
