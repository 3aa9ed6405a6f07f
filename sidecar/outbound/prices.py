"""canonical.price -> product.pricelist.item values, found again by its exact key in the pricelist."""
from __future__ import annotations

from sidecar.outbound import fields as f

KINDS = ("list", "customer", "promotion", "quantity_break", "supplier")


def scope(record: dict, source: str) -> str:
    """Authority scope of a price: its pricelist's name (or id); a supplier's price: the supplier's system."""
    if f.get(record, "/kind") == "supplier":
        return str(f.get(record, "/source/system") or source)
    return str(f.get(record, "/pricelist/name") or f.get(record, "/pricelist/id") or source)


def convert(record: dict, source: str) -> dict:
    """A fixed price for one variant in one pricelist, from a quantity, within an optional window.

    The key (pricelist, product, min quantity, start, end) is what Odoo's item holds: an item with
    that key is the same price, written over rather than added.
    """
    kind = f.choice(record, "/kind", KINDS)
    if kind == "supplier":
        return _supplier(record, source)
    pricelist_id = f.integer(record, "/pricelist/id", required=False)
    pricelist_name = None if pricelist_id else f.text(record, "/pricelist/name")
    key = {"pricelist_id": pricelist_id, "pricelist_name": pricelist_name,
           "product_id": f.product_id(record, "/product", source),
           "min_quantity": f.number(record, "/min_quantity", default=0.0),
           "date_start": f.moment(record, "/date_start", required=False) or False,
           "date_end": f.moment(record, "/date_end", required=False) or False}
    if key["date_start"] and key["date_end"] and key["date_start"] >= key["date_end"]:
        raise f.bad("/date_end", "must be after date_start")
    price = f.number(record, "/price")
    currency = f.text(record, "/currency", limit=3)
    ref = "|".join(str(key[k]) for k in ("pricelist_id", "pricelist_name", "product_id", "min_quantity",
                                         "date_start", "date_end"))
    return {"ref": ref, "key": key, "fixed_price": price, "currency": currency.upper()}


def _supplier(record: dict, source: str) -> dict:
    """A vendor price (product.supplierinfo): supplier, variant, min quantity and dates are its key, like an item's."""
    key = {"partner_id": f.integer(record, "/partner_id"), "product_id": f.product_id(record, "/product", source),
           "min_qty": f.number(record, "/min_quantity", default=0.0),
           "date_start": (f.moment(record, "/date_start", required=False) or "")[:10] or False,
           "date_end": (f.moment(record, "/date_end", required=False) or "")[:10] or False}
    if key["date_start"] and key["date_end"] and key["date_start"] > key["date_end"]:
        raise f.bad("/date_end", "must not be before date_start")
    ref = "supplier|" + "|".join(str(key[k]) for k in ("partner_id", "product_id", "min_qty", "date_start", "date_end"))
    return {"ref": ref, "supplier": key, "price": f.number(record, "/price"),
            "currency": f.text(record, "/currency", limit=3).upper()}
