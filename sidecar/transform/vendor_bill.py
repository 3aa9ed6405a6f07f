"""Odoo's answers about a vendor bill -> canonical three-way match facts (vendor_bill.match_facts.v1).

Per bill line the facts compare what is billed with the purchase order line it bills
(`purchase_line_id`) and what was received: Odoo's `qty_invoiced` counts every bill line not
cancelled, this draft bill's own lines included, so what other bills already billed is
`qty_invoiced` minus this bill's quantity on that purchase line, and what may still be billed is
`qty_received` minus that. Quantities are compared as Odoo stores them (the bill line's and the
purchase line's unit of measure are assumed the same: Odoo copies the purchase line's unit onto
the bill line it creates). Over-billing (more quantity, higher price) is a positive deviation;
billing less or cheaper is negative and never held.
"""
from __future__ import annotations

from sidecar.transform.purchase_order import SUPERUSER_ID, _number
from sidecar.transform.sales_order import m2o_name
from sidecar.values import m2o_id

PRODUCT = "product"  # account.move.line display_type of a billed product line (not section, note, tax, ...)


def _percent(deviation: float, base: float) -> float:
    """The deviation as a percent of its base; 100 % when there is nothing to compare with and it is positive."""
    if abs(base) > 1e-9:
        return round(deviation / base * 100.0, 4)
    return 100.0 if deviation > 1e-9 else 0.0


def _line_facts(line: dict, billed_on: dict) -> dict:
    quantity, price = _number(line.get("quantity")), _number(line.get("price_unit"))
    facts = {"id": line["id"], "product_id": m2o_id(line.get("product_id")), "product": m2o_name(line.get("product_id")),
             "label": line.get("name") or m2o_name(line.get("product_id")) or f"line {line['id']}",
             "quantity": quantity, "price_unit": price, "subtotal": _number(line.get("price_subtotal"))}
    po_line = line.get("purchase_line")
    if not po_line:
        return {**facts, "matched": False, "purchase_line_id": None, "order": None}
    ordered, received = _number(po_line.get("product_qty")), _number(po_line.get("qty_received"))
    billed_before = _number(po_line.get("qty_invoiced")) - billed_on.get(po_line["id"], 0.0)
    billable = round(received - billed_before, 6)  # received, not yet billed by another bill
    po_price = _number(po_line.get("price_unit"))
    qty_deviation = round(quantity - billable, 6)
    price_deviation = round(price - po_price, 6)
    return {**facts, "matched": True, "purchase_line_id": po_line["id"], "order": po_line.get("order_name"),
            "ordered": ordered, "received": received, "billed_before": round(billed_before, 6), "billable": billable,
            "po_price_unit": po_price,
            "qty_deviation": qty_deviation, "qty_deviation_amount": round(qty_deviation * po_price, 2),
            "qty_deviation_percent": _percent(qty_deviation, billable),
            "price_deviation": price_deviation, "price_deviation_amount": round(price_deviation * quantity, 2),
            "price_deviation_percent": _percent(price_deviation, po_price)}


def build_bill_facts(bundle: dict) -> dict:
    """The facts the vendor-bill match policy decides on, from `read_bill_bundle`'s answer."""
    bill, currency = bundle["bill"], bundle.get("currency") or {}
    places = currency.get("decimal_places")
    places = places if isinstance(places, int) and not isinstance(places, bool) else 2
    products = [line for line in bundle.get("lines") or [] if (line.get("display_type") or PRODUCT) == PRODUCT]
    billed_on: dict = {}
    for line in products:  # this bill's own quantity on each purchase line (Odoo's qty_invoiced includes it)
        if line.get("purchase_line"):
            key = line["purchase_line"]["id"]
            billed_on[key] = billed_on.get(key, 0.0) + _number(line.get("quantity"))
    lines = [_line_facts(line, billed_on) for line in products]
    users = {row["id"]: row["login"] for row in bundle.get("users") or []}
    requester_id = m2o_id(bill.get("write_uid"))
    commercial = bundle.get("commercial_partner") or {}
    company_id = m2o_id(bill.get("company_id"))
    orders = sorted({line["order"] for line in lines if line.get("order")})
    return {
        "bill": {
            "id": bill["id"], "name": bill.get("name"), "state": bill.get("state"), "move_type": bill.get("move_type"),
            "amount_untaxed": _number(bill.get("amount_untaxed")), "amount_total": _number(bill.get("amount_total")),
            "currency": currency.get("name") or m2o_name(bill.get("currency_id")), "currency_decimals": places,
            "company_id": company_id, "write_date": bill.get("write_date") or None,
            "invoice_date": bill.get("invoice_date") or None, "ref": bill.get("ref") or None,
            "partner_id": m2o_id(bill.get("partner_id")), "partner_name": m2o_name(bill.get("partner_id")),
            "line_count": len(lines), "unmatched_count": sum(1 for line in lines if not line["matched"]),
            "orders": orders,
        },
        "vendor": {"id": commercial.get("id"), "name": commercial.get("name")},
        "site": {"company_id": company_id, "warehouse_id": None},
        "requested_by": {"user_id": requester_id,
                         "login": users.get(requester_id) if requester_id not in (None, SUPERUSER_ID) else None},
        "lines": lines,
    }
