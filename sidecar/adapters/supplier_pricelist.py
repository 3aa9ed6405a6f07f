"""supplier-pricelist: a supplier's price list (CSV, or its rows as JSON) -> canonical.price of kind supplier.

One record per row: sku, unit, price, currency, min_quantity, date_start, date_end, and optionally
supplier (its code in the source; by default the source itself is the supplier, e.g. acme-supplies),
product_code (the supplier's own code) and delay (lead time in days). The price per `unit` becomes a
price per the product's own Odoo unit and min_quantity a quantity in it (a case price of 24 units is
divided by 24), so quantity breaks line up whatever unit each row used. Two rows for the same product,
supplier, unit, quantity break and start date contradict each other: both are rejected.
"""
from __future__ import annotations

from sidecar.adapters import Adapter, register
from sidecar.adapters.fields import RecordProblem, at, currency, day, number, per_unit, product_ref, resolve, text, uom_of
from sidecar.adapters.tables import cell, rows
from sidecar.mapping.resolver import Mapper

REQUIRED = ("sku", "unit", "price", "currency", "min_quantity", "date_start", "date_end")
OPTIONAL = ("supplier", "product_code", "delay")


def split(body: bytes, media_type: str) -> list:
    found = rows(body, media_type, REQUIRED, OPTIONAL, numeric=("price", "min_quantity", "delay"))
    keys: dict = {}
    for row in found:
        if row["values"] is not None:
            keys.setdefault(_key(row), []).append(row["pointer"])
    for row in found:  # each row, as plain JSON, names the other rows that give the same price
        row["duplicate_of"] = ([p for p in keys.get(_key(row), []) if p != row["pointer"]]
                               if row["values"] is not None else [])
    return found


def _key(row: dict) -> tuple:
    return tuple(str(cell(row, k) if cell(row, k) is not None else "").strip().lower()
                 for k in ("sku", "supplier", "unit", "min_quantity", "date_start"))


def ref(raw: dict) -> str | None:
    return raw["pointer"]  # a price list row has no id of its own: its place in the file names it


def convert(raw: dict, mapper: Mapper, source: str) -> dict:
    where = raw["pointer"]
    if raw["problem"]:
        raise RecordProblem(where, raw["problem"])
    if raw.get("duplicate_of"):
        raise RecordProblem(where, f"the same price (sku, supplier, unit, min_quantity, date_start) is given again at "
                            f"{', '.join(raw['duplicate_of'])}", code="duplicate_line")
    values = raw["values"]
    sku = text(values, "sku", where, max_length=128, ids=True)
    unit = text(values, "unit", where, max_length=64)
    price = number(values, "price", where, minimum=0, maximum=1e9)
    min_quantity = number(values, "min_quantity", where, minimum=0, maximum=1e9)
    date_start = day(values.get("date_start"), at(where, "date_start"), required=False)
    date_end = day(values.get("date_end"), at(where, "date_end"), required=False)
    if date_start and date_end and date_end < date_start:
        raise RecordProblem(at(where, "date_end"), f"{date_end} is before date_start {date_start}")
    delay = number(values, "delay", where, required=False, minimum=0, maximum=3650)
    if delay is not None and delay != int(delay):
        raise RecordProblem(at(where, "delay"), "must be a whole number of days")
    supplier = text(values, "supplier", where, required=False, ids=True) or source
    product, quantity = resolve(mapper, source, sku, unit, min_quantity, where)
    return {
        "source": {"system": source, "ref": None},
        "kind": "supplier",
        "product": product_ref(product, sku),
        "pricelist": {"id": None, "name": None},
        "partner_id": mapper.partner(source, supplier, at(where, "supplier")),
        "price": per_unit(mapper, source, unit, price, product),
        "currency": currency(values.get("currency"), at(where, "currency")),
        "uom": uom_of(product),
        "min_quantity": quantity,
        "date_start": date_start,
        "date_end": date_end,
        "supplier_code": text(values, "product_code", where, required=False, max_length=128, ids=True),
        "delay": None if delay is None else int(delay),
    }


ADAPTER = register(Adapter(
    name="supplier-pricelist", canonical="canonical.price.v1",
    description="A supplier price list (CSV with a header row: sku, unit, price, currency, min_quantity, date_start, "
                "date_end; or the rows as JSON) as canonical supplier prices, one per row, per the product's own unit",
    media_types=("text/csv", "application/json"), split=split, convert=convert, ref=ref,
))
