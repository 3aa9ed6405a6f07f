"""Batched Odoo calls: many records in few RPCs, through the gateway.

Reads take every id or key at once (`search_read` with an `in` domain); creates send a list of
values per call (Odoo's `create` is `model_create_multi`), CHUNK records at a time; writes go once
per group of records that receive the same values. N records of one model therefore cost one
read plus ceil(N / CHUNK) creates or one write per distinct value.
"""
from __future__ import annotations

import json
from collections import defaultdict

from sidecar.odoo.gateway import OdooGateway

CHUNK = 100  # records per create call: Odoo creates them in one transaction, one call each chunk


def find_by(gateway: OdooGateway, model: str, field: str, keys, fields: list[str], extra: list | None = None,
            context: dict | None = None) -> dict:
    """Records of `model` whose `field` is one of `keys`, by that value (the first, lowest id, wins), in one call."""
    keys = sorted({key for key in keys if key not in (None, False, "")}, key=str)
    if not keys:
        return {}
    rows = gateway.search_read(model, [(field, "in", keys), *(extra or [])], sorted({field, *fields}),
                               order="id", context=context)
    found: dict = {}
    for row in rows:
        value = row[field][0] if isinstance(row[field], (list, tuple)) else row[field]
        found.setdefault(value, row)
    return found


def read_many(gateway: OdooGateway, model: str, domain: list, fields: list[str],
              context: dict | None = None) -> list[dict]:
    """Every record of `model` matching `domain` (an `in` over all the batch's ids), in one call."""
    return gateway.search_read(model, domain, fields, order="id", context=context)


def create_many(gateway: OdooGateway, model: str, vals_list: list[dict], context: dict | None = None) -> list[int]:
    """Create the records with a list of values per call (CHUNK each); their ids, in order."""
    ids: list[int] = []
    kwargs = {"context": context} if context else {}
    for start in range(0, len(vals_list), CHUNK):
        created = gateway.execute(model, "create", vals_list[start:start + CHUNK], **kwargs)
        ids.extend(created if isinstance(created, list) else [created])
    return ids


def write_grouped(gateway: OdooGateway, model: str, values_by_id: dict[int, dict],
                  context: dict | None = None) -> int:
    """Write each record its values, one `write` per group sharing the same values; how many writes were sent."""
    groups: dict[str, list[int]] = defaultdict(list)
    for record_id, values in values_by_id.items():
        groups[json.dumps(values, sort_keys=True, default=str)].append(record_id)
    kwargs = {"context": context} if context else {}
    for frozen, ids in groups.items():
        gateway.execute(model, "write", sorted(ids), json.loads(frozen), **kwargs)
    return len(groups)


def call(gateway: OdooGateway, model: str, method: str, ids: list[int], context: dict | None = None):
    """A record method on every id at once (e.g. action_apply_inventory)."""
    kwargs = {"context": context} if context else {}
    return gateway.execute(model, method, sorted(ids), **kwargs)
