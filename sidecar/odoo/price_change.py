"""Reads and the write-back of the price-change flow: a product, a pricelist, the price Odoo applies, the item we write.

Odoo 17 (product/models/product_pricelist.py, product_pricelist_item.py): a pricelist's price for a
product comes from its first applicable item in the order `applied_on, min_quantity desc, categ_id
desc, id desc` (a variant's item before a template's, before a category's, before a global one; the
newest first among equals) whose window holds the date (`date_start <= date <= date_end`, either may
be empty) and whose `min_quantity` the quantity reaches; without one it is the product's sales
price. The computing methods (`_get_product_price`, `_compute_price_rule`) are private: over RPC the
public `get_contextual_price` of product.product / product.template gives that price for the
context's `pricelist`, `quantity` and `date`.
"""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, STATE_CONFLICT, VALIDATION, OdooError
from sidecar.odoo.gateway import OdooGateway, company_context
from sidecar.values import m2o_id

PRODUCT_TEMPLATE = "product.template"
PRODUCT = "product.product"
PRICELIST = "product.pricelist"
PRICELIST_ITEM = "product.pricelist.item"
TEMPLATE_ITEM, VARIANT_ITEM = "1_product", "0_product_variant"  # applied_on
CURRENCY = {"fields": {"name": {}, "decimal_places": {}}}
# One web_read of the template in the pricelist's company (standard_price is company-dependent):
# its category, sales price and every variant with its own cost, sales price and cost currency.
TEMPLATE_SPEC = {
    "display_name": {}, "sale_ok": {}, "active": {}, "list_price": {}, "write_date": {}, "company_id": {},
    "categ_id": {"fields": {"display_name": {}}},
    "product_variant_ids": {"fields": {"display_name": {}, "standard_price": {}, "lst_price": {},
                                       "cost_currency_id": CURRENCY}},
}
PRICELIST_SPEC = {"display_name": {}, "active": {}, "company_id": {}, "currency_id": CURRENCY}
ITEM_FIELDS = ["pricelist_id", "applied_on", "product_tmpl_id", "product_id", "compute_price", "fixed_price",
               "min_quantity", "date_start", "date_end", "create_uid"]
LOGIN = ["login"]


def read_pricelist(gateway: OdooGateway, pricelist_id: int) -> dict | None:
    """The pricelist (currency, company) as the integration user sees it in any of its companies; None when missing."""
    rows = gateway.web_read(PRICELIST, [pricelist_id], PRICELIST_SPEC, context=gateway._across_companies())
    return rows[0] if rows else None


def _template(gateway: OdooGateway, tmpl_id: int, company_id: int | None) -> dict:
    context = company_context(company_id) or gateway._across_companies()
    rows = gateway.web_read(PRODUCT_TEMPLATE, [tmpl_id], TEMPLATE_SPEC, context=context)
    if not rows:
        raise OdooError(RECORD_MISSING, f"{PRODUCT_TEMPLATE} {tmpl_id} does not exist")
    return rows[0]


def price_context(pricelist_id: int, quantity: float, company_id: int | None, date: str | None = None) -> dict:
    """What get_contextual_price reads: the pricelist, the quantity, the date (default now), the company."""
    context = {"pricelist": pricelist_id, "quantity": max(float(quantity or 0), 1.0),
               **(company_context(company_id) or {})}
    return {**context, "date": date} if date else context


def applied_price(gateway: OdooGateway, tmpl_id: int, product_id: int | None, context: dict) -> float:
    """The unit price Odoo applies for the variant (or the template) on the context's pricelist."""
    if product_id:
        return gateway.execute(PRODUCT, "get_contextual_price", [product_id], context=context)
    return gateway.execute(PRODUCT_TEMPLATE, "get_contextual_price", [tmpl_id], context=context)


def _product_domain(tmpl_id: int, product_id: int | None) -> list:
    if product_id:
        return [("applied_on", "=", VARIANT_ITEM), ("product_id", "=", product_id)]
    return [("applied_on", "=", TEMPLATE_ITEM), ("product_tmpl_id", "=", tmpl_id)]


def read_price_bundle(gateway: OdooGateway, tmpl_id: int, ask: dict) -> dict:
    """Everything the price-change policy needs, as Odoo answers it (four or five calls, one per question).

    The pricelist first (its company is where the cost is read and the price computed), then the
    template with its variants, the price Odoo applies now for the asked quantity, the items this
    product already has on the pricelist, and the proposer's user when the ask names a login.
    """
    pricelist = read_pricelist(gateway, ask["pricelist_id"])
    company_id = m2o_id((pricelist or {}).get("company_id"))
    template = _template(gateway, tmpl_id, company_id)
    bundle = {"pricelist": pricelist, "template": template, "company_id": company_id, "current_price": None,
              "items": [], "proposer": None}
    if pricelist is None:
        return bundle
    variants = [v["id"] for v in template.get("product_variant_ids") or []]
    product_id = ask.get("product_id")
    if product_id and product_id not in variants:
        return bundle  # not a variant of this template: the facts say so, nothing is priced
    context = price_context(ask["pricelist_id"], ask.get("min_quantity") or 0, company_id)
    bundle["current_price"] = applied_price(gateway, tmpl_id, product_id, context)
    bundle["items"] = gateway.search_read(
        PRICELIST_ITEM, [("pricelist_id", "=", ask["pricelist_id"]), "|", ("product_tmpl_id", "=", tmpl_id),
                         ("product_id", "in", variants)], ITEM_FIELDS, context=company_context(company_id))
    if ask.get("proposed_by"):
        found = gateway.search_read("res.users", [("login", "=", ask["proposed_by"])], LOGIN, limit=1)
        bundle["proposer"] = found[0] if found else None
    return bundle


