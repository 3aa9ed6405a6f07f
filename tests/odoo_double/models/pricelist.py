"""product.pricelist.item and the price a pricelist applies (Odoo 17: product/models/product_pricelist.py,
product_pricelist_item.py).

A pricelist's price for a product is the first applicable item in the order ``applied_on,
min_quantity desc, categ_id desc, id desc`` among those of the pricelist whose category (or a parent),
template, variant and window hold (``_get_applicable_rules_domain``), applicable meaning the quantity
reaches ``min_quantity`` and the product is the item's template or variant (``_is_applicable_for``);
without one, the product's sales price. Public over RPC: ``get_contextual_price`` of product.product and
product.template, reading ``pricelist``, ``quantity`` and ``date`` from the context.
"""
from __future__ import annotations

import datetime as dt

from .. import errors
from .. import fields as F
from ..registry import ModelSpec
from ..values import DATETIME_FMT
from .account import currency_rate

ITEM = "product.pricelist.item"
APPLIED_ON = [("3_global", "All Products"), ("2_product_category", "Product Category"), ("1_product", "Product"),
              ("0_product_variant", "Product Variant")]
CLEARED = {"3_global": ("product_id", "product_tmpl_id", "categ_id"), "2_product_category": ("product_id", "product_tmpl_id"),
           "1_product": ("product_id", "categ_id"), "0_product_variant": ("categ_id",)}
ORDER = "applied_on, min_quantity desc, categ_id desc, id desc"


def _consistent(vals: dict) -> dict:
    """create/write: the fields another `applied_on` does not use are emptied ("item consistency")."""
    for fname in CLEARED.get(vals.get("applied_on"), ()):
        vals[fname] = False
    return vals


def _prepare(env, vals):
    if not vals.get("applied_on"):
        vals["applied_on"] = ("0_product_variant" if vals.get("product_id") else "1_product"
                              if vals.get("product_tmpl_id") else "2_product_category" if vals.get("categ_id")
                              else "3_global")
    return _consistent(vals)


def _shown(moment: str) -> str:
    """format_datetime for a user without a time zone (UTC), en_US: 'Jan 1, 2029, 12:00:00 AM'."""
    value = dt.datetime.strptime(moment[:19], DATETIME_FMT)
    return f"{value:%b} {value.day}, {value.year}, {value.hour % 12 or 12}:{value:%M:%S} {value:%p}"


def _checked(env, ids, vals=None):
    """_check_date_range and _check_product_consistency (ValidationError)."""
    for rid in ids if isinstance(ids, list) else [ids]:
        row = env.row(ITEM, rid)
        start, end = row.get("date_start"), row.get("date_end")
        if start and end and start >= end:
            raise errors.validation_error(f"{env.display_name(ITEM, rid)}: end date ({_shown(end)}) should be greater "
                                          f"than start date ({_shown(start)})")
        needs = {"2_product_category": ("categ_id", "category"), "1_product": ("product_tmpl_id", "product"),
                 "0_product_variant": ("product_id", "product variant")}.get(row["applied_on"])
        if needs and not row.get(needs[0]):
            raise errors.validation_error(f"Please specify the {needs[1]} for which this rule should be applied")


def _written(env, ids, vals):
    if vals.get("applied_on"):
        for rid in ids:
            env.db.update(ITEM, rid, {fname: False for fname in CLEARED[vals["applied_on"]]})
    _checked(env, ids)


def _name(env, rid) -> str:
    row = env.row(ITEM, rid)
    if row.get("categ_id") and row["applied_on"] == "2_product_category":
        return f"Category: {env.display_name('product.category', row['categ_id'])}"
    if row.get("product_tmpl_id") and row["applied_on"] == "1_product":
        return f"Product: {env.display_name('product.template', row['product_tmpl_id'])}"
    if row.get("product_id") and row["applied_on"] == "0_product_variant":
        return f"Variant: {env.display_name('product.product', row['product_id'])}"
    return "All Products"


