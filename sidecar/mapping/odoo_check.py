"""Parsed mappings checked against Odoo and completed with what Odoo holds (one read per model).

A product given by default_code gets its id, every product its unit as Odoo reads it, a unit mapping
Odoo's own factor and rounding, a pack given by its product.packaging that packaging's quantity, a tax
its name (and it must be an active sales tax of the integration user's company).
"""
from __future__ import annotations

from sidecar.odoo import mapping_reads as reads
from sidecar.values import m2o_id

FACTOR_TOLERANCE = 1e-9  # relative: a factor typed with fewer digits than Odoo stores (1/12) still agrees


class Problems(list):
    """(entry index, field, message) collected while checking."""

    def add(self, index: int, field: str, message: str) -> None:
        self.append((index, field, message))


def _product_for(entry: dict, by_id: dict, by_code: dict) -> tuple[dict | None, str | None]:
    """(the Odoo product an entry names, or None with the reason)."""
    product_id, code = entry.get("product_id"), entry.get("default_code")
    if product_id is not None:
        product = by_id.get(product_id)
        if product is None:
            return None, f"Odoo has no product.product {product_id} (or the integration user cannot read it)"
        if code is not None and product.get("default_code") != code:
            return None, (f"product.product {product_id} has default_code '{product.get('default_code') or ''}', "
                          f"not '{code}'")
    else:
        found = by_code.get(code, [])
        if not found:
            return None, f"Odoo has no product with default_code '{code}'"
        if len(found) > 1:
            return None, (f"default_code '{code}' names {len(found)} products in Odoo "
                          f"(ids {', '.join(str(p['id']) for p in found)}): give product_id")
        product = found[0]
    if not product.get("active", True):
        return None, f"product.product {product['id']} ({product.get('display_name')}) is archived in Odoo"
    return product, None


def _on_grid(quantity: float, rounding: float) -> bool:
    """True when `quantity` is a whole number of `rounding` steps (Odoo rounds other quantities)."""
    if not rounding or rounding <= 0:
        return True
    steps = quantity / rounding
    return abs(steps - round(steps)) <= 1e-6 * max(1.0, abs(steps))


def complete(gateway, kind: str, entries: list[dict]) -> tuple[list[dict], Problems]:
    """The rows to store, in entry order, and every problem Odoo's records show."""
    problems = Problems()
    packagings = {}
    if kind == "packs":
        packagings = reads.read_packagings(gateway, [e["packaging_id"] for e in entries if "packaging_id" in e])
    products_by_id, products_by_code = {}, {}
    if kind in ("skus", "packs"):
        ids = [e["product_id"] for e in entries if "product_id" in e]
        ids += [p["product_id"] for p in packagings.values() if p["product_id"]]
        codes = [e["default_code"] for e in entries if "default_code" in e and "product_id" not in e]
        for product in reads.read_products(gateway, ids, codes):
            products_by_id[product["id"]] = product
            if product.get("default_code"):
                products_by_code.setdefault(product["default_code"], []).append(product)
    unit_ids = [e["uom_id"] for e in entries if "uom_id" in e]
    unit_ids += [m2o_id(p["uom_id"]) for p in products_by_id.values() if m2o_id(p["uom_id"])]
    units = reads.read_units(gateway, unit_ids) if unit_ids else {}
    partners = reads.read_partners(gateway, [e["partner_id"] for e in entries if "partner_id" in e]) \
        if kind == "partners" else {}
    taxes = reads.read_taxes(gateway, [e["tax_id"] for e in entries if "tax_id" in e]) if kind == "taxes" else {}
    company = gateway.default_company_id() if kind == "taxes" else None
    rows = []
    for index, entry in enumerate(entries):
        check = {"skus": _sku, "units": _unit, "packs": _pack, "partners": _partner, "taxes": _tax}[kind]
        row = check(index, entry, problems, products_by_id=products_by_id, products_by_code=products_by_code,
                    units=units, packagings=packagings, partners=partners, taxes=taxes, company=company)
        rows.append(row)
    return rows, problems


def _product_unit(index, product, units, problems, field="product_id"):
    uom = units.get(m2o_id(product["uom_id"]))
    if uom is None:  # every product has a unit; an unreadable one is the integration user's rights
        problems.add(index, field, f"the unit of product.product {product['id']} cannot be read in Odoo")
        return None
    return reads.unit_of(uom)


