"""Reads of drift reconciliation: what Odoo holds for a snapshot's products, one search_read per model.

Stock: stock.quant of the products in the warehouses (`warehouse_id`, related to the location's warehouse) or
the exact locations the snapshot names. Prices: the products' sales price and template, pricelist items of the
pricelists on the products (a variant's own, or its template's: `applied_on` 0_product_variant / 1_product),
vendor prices (product.supplierinfo) of the vendors named.
"""
from __future__ import annotations

from sidecar.odoo.gateway import OdooGateway

QUANT_FIELDS = ["product_id", "location_id", "lot_id", "quantity", "reserved_quantity", "warehouse_id"]
ITEM_FIELDS = ["pricelist_id", "product_id", "product_tmpl_id", "applied_on", "compute_price", "fixed_price",
               "min_quantity", "date_start", "date_end"]
SUPPLIER_FIELDS = ["partner_id", "product_id", "product_tmpl_id", "min_qty", "price", "date_start", "date_end"]


def quants(gateway: OdooGateway, product_ids, warehouse_ids, location_ids) -> list[dict]:
    """The quants of these products in these warehouses or locations (one search_read)."""
    where = [("warehouse_id", "in", sorted(warehouse_ids))] if warehouse_ids else []
    if location_ids:
        where = (["|"] if where else []) + where + [("location_id", "in", sorted(location_ids))]
    return gateway.search_read("stock.quant", [("product_id", "in", sorted(product_ids)), *where], QUANT_FIELDS,
                               order="id", context=gateway._across_companies())


def products(gateway: OdooGateway, product_ids) -> list[dict]:
    """The products' template and sales price (one search_read)."""
    return gateway.search_read("product.product", [("id", "in", sorted(product_ids))],
                               ["product_tmpl_id", "lst_price"], context={**(gateway._across_companies() or {}),
                                                                          "active_test": False})


def pricelists_named(gateway: OdooGateway, names) -> list[dict]:
    """Pricelists by name (one search_read)."""
    return gateway.search_read("product.pricelist", [("name", "in", sorted(names))], ["name"],
                               context=gateway._across_companies())


def pricelist_items(gateway: OdooGateway, pricelist_ids, product_ids, template_ids) -> list[dict]:
    """Items of these pricelists on these variants or their templates (one search_read)."""
    domain = [("pricelist_id", "in", sorted(pricelist_ids)), "|",
              "&", ("applied_on", "=", "0_product_variant"), ("product_id", "in", sorted(product_ids)),
              "&", ("applied_on", "=", "1_product"), ("product_tmpl_id", "in", sorted(template_ids))]
    return gateway.search_read("product.pricelist.item", domain, ITEM_FIELDS, order="id",
                               context=gateway._across_companies())


def vendor_prices(gateway: OdooGateway, partner_ids, product_ids, template_ids) -> list[dict]:
    """Vendor prices of these vendors on these variants or their templates (one search_read)."""
    domain = [("partner_id", "in", sorted(partner_ids)), "|", ("product_id", "in", sorted(product_ids)),
              "&", ("product_id", "=", False), ("product_tmpl_id", "in", sorted(template_ids))]
    return gateway.search_read("product.supplierinfo", domain, SUPPLIER_FIELDS, order="id",
                               context=gateway._across_companies())
