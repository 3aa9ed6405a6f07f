"""``order`` strings (``"date_order desc, id desc"``): parsing and sorting.

Empty values sort as PostgreSQL does by default: last when ascending, first
when descending.  A many2one sorts by the target model's own order (its
``_order``, joined as Odoo does), reversed as a whole when descending.
"""
from __future__ import annotations

from functools import cmp_to_key

from . import errors


def parse(registry, model: str, order: str | None) -> list:
    """``[(field name, descending), ...]``."""
    spec = registry[model]
    text = order or spec.order or "id"
    terms = []
    for chunk in text.split(","):
        words = chunk.strip().split()
        if not words:
            continue
        fname = words[0].strip('"')
        direction = words[1].lower() if len(words) > 1 else "asc"
        if direction not in ("asc", "desc"):
            raise errors.value_error(f"Invalid order {text!r} for model {model!r}")
        if registry.field(model, fname) is None:
            raise errors.value_error(f"Invalid field {fname!r} on model {model!r}")
        terms.append((fname, direction == "desc"))
    if not any(fname == "id" for fname, _desc in terms):
        terms.append(("id", False))
    return terms


def sort_ids(env, model: str, ids: list, order: str | None) -> list:
    terms = parse(env.registry, model, order)
    keys = {rid: [_key(env, model, rid, fname) for fname, _desc in terms] for rid in ids}

    def compare(a, b):
        for index, (_fname, desc) in enumerate(terms):
            result = _cmp(keys[a][index], keys[b][index])
            if result:
                return -result if desc else result
        return 0

    return sorted(ids, key=cmp_to_key(compare))


class _Composite(tuple):
    """A many2one's sort key: the target's ``(key, descending)`` pairs in its model's order."""

    def compare(self, other) -> int:
        for (mine, desc), (theirs, _desc) in zip(self, other):
            result = _cmp(mine, theirs)
            if result:
                return -result if desc else result
        return 0


def _key(env, model, rid, fname, depth: int = 0):
    fdef = env.registry.field(model, fname)
    value = env.get(model, rid, fname)
    if fdef.type == "many2one":
        if not value or fdef.relation not in env.registry:
            return None
        if depth > 3:  # Odoo stops at a cycle of many2one orders; ids keep the result deterministic
            return value
        terms = parse(env.registry, fdef.relation, None)
        return _Composite((_key(env, fdef.relation, value, name, depth + 1), desc) for name, desc in terms)
    if fdef.type in ("one2many", "many2many"):
        value = None
    elif value is False and fdef.type != "boolean":
        value = None
    if isinstance(value, str):
        value = value.lower() if fdef.type in ("char", "text") else value
    return value


def _cmp(a, b) -> int:
    if a is None and b is None:
        return 0
    if a is None:
        return 1
    if b is None:
        return -1
    if isinstance(a, _Composite) and isinstance(b, _Composite):
        return a.compare(b)
    try:
        return (a > b) - (a < b)
    except TypeError:
        return (str(a) > str(b)) - (str(a) < str(b))
