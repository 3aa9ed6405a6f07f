"""Stock reads of the stock room: warehouses by code, products, and quantities as Odoo computes them per warehouse.

Odoo 17 computes `qty_available` / `free_qty` of product.product for the locations its context names
(stock/models/product.py `_get_domain_locations`): `warehouse` (an id, a name, or a list of them) means every
location under the warehouse's view location; `location` narrows to that location and its children (within
the warehouse when both are given); neither means every warehouse of the allowed companies. `free_qty` is
`quantity - reserved_quantity` of those quants, rounded to the product's unit. One search_read per warehouse
reads every product at once.
"""
from __future__ import annotations

from sidecar.odoo.gateway import OdooGateway

WAREHOUSE = "stock.warehouse"
PRODUCT = "product.product"
WAREHOUSE_FIELDS = ["code", "name", "company_id", "view_location_id", "lot_stock_id"]
QUANTITY_FIELDS = ["display_name", "default_code", "uom_id", "qty_available", "free_qty"]


def warehouses(gateway: OdooGateway, codes) -> list[dict]:
    """The warehouses with these codes, in every company of the integration user (one search_read)."""
    return gateway.search_read(WAREHOUSE, [("code", "in", sorted(set(codes)))], WAREHOUSE_FIELDS, order="id",
                               context=gateway._across_companies())


def products(gateway: OdooGateway, product_ids) -> list[dict]:
    """The active products among these ids, with their code and unit (one search_read)."""
    return gateway.search_read(PRODUCT, [("id", "in", sorted(set(product_ids)))],
                               ["display_name", "default_code", "uom_id"], context=gateway._across_companies())


def quantities_in(gateway: OdooGateway, warehouse: dict, product_ids=None, limit: int = 0) -> list[dict]:
    """On hand and free quantity of each product in `warehouse` as Odoo computes them (one search_read).

    Without `product_ids`: the storable products (type product), by id, at most `limit`.
    """
    domain = [("id", "in", sorted(set(product_ids)))] if product_ids is not None else [("type", "=", "product")]
    context = {**(gateway._across_companies() or {}), "warehouse": warehouse["id"]}
    return gateway.search_read(PRODUCT, domain, QUANTITY_FIELDS, limit=limit, order="id", context=context)