def item_spec() -> ModelSpec:
    pricelist = lambda fname: (lambda env, m, rid: env.get("product.pricelist", env.row(m, rid)["pricelist_id"], fname))
    return ModelSpec(ITEM, "Pricelist Rule", order=ORDER, display=_name, prepare_create=_prepare,
                     after_create=lambda env, rid, vals: _checked(env, [rid]), after_write=_written, fields={
        "pricelist_id": F.Many2one("product.pricelist", "Pricelist", required=True),
        "company_id": F.Many2one("res.company", "Company", compute=pricelist("company_id"), store=True),
        "currency_id": F.Many2one("res.currency", "Currency", compute=pricelist("currency_id"), store=True),
        "date_start": F.Datetime("Start Date"),
        "date_end": F.Datetime("End Date"),
        "min_quantity": F.Float("Min. Quantity", default=0.0),
        "applied_on": F.Selection(APPLIED_ON, "Apply On", required=True, default="3_global"),
        "categ_id": F.Many2one("product.category", "Product Category"),
        "product_tmpl_id": F.Many2one("product.template", "Product"),
        "product_id": F.Many2one("product.product", "Product Variant"),
        "base": F.Selection([("list_price", "Sales Price"), ("standard_price", "Cost"), ("pricelist", "Other Pricelist")],
                            "Based on", required=True, default="list_price"),
        "base_pricelist_id": F.Many2one("product.pricelist", "Other Pricelist"),
        "compute_price": F.Selection([("fixed", "Fixed Price"), ("percentage", "Discount"), ("formula", "Formula")],
                                     "Compute Price", required=True, default="fixed"),
        "fixed_price": F.Float("Fixed Price"),
        "percent_price": F.Float("Percentage Price"),
        "price_discount": F.Float("Price Discount", default=0.0),
        "price_round": F.Float("Price Rounding"),
        "price_surcharge": F.Float("Price Surcharge"),
        "price_min_margin": F.Float("Min. Price Margin"),
        "price_max_margin": F.Float("Max. Price Margin"),
        "name": F.Char("Name", compute=lambda env, m, rid: _name(env, rid)),
    })


# -- the price a pricelist applies -------------------------------------------------------------------

def _template_of(env, model, rid) -> int:
    return rid if model == "product.template" else env.get("product.product", rid, "product_tmpl_id")


def _applicable(env, item: dict, model: str, rid: int, quantity: float) -> bool:
    """product.pricelist.item._is_applicable_for."""
    if item.get("min_quantity") and quantity < item["min_quantity"]:
        return False
    if item["applied_on"] == "2_product_category":
        category = env.get(model, rid, "categ_id")
        return category == item["categ_id"] or item["categ_id"] in _ancestors(env, category)
    if model == "product.template":
        if item["applied_on"] == "1_product":
            return rid == item["product_tmpl_id"]
        if item["applied_on"] == "0_product_variant":
            variants = env.get(model, rid, "product_variant_ids")
            return len(variants) == 1 and variants[0] == item["product_id"]
        return True
    if item["applied_on"] == "1_product":
        return env.get(model, rid, "product_tmpl_id") == item["product_tmpl_id"]
    if item["applied_on"] == "0_product_variant":
        return rid == item["product_id"]
    return True


def _ancestors(env, category) -> list:
    found = []
    while category:
        category = env.get("product.category", category, "parent_id")
        if category:
            found.append(category)
    return found


def _rules(env, pricelist: int, model: str, rid: int, date: str) -> list:
    """_get_applicable_rules: the pricelist's items for the product's category, template, variant and date."""
    template = _template_of(env, model, rid)
    variants = env.get("product.template", template, "product_variant_ids") if model == "product.template" else [rid]
    category = env.get(model, rid, "categ_id")
    domain = [("pricelist_id", "=", pricelist),
              "|", ("categ_id", "=", False), ("categ_id", "in", [category, *_ancestors(env, category)]),
              "|", ("product_tmpl_id", "=", False), ("product_tmpl_id", "=", template),
              "|", ("product_id", "=", False), ("product_id", "in", variants),
              "|", ("date_start", "=", False), ("date_start", "<=", date),
              "|", ("date_end", "=", False), ("date_end", ">=", date)]
    return env.search(ITEM, domain, order=ORDER, active_test=False)


