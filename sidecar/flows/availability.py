"""The channel availability feed: available-to-promise per channel and product, from Odoo's own free quantity.

For each warehouse a channel sells from, Odoo computes `free_qty` (on hand less reserved, under the warehouse's
view location) in one read of every product; a channel's free stock is the sum over its warehouses, less its
safety buffer (units and/or percent, never below zero). The SKU is the one the channel's cross-references give
the product, when there is one.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sidecar import contracts
from sidecar.errors import DependencyDown, NotFound, PolicyInvalid
from sidecar.mapping.service import load_mapper
from sidecar.odoo import availability as odoo_stock
from sidecar.odoo.errors import OdooError
from sidecar.values import m2o_id

DEFAULT_LIMIT = 200


def channel_skus(mapper, channel: str) -> dict[int, str]:
    """product id -> the SKU `channel` knows it by (its own cross-reference first, then one for every source)."""
    if mapper is None:
        return {}
    found: dict[int, str] = {}
    for (source, sku), ref in sorted(mapper.skus.items(), key=lambda item: item[0][0] != channel):
        if source in (channel, "*"):
            found.setdefault(ref.product_id, sku)
    return found


def _channels(services, names) -> list:
    configured = services.settings.channels
    if not configured:
        raise PolicyInvalid("no sales channel is configured (SIDECAR_CHANNELS)", code="channels_not_configured")
    unknown = [name for name in names or () if name not in configured]
    if unknown:
        raise NotFound(f"unknown channel {unknown[0]}", code="channel_not_found",
                       details=[{"pointer": "/channels", "message": f"known: {', '.join(sorted(configured))}"}])
    return [configured[name] for name in (names or sorted(configured))]


def _warehouses(gateway, channels) -> dict[str, dict]:
    codes = sorted({code for channel in channels for code in channel.warehouses})
    found: dict[str, list] = {}
    for row in odoo_stock.warehouses(gateway, codes):
        found.setdefault(row["code"], []).append(row)
    missing = [code for code in codes if code not in found]
    twice = [code for code in codes if len(found.get(code, ())) > 1]
    if missing or twice:
        problem = (f"Odoo has no warehouse with code {missing[0]}" if missing
                   else f"warehouse code {twice[0]} names a warehouse in several companies")
        raise PolicyInvalid(f"SIDECAR_CHANNELS: {problem}", code="warehouse_not_found" if missing else
                            "warehouse_ambiguous", details=[{"pointer": "SIDECAR_CHANNELS", "message": problem}])
    return {code: rows[0] for code, rows in found.items()}


def availability(services, body: dict) -> dict:
    """Available-to-promise of each product for each channel asked (one Odoo read per warehouse)."""
    contracts.validate("availability_request.v1", body)
    channels = _channels(services, body.get("channels"))
    product_ids = body.get("product_ids")
    try:
        warehouses = _warehouses(services.odoo, channels)
        by_warehouse = {code: {row["id"]: row for row in odoo_stock.quantities_in(
            services.odoo, warehouse, product_ids, limit=0 if product_ids else body.get("limit", DEFAULT_LIMIT))}
            for code, warehouse in warehouses.items()}
    except OdooError as err:
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category) from err
    products = next(iter(by_warehouse.values()), {})
    answer = {"as_of": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "channels": [],
              "unknown_products": sorted(set(product_ids or ()) - set(products))}
    for channel in channels:
        skus = channel_skus(load_mapper(services, channel.name), channel.name)  # one store read per table
        items = []
        for product_id, product in sorted(products.items()):
            per_warehouse = [{"code": code, "id": warehouses[code]["id"],
                              "free_qty": by_warehouse[code].get(product_id, {}).get("free_qty", 0.0),
                              "qty_available": by_warehouse[code].get(product_id, {}).get("qty_available", 0.0)}
                             for code in channel.warehouses]
            free = round(sum(w["free_qty"] for w in per_warehouse), 6)
            items.append({"product_id": product_id, "sku": skus.get(product_id),
                          "default_code": product.get("default_code") or None, "name": product["display_name"],
                          "uom": {"id": m2o_id(product["uom_id"]), "name": product["uom_id"][1]},
                          "free_qty": free, "buffer": channel.buffer(free),
                          "available_to_promise": channel.promise(free), "warehouses": per_warehouse})
        answer["channels"].append({"channel": channel.name, "warehouses": list(channel.warehouses),
                                   "buffer": {"units": channel.buffer_units, "percent": channel.buffer_percent},
                                   "items": items})
    return answer