# -- write-back -------------------------------------------------------------------------------------

def _ask(payload: dict) -> dict:
    for key in ("order_id", "pricelist_id", "fixed_price", "date_start", "ref"):
        if payload.get(key) in (None, ""):
            raise OdooError(VALIDATION, f"write-back payload lacks {key}")
    return payload


def _same_price(a, b, decimals: int) -> bool:
    return isinstance(a, (int, float)) and abs(float(a) - float(b)) < 0.5 * 10 ** -decimals


def find_item(gateway: OdooGateway, payload: dict) -> dict | None:
    """Our item: on the pricelist, for the product, with the window, quantity and fixed price the payload asks."""
    domain = [("pricelist_id", "=", payload["pricelist_id"]),
              *_product_domain(payload["order_id"], payload.get("product_id")),
              ("compute_price", "=", "fixed"), ("min_quantity", "=", float(payload.get("min_quantity") or 0)),
              ("date_start", "=", payload["date_start"]), ("date_end", "=", payload.get("date_end") or False)]
    rows = gateway.search_read(PRICELIST_ITEM, domain, ITEM_FIELDS, order="id desc",
                               context={**(company_context(payload.get("company_id")) or {}), "active_test": False})
    decimals = int(payload.get("currency_decimals", 2))
    return next((row for row in rows if _same_price(row["fixed_price"], payload["fixed_price"], decimals)), None)


def _cost_now(gateway: OdooGateway, payload: dict) -> float | None:
    template = _template(gateway, payload["order_id"], payload.get("company_id"))
    variants = template.get("product_variant_ids") or []
    wanted = payload.get("product_id") or (variants[0]["id"] if len(variants) == 1 else None)
    return next((v.get("standard_price") for v in variants if v["id"] == wanted), None)


def write_price(gateway: OdooGateway, payload: dict) -> dict:
    """Write the approved price as a pricelist item (fixed price, window, min quantity), once.

    A replay finds the item it wrote (same pricelist, product, window, quantity and price) and does
    nothing. The cost the decision saw must still be the product's: a margin decided on another cost
    is not written (a conflict for a person: propose the price again).
    """
    _ask(payload)
    existing = find_item(gateway, payload)
    if existing:
        return {"effect": "already_done", "order_id": payload["order_id"], "item_id": existing["id"]}
    decided = (payload.get("decided_on") or {}).get("cost")
    if decided is not None:
        cost = _cost_now(gateway, payload)
        if cost is None or abs(float(cost) - float(decided)) > 1e-9:
            raise OdooError(STATE_CONFLICT, f"{PRODUCT_TEMPLATE} {payload['order_id']}: the cost changed since the "
                            f"decision ({decided} -> {cost}); the price was not written, propose it again",
                            retryable=False)
    product_id = payload.get("product_id")
    values = {"pricelist_id": payload["pricelist_id"], "applied_on": VARIANT_ITEM if product_id else TEMPLATE_ITEM,
              "product_tmpl_id": payload["order_id"], "compute_price": "fixed",
              "fixed_price": float(payload["fixed_price"]), "min_quantity": float(payload.get("min_quantity") or 0),
              "date_start": payload["date_start"], "date_end": payload.get("date_end") or False}
    if product_id:
        values["product_id"] = product_id
    item_id = gateway.execute(PRICELIST_ITEM, "create", values, context=company_context(payload.get("company_id")) or {})
    return {"effect": "applied", "order_id": payload["order_id"], "item_id": item_id}


def read_back(gateway: OdooGateway, item_id: int, ask: dict, company_id: int | None) -> dict:
    """The item as Odoo has it now (None when deleted) and the price Odoo applies at the window's start."""
    rows = gateway.search_read(PRICELIST_ITEM, [("id", "=", item_id)], ITEM_FIELDS, limit=1,
                               context={**(company_context(company_id) or {}), "active_test": False})
    context = price_context(ask["pricelist_id"], ask.get("min_quantity") or 0, company_id, date=ask["date_start"])
    price = applied_price(gateway, ask["product_tmpl_id"], ask.get("product_id"), context)
    return {"item": rows[0] if rows else None, "price_at_start": price}


OPERATIONS = {"write_price": write_price}
RPC_COUNT = {"write_price": 3}