def _sku(index, entry, problems, *, products_by_id, products_by_code, units, **_):
    product, why = _product_for(entry, products_by_id, products_by_code)
    if product is None:
        problems.add(index, "product_id" if "product_id" in entry else "default_code", why)
        return None
    uom = _product_unit(index, product, units, problems)
    return uom and {"source": entry["source"], "sku": entry["sku"], "product_id": product["id"],
                    "default_code": product.get("default_code") or None, "uom": uom}


def _unit(index, entry, problems, *, units, **_):
    uom = units.get(entry["uom_id"])
    if uom is None:
        problems.add(index, "uom_id", f"Odoo has no uom.uom {entry['uom_id']}")
        return None
    if not uom.get("active", True):
        problems.add(index, "uom_id", f"uom.uom {uom['id']} ({uom['name']}) is archived in Odoo")
        return None
    factor = entry.get("factor")
    if factor is not None and abs(factor - uom["factor"]) > FACTOR_TOLERANCE * max(abs(uom["factor"]), 1e-12):
        problems.add(index, "factor", f"Odoo's factor of uom.uom {uom['id']} ({uom['name']}) is {uom['factor']!r}, "
                                      f"not {factor!r}: a unit mapping keeps Odoo's factor")
        return None
    return {"source": entry["source"], "unit": entry["unit"], "uom_id": uom["id"], "uom": reads.unit_of(uom)}


def _pack(index, entry, problems, *, products_by_id, products_by_code, units, packagings, **_):
    packaging = None
    if "packaging_id" in entry:
        packaging = packagings.get(entry["packaging_id"])
        if packaging is None:
            problems.add(index, "packaging_id", f"Odoo has no product.packaging {entry['packaging_id']}")
            return None
        if "product_id" not in entry and "default_code" not in entry:
            entry = {**entry, "product_id": packaging["product_id"]}
    product, why = _product_for(entry, products_by_id, products_by_code)
    if product is None:
        problems.add(index, "product_id" if "product_id" in entry else "default_code", why)
        return None
    quantity = entry.get("quantity")
    if packaging is not None:
        if packaging["product_id"] != product["id"]:
            problems.add(index, "packaging_id", f"product.packaging {packaging['id']} ({packaging['name']}) is a "
                                                f"packaging of product {packaging['product_id']}, not {product['id']}")
            return None
        if quantity is not None and abs(quantity - packaging["qty"]) > 1e-9 * max(1.0, quantity):
            problems.add(index, "quantity", f"product.packaging {packaging['id']} ({packaging['name']}) holds "
                                            f"{packaging['qty']:g}, not {quantity:g}")
            return None
        quantity = packaging["qty"]
    uom = _product_unit(index, product, units, problems)
    if uom is None:
        return None
    if not _on_grid(quantity, uom["rounding"]):
        problems.add(index, "quantity", f"{quantity:g} is not a whole number of {uom['name']} (product "
                                        f"{product['id']}'s unit, rounding {uom['rounding']:g}); a pack is "
                                        f"counted in the product's own unit")
        return None
    return {"source": entry["source"], "unit": entry["unit"], "product_id": product["id"], "quantity": quantity,
            "packaging_id": packaging["id"] if packaging else None,
            "default_code": product.get("default_code") or None, "uom": uom}


def _partner(index, entry, problems, *, partners, **_):
    partner = partners.get(entry["partner_id"])
    if partner is None:
        problems.add(index, "partner_id", f"Odoo has no res.partner {entry['partner_id']} "
                                          f"(or the integration user cannot read it)")
        return None
    if not partner.get("active", True):
        problems.add(index, "partner_id", f"res.partner {partner['id']} ({partner['display_name']}) is archived")
        return None
    return {"source": entry["source"], "external_id": entry["external_id"], "partner_id": partner["id"],
            "name": (partner.get("display_name") or "")[:255] or None}


def _tax(index, entry, problems, *, taxes, company, **_):
    tax = taxes.get(entry["tax_id"])
    why = reads.unusable_tax(tax, entry["tax_id"], company)
    if why:
        problems.add(index, "tax_id", why)
        return None
    return {"source": entry["source"], "rate": entry["rate"], "tax_id": tax["id"],
            "name": (tax.get("name") or "")[:255] or None}
