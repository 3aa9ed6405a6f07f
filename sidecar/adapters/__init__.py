"""Adapters: another system's payload in, the canonical model out, one answer per record.

An adapter splits a body into raw records, then converts each one on its own: a record that
cannot be converted (bad value, unmapped SKU) is rejected with its reason while the others go
through. Converting is pure: it reads the `Mapper` it is given and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sidecar import contracts
from sidecar.errors import InvalidPayload, NotFound, SidecarError
from sidecar.mapping.resolver import Mapper


@dataclass(frozen=True)
class Adapter:
    """One inbound shape: how to split a body into records and convert each to the canonical model."""

    name: str                 # URL name, e.g. "shop-order"
    canonical: str            # contract of each output record, e.g. "canonical.order.v1"
    description: str
    media_types: tuple[str, ...]                      # accepted Content-Types (first is the usual one)
    split: Callable[[bytes, str], list[Any]]          # body, media type -> raw records; InvalidPayload if unreadable
    convert: Callable[[Any, Mapper, str], dict]       # raw record, mapper, source -> canonical record
    ref: Callable[[Any], str | None] = lambda raw: None  # the record's own id in its system, for answers


ADAPTERS: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    """Add an adapter to the registry (module import time)."""
    ADAPTERS[adapter.name] = adapter
    return adapter


def get(name: str) -> Adapter:
    """The adapter named `name`; 404 listing the known ones otherwise."""
    adapter = ADAPTERS.get(name)
    if adapter is None:
        raise NotFound(f"no adapter '{name}'", details=[{"known": sorted(ADAPTERS)}])
    return adapter


def transform(name: str, body: bytes, media_type: str, mapper: Mapper, source: str) -> dict:
    """Every record of `body` converted, or rejected with its reason; nothing else happens."""
    adapter = get(name)
    records, rejected = [], []
    for index, raw in enumerate(adapter.split(body, media_type)):
        ref = _safe_ref(adapter, raw)
        try:
            record = adapter.convert(raw, mapper, source)
            contracts.validate(adapter.canonical, record, prefix=f"/records/{index}")
        except SidecarError as err:
            if err.status >= 500:
                raise
            rejected.append({"index": index, "ref": ref, "error": {
                "code": err.code, "message": err.message, "details": err.details}})
            continue
        records.append({"index": index, "ref": ref, "record": record})
    return {"adapter": name, "model": adapter.canonical, "source": source,
            "records": records, "rejected": rejected}


def _safe_ref(adapter: Adapter, raw) -> str | None:
    try:
        ref = adapter.ref(raw)
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    return None if ref is None else str(ref)[:255]


__all__ = ["Adapter", "ADAPTERS", "InvalidPayload", "get", "register", "transform"]

# The inbound adapters register themselves on import (after the registry above exists).
from sidecar.adapters import (carrier_tracking, pos_sales, shop_order, supplier_asn, supplier_asn_csv,  # noqa: E402,F401
                              supplier_pricelist, wms_stock)