def _base_price(env, item: dict | None, model: str, rid: int, quantity: float, date: str, currency: int) -> float:
    """_compute_base_price: the sales price, the cost or another pricelist's price, in `currency`."""
    base = (item or {}).get("base") or "list_price"
    company = env.company()
    if base == "pricelist" and item.get("base_pricelist_id"):
        other = item["base_pricelist_id"]
        price, source = pricelist_price(env, other, model, rid, quantity, date), env.get("product.pricelist", other, "currency_id")
    elif base == "standard_price":
        price, source = float(env.get(model, rid, "standard_price") or 0.0), env.get("res.company", company, "currency_id")
    else:
        fname = "lst_price" if model == "product.product" else "list_price"
        price, source = float(env.get(model, rid, fname) or 0.0), env.get("res.company", company, "currency_id")
    return price * currency_rate(env, source, currency, company, date) if source != currency else price


def pricelist_price(env, pricelist: int, model: str, rid: int, quantity: float, date: str | None = None) -> float:
    """product.pricelist._get_product_price for one product (unit: the product's)."""
    date = (date or env.now())[:19]
    currency = env.get("product.pricelist", pricelist, "currency_id") if pricelist else \
        env.get("res.company", env.company(), "currency_id")
    rule = None
    if pricelist:
        rule = next((env.row(ITEM, iid) for iid in _rules(env, pricelist, model, rid, date)
                     if _applicable(env, env.row(ITEM, iid), model, rid, quantity)), None)
    if rule is None:
        return _base_price(env, None, model, rid, quantity, date, currency)
    if rule["compute_price"] == "fixed":
        return float(rule.get("fixed_price") or 0.0)
    base = _base_price(env, rule, model, rid, quantity, date, currency)
    if rule["compute_price"] == "percentage":
        return base - base * (float(rule.get("percent_price") or 0.0) / 100)
    price = base - base * (float(rule.get("price_discount") or 0.0) / 100)
    if rule.get("price_round"):
        price = round(price / rule["price_round"]) * rule["price_round"]
    price += float(rule.get("price_surcharge") or 0.0)
    if rule.get("price_min_margin"):
        price = max(price, base + rule["price_min_margin"])
    if rule.get("price_max_margin"):
        price = min(price, base + rule["price_max_margin"])
    return price


def get_contextual_price(env, model, ids, product=None):
    """product.product / product.template get_contextual_price: the context pricelist's price (ensure_one)."""
    if len(ids) != 1:
        raise errors.value_error(f"Expected singleton: {errors.recordset_repr(model, ids)}")
    rid = ids[0]
    env.row(model, rid)
    pricelist = env.context.get("pricelist") or False
    if pricelist and env.db.row("product.pricelist", pricelist) is None:
        raise errors.record_missing("product.pricelist", [pricelist], env.uid)
    target_model, target = ("product.product", product) if product else (model, rid)
    quantity = float(env.context.get("quantity", 1.0))
    return pricelist_price(env, pricelist, target_model, target, quantity, env.context.get("date"))


def extend(specs: list) -> list:
    """Add the pricelist item model, and get_contextual_price to the products."""
    by_name = {spec.name: spec for spec in specs}
    pricelist = by_name["product.pricelist"]
    pricelist.fields["company_id"].default = lambda env, vals: env.company()  # default=lambda self: self.env.company
    pricelist.display = lambda env, rid: (f"{env.get('product.pricelist', rid, 'name')} "
                                          f"({env.display_name('res.currency', env.get('product.pricelist', rid, 'currency_id'))})")
    for model in ("product.template", "product.product"):
        by_name[model].methods["get_contextual_price"] = get_contextual_price
    return [*specs, item_spec()]
