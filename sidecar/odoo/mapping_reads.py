"""What a mapping must find in Odoo before it is stored: products, units, packagings, partners, taxes.

One call per model, whatever the number of rows checked. Archived records are read too (so a mapping
to one is refused as archived, not as missing). Odoo 17 facts relied on:
- `uom.uom` (uom/models/uom_uom.py): `factor` is how many of this unit make one reference unit of its
  `category_id`; a quantity converts only within one category. Every internal user reads units
  (uom/security/ir.model.access.csv).
- `product.product.uom_id` is its template's unit; `default_code` is not unique in Odoo.
- `product.packaging` (product/models/product_packaging.py): `qty` is in its product's unit
  (`product_uom_id` is related to `product_id.uom_id`); internal users read it.
"""
from __future__ import annotations

from sidecar.odoo.gateway import OdooGateway
from sidecar.values import m2o_id

PRODUCT, UOM, PACKAGING, PARTNER, TAX = "product.product", "uom.uom", "product.packaging", "res.partner", "account.tax"
# What makes an account.tax one a synced order line may carry: a sales tax, active, of the company the
# integration user creates orders in (account/models/account_tax.py; sale_order_line's tax_id domain).
TAX_FIELDS = ["name", "amount", "type_tax_use", "active", "company_id"]
UOM_FIELDS = ["name", "category_id", "factor", "rounding", "active"]
UNIT_KEYS = ("id", "name", "category_id", "factor", "rounding")  # what a Mapper's unit holds


def _everywhere(gateway: OdooGateway) -> dict:
    """Archived records too, in every company of the integration user."""
    return {**(gateway._across_companies() or {}), "active_test": False}


def _by_ids(gateway: OdooGateway, model: str, ids: list[int], fields: list[str]) -> list[dict]:
    # search_read, not read: an id that is missing or out of reach is left out instead of failing the call
    if not ids:
        return []
    return gateway.search_read(model, [("id", "in", sorted(set(ids)))], fields, context=_everywhere(gateway))


def unit_of(row: dict) -> dict:
    """A uom.uom as a mapping keeps it: id, name, category [id, name], factor, rounding."""
    return {key: (list(row[key]) if key == "category_id" else row[key]) for key in UNIT_KEYS}


def read_products(gateway: OdooGateway, ids: list[int], codes: list[str]) -> list[dict]:
    """Products by id or default_code (archived included): id, default_code, active, uom_id, display_name."""
    if not ids and not codes:
        return []
    domain = ["|", ("id", "in", sorted(set(ids))), ("default_code", "in", sorted(set(codes)))]
    return gateway.search_read(PRODUCT, domain, ["default_code", "uom_id", "active", "display_name"],
                               context=_everywhere(gateway))


def read_units(gateway: OdooGateway, ids: list[int]) -> dict[int, dict]:
    """uom.uom records by id (archived included), with `active`."""
    rows = _by_ids(gateway, UOM, ids, UOM_FIELDS)
    return {row["id"]: row for row in rows}


def read_packagings(gateway: OdooGateway, ids: list[int]) -> dict[int, dict]:
    """product.packaging records by id: name, product_id (an id), qty in the product's unit."""
    rows = _by_ids(gateway, PACKAGING, ids, ["name", "product_id", "qty"])
    return {row["id"]: {**row, "product_id": m2o_id(row["product_id"])} for row in rows}


def read_partners(gateway: OdooGateway, ids: list[int]) -> dict[int, dict]:
    """res.partner records by id (archived included): display_name, active."""
    rows = _by_ids(gateway, PARTNER, ids, ["display_name", "active"])
    return {row["id"]: row for row in rows}


def read_taxes(gateway: OdooGateway, ids: list[int]) -> dict[int, dict]:
    """account.tax records by id (archived included): name, amount, type_tax_use, active, company_id."""
    rows = _by_ids(gateway, TAX, ids, TAX_FIELDS)
    return {row["id"]: row for row in rows}


def unusable_tax(row: dict | None, tax_id: int, company_id: int | None) -> str | None:
    """Why account.tax `tax_id` (as read, or None) cannot be a synced order line's tax; None when it can."""
    if row is None:
        return f"Odoo has no account.tax {tax_id} (or the integration user cannot read it)"
    label = f"account.tax {tax_id} ({row.get('name')})"
    if not row.get("active", True):
        return f"{label} is archived in Odoo"
    if row.get("type_tax_use") != "sale":
        return f"{label} is not a sales tax (type_tax_use {row.get('type_tax_use')!r})"
    if company_id and m2o_id(row.get("company_id")) != company_id:
        return f"{label} belongs to another company than the one orders are created in"
    return None
