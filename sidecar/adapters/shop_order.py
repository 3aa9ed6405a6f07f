"""shop-order: a Shopify-style order webhook (orders/create) -> canonical.order (channel web).

The body is one order, an array of orders or {"orders": [...]} (the shop's list answer). Per line
item: its SKU mapped to an Odoo product (a line without SKU cannot be mapped, so the order is
rejected), the quantity (in the product's own unit, or of a `unit` the line names), the unit price
before taxes (a shop whose prices include taxes has them taken out), the discount allocations as a
percent of the line, and the tax lines as percent rates (an empty list: no tax charged; a line item without
`tax_lines` leaves the taxes to Odoo's product). The customer is mapped by its id, or by
the order's email for a guest checkout. Shipping lines and gift cards are not order lines in Odoo's
sense and are left out.
"""
from __future__ import annotations

from sidecar.adapters import Adapter, register
from sidecar.adapters.fields import (RecordProblem, array, at, currency, day, moment, number, obj, per_unit,
                                     product_ref, resolve, text, uom_of)
from sidecar.adapters.tables import items, json_document
from sidecar.mapping.resolver import Mapper

REQUESTED_DATE_ATTRIBUTES = ("requested_date", "delivery_date")  # note_attributes a checkout app adds


def split(body: bytes, media_type: str) -> list:
    return items(json_document(body, media_type), "orders")


def ref(raw) -> str | None:
    order = raw["value"]
    value = order.get("id") if isinstance(order, dict) else None
    return None if value is None or isinstance(value, (dict, list, bool)) else str(value)


def convert(raw, mapper: Mapper, source: str) -> dict:
    order, pointer = raw["value"], raw["pointer"]
    order = obj(order, pointer)
    external_id = (text(order, "name", pointer, required=False, ids=True)
                   or text(order, "order_number", pointer, required=False, ids=True)
                   or text(order, "id", pointer, ids=True))
    taxes_included = order.get("taxes_included") is True
    lines, seen = [], {}
    line_items = array(order.get("line_items"), at(pointer, "line_items"))
    if not line_items:
        raise RecordProblem(at(pointer, "line_items"), "the order has no line items")
    for index, item in enumerate(line_items):
        where = at(at(pointer, "line_items"), index)
        line = _line(obj(item, where), where, mapper, source, taxes_included)
        if line["ref"] is not None:
            if line["ref"] in seen:
                raise RecordProblem(at(where, "id"), f"line item id {line['ref']} appears twice "
                                    f"(also at {seen[line['ref']]})", code="duplicate_line")
            seen[line["ref"]] = where
        lines.append(line)
    partner_key, partner_pointer = _customer(order, pointer)
    partner_id = mapper.partner(source, partner_key, partner_pointer)
    return {
        "source": {"system": source, "ref": ref(raw)},
        "external_id": external_id,
        "channel": "web",
        "partner": {"external_id": partner_key, "partner_id": partner_id},
        "currency": currency(order.get("currency"), at(pointer, "currency")),
        "date_order": moment(order.get("created_at"), at(pointer, "created_at")),
        "requested_date": _requested_date(order, pointer),
        "lines": lines,
        "shipping_address": _address(order, pointer),
        "note": text(order, "note", pointer, required=False, max_length=4000),
        "amount_total": number(order, "total_price", pointer, required=False, minimum=0),
        "warehouse": None,
    }


