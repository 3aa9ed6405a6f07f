"""Outbound: canonical records -> Odoo write values, one target per kind of record.

A target names what it takes (its canonical contract), where it writes (model and write-back
operation), who must be the system of record (authority domain and scope) and its default
outbox priority: reservations and stock before orders before catalogue and prices.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sidecar.errors import NotFound
from sidecar.outbound import orders, prices, receipts, stock, tracking


@dataclass(frozen=True)
class Target:
    """One kind of canonical record and how it reaches Odoo."""

    name: str                                   # URL name: POST /v1/sync/<name>
    canonical: str                              # contract of each record, e.g. canonical.order.v1
    model: str                                  # the Odoo model written
    operation: str                              # the write-back operation of its jobs
    domain: str | None                          # authority domain (None: no system of record to check)
    scope: Callable[[dict, str], str]           # record, source -> authority scope
    convert: Callable[[dict, str], dict]        # record, source -> job item ({"ref", ...})
    priority: int                               # default outbox priority (higher first)


TARGETS = {target.name: target for target in (
    Target("stock", "canonical.inventory_position.v1", "stock.quant", "sync_stock", "stock",
           stock.scope, stock.convert, 40),
    Target("orders", "canonical.order.v1", "sale.order", "sync_orders", "orders", orders.scope, orders.convert, 30),
    Target("receipts", "canonical.asn.v1", "purchase.order", "sync_receipts", "receipts",
           receipts.scope, receipts.convert, 20),
    Target("tracking", "canonical.shipment.v1", "stock.picking", "sync_tracking", None,
           tracking.scope, tracking.convert, 20),
    Target("prices", "canonical.price.v1", "product.pricelist.item", "sync_prices", "prices",
           prices.scope, prices.convert, 10),
)}
# Outbox priority of other event types, same scale: reservations first.
PRIORITIES = {"reservations": 50, **{name: target.priority for name, target in TARGETS.items()}}
BY_CANONICAL = {target.canonical: target for target in TARGETS.values()}


def get(name: str) -> Target:
    """The target `name`; 404 listing the known ones."""
    target = TARGETS.get(name)
    if target is None:
        raise NotFound(f"no sync target '{name}'", code="target_not_found", details=[{"known": sorted(TARGETS)}])
    return target


def for_canonical(contract: str) -> Target:
    """The target that writes records of canonical contract `contract` (an adapter's output)."""
    target = BY_CANONICAL.get(contract)
    if target is None:
        raise NotFound(f"no sync target writes {contract} records", code="target_not_found",
                       details=[{"known": sorted(BY_CANONICAL)}])
    return target


def priority(name: str, overrides: dict | None = None) -> int:
    """The outbox priority of a target or event type: configured (SIDECAR_SYNC_PRIORITIES), else the default."""
    return (overrides or {}).get(name, PRIORITIES.get(name, 0))
