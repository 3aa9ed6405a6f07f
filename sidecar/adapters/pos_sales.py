"""pos-sales: a point of sale's daily sales summary -> one canonical.order of channel pos.

The body is a summary {store, business_date, currency, closed_at?, warehouse?, lines: [{sku, quantity,
unit, net_amount, tax: {name, rate, amount}}]} or an array of them. The store is mapped to its Odoo
partner (the store's walk-in customer) like any partner. Each line's quantity is converted to the
product's own unit and its unit price is the net amount over that quantity (before tax). A day whose
net quantity for a line is 0 or less (returns outweigh sales) cannot be an order line, and a SKU
sold in the same unit on two lines is a double count: the summary is rejected, naming the line.
"""
from __future__ import annotations

from datetime import date

from sidecar.adapters import Adapter, register
from sidecar.adapters.fields import (RecordProblem, array, at, currency, day, moment, number, obj, product_ref,
                                     resolve, text, uom_of, utc_at)
from sidecar.adapters.tables import items, json_document
from sidecar.mapping.resolver import Mapper


def split(body: bytes, media_type: str) -> list:
    return items(json_document(body, media_type), "summaries")


def ref(raw) -> str | None:
    summary = raw["value"]
    if not isinstance(summary, dict):
        return None
    store, business_date = summary.get("store"), summary.get("business_date")
    if isinstance(store, (str, int)) and isinstance(business_date, str):
        return f"{store}/{business_date}"
    return None


def convert(raw, mapper: Mapper, source: str) -> dict:
    summary, pointer = raw["value"], raw["pointer"]
    summary = obj(summary, pointer)
    store = text(summary, "store", pointer, max_length=64, ids=True)
    business_date = day(summary.get("business_date"), at(pointer, "business_date"))
    money = currency(summary.get("currency"), at(pointer, "currency"))
    entries = array(summary.get("lines"), at(pointer, "lines"))
    if not entries:
        raise RecordProblem(at(pointer, "lines"), "the summary has no lines")
    lines, seen, total = [], {}, 0.0
    for index, entry in enumerate(entries):
        where = at(at(pointer, "lines"), index)
        line, amount = _line(obj(entry, where), where, mapper, source)
        key = (line["sku"].lower(), str(entry.get("unit") or "").strip().lower())
        if key in seen:
            raise RecordProblem(where, f"SKU {line['sku']} is summed twice (also at {seen[key]})", code="duplicate_line")
        seen[key] = where
        lines.append(line)
        total += amount
    closed_at = moment(summary.get("closed_at"), at(pointer, "closed_at"), required=False)
    return {
        "source": {"system": source, "ref": ref(raw)},
        "external_id": f"{store}/{business_date}",
        "channel": "pos",
        "partner": {"external_id": store, "partner_id": mapper.partner(source, store, at(pointer, "store"))},
        "currency": money,
        "date_order": closed_at or utc_at(date.fromisoformat(business_date)),
        "requested_date": None,
        "lines": lines,
        "shipping_address": None,
        "note": text(summary, "note", pointer, required=False, max_length=4000),
        "amount_total": round(total, 6),
        "warehouse": text(summary, "warehouse", pointer, required=False, max_length=64),
    }


def _line(entry: dict, where: str, mapper: Mapper, source: str) -> tuple[dict, float]:
    sku = text(entry, "sku", where, max_length=128, ids=True)
    quantity = number(entry, "quantity", where, positive=True, maximum=1e9)
    unit = text(entry, "unit", where, required=False, max_length=64)
    net = number(entry, "net_amount", where, minimum=0, maximum=1e11)
    product, converted = resolve(mapper, source, sku, unit, quantity, where)
    taxes, tax_amount = [], 0.0
    tax = entry.get("tax")
    if tax is not None:
        tax_where = at(where, "tax")
        tax = obj(tax, tax_where)
        taxes.append({"name": text(tax, "name", tax_where, max_length=128),
                      "rate": number(tax, "rate", tax_where, minimum=0, maximum=100)})
        tax_amount = number(tax, "amount", tax_where, required=False, minimum=0, maximum=1e11) or 0.0
    return {
        "ref": None,
        "sku": sku,
        "product": product_ref(product, sku),
        "name": text(entry, "name", where, required=False),
        "quantity": converted,
        "uom": uom_of(product),
        "price_unit": net / converted,
        "discount": 0.0,
        "taxes": taxes,
        "requested_date": None,
    }, net + tax_amount


ADAPTER = register(Adapter(
    name="pos-sales", canonical="canonical.order.v1",
    description="A POS daily sales summary (store, business_date, currency, lines) as one canonical order of "
                "channel pos: the store mapped to its Odoo partner, quantities in each product's unit, net unit prices",
    media_types=("application/json",), split=split, convert=convert, ref=ref,
))