def _line(item: dict, where: str, mapper: Mapper, source: str, taxes_included: bool) -> dict:
    sku = text(item, "sku", where, max_length=128)
    quantity = number(item, "quantity", where, positive=True, maximum=1e9)
    price = number(item, "price", where, minimum=0, maximum=1e9)
    unit = text(item, "unit", where, required=False, max_length=64)
    product, converted = resolve(mapper, source, sku, unit, quantity, where)
    taxes = []
    for index, tax in enumerate(array(item.get("tax_lines"), at(where, "tax_lines"), required=False)):
        tax_where = at(at(where, "tax_lines"), index)
        tax = obj(tax, tax_where)
        rate = number(tax, "rate", tax_where, minimum=0, maximum=1)  # the shop's rate is a fraction: 0.19
        taxes.append({"name": text(tax, "title", tax_where, max_length=128), "rate": round(rate * 100, 6)})
    discounted = 0.0
    for index, allocation in enumerate(array(item.get("discount_allocations"), at(where, "discount_allocations"),
                                             required=False)):
        allocation_where = at(at(where, "discount_allocations"), index)
        discounted += number(obj(allocation, allocation_where), "amount", allocation_where, minimum=0)
    gross = price * quantity
    if discounted > gross + 0.005:
        raise RecordProblem(at(where, "discount_allocations"),
                            f"discounts of {discounted:.2f} exceed the line's {gross:.2f}")
    unit_price = per_unit(mapper, source, unit, price, product)
    if taxes_included and taxes:  # Odoo's price_unit is before tax: take the included rates out
        unit_price = unit_price / (1 + sum(t["rate"] for t in taxes) / 100)
    line = {
        "ref": text(item, "id", where, required=False, ids=True),
        "sku": sku,
        "product": product_ref(product, sku),
        "name": text(item, "title", where, required=False),
        "quantity": converted,
        "uom": uom_of(product),
        "price_unit": unit_price,
        "discount": min(100.0, round(discounted / gross * 100, 6)) if gross and discounted else 0.0,
        "taxes": taxes,
        "requested_date": None,
    }
    if "tax_lines" not in item:  # the shop does not say what it charged: Odoo applies the product's taxes
        del line["taxes"]
    return line


def _customer(order: dict, pointer: str) -> tuple[str, str]:
    customer = order.get("customer")
    if customer is not None:
        where = at(pointer, "customer")
        return text(obj(customer, where), "id", where, ids=True), at(where, "id")
    email = text(order, "email", pointer, required=False)
    if email is None:
        raise RecordProblem(at(pointer, "customer"), "the order names no customer and no email to map to a partner")
    return email.lower(), at(pointer, "email")


def _requested_date(order: dict, pointer: str) -> str | None:
    attributes = array(order.get("note_attributes"), at(pointer, "note_attributes"), required=False)
    for index, attribute in enumerate(attributes):
        where = at(at(pointer, "note_attributes"), index)
        attribute = obj(attribute, where)
        if str(attribute.get("name", "")).strip().lower() in REQUESTED_DATE_ATTRIBUTES:
            return day(attribute.get("value"), at(where, "value"))
    return None


def _address(order: dict, pointer: str) -> dict | None:
    address = order.get("shipping_address")
    if address is None:
        return None
    where = at(pointer, "shipping_address")
    address = obj(address, where)
    name = text(address, "name", where, required=False) or " ".join(
        filter(None, (text(address, "first_name", where, required=False),
                      text(address, "last_name", where, required=False)))) or None
    country = text(address, "country_code", where, required=False, max_length=2)
    if country is not None and not (country.isascii() and country.isalpha() and len(country) == 2):
        raise RecordProblem(at(where, "country_code"), f"is not an ISO 3166 country code: '{country}'")
    return {
        "name": name,
        "street": text(address, "address1", where, required=False),
        "street2": text(address, "address2", where, required=False),
        "city": text(address, "city", where, required=False, max_length=128),
        "zip": text(address, "zip", where, required=False, max_length=32, ids=True),
        "state_code": text(address, "province_code", where, required=False, max_length=16),
        "country_code": country.upper() if country else None,
        "phone": text(address, "phone", where, required=False, max_length=64),
        "email": text(order, "email", pointer, required=False),
    }


ADAPTER = register(Adapter(
    name="shop-order", canonical="canonical.order.v1",
    description="A Shopify-style order webhook (one order, an array, or {\"orders\": [...]}) as canonical orders "
                "of channel web: SKUs, units and the customer mapped to Odoo, discounts as percents, tax rates",
    media_types=("application/json",), split=split, convert=convert, ref=ref,
))
