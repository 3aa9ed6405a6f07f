"""The web client's read methods every model answers in Odoo 17 (``addons/web/models/models.py``):
``web_read(specification)`` reads records with their related records in one call, and
``web_search_read`` searches, then does the same.

A specification maps field names to ``{}`` or to ``{"fields": {...}, "context": {...}}`` (x2many:
also ``"order"`` and ``"limit"``).  As in Odoo: the records are read as ``read(load=None)`` does
(many2one as a bare id, x2many as ids); a many2one with ``fields`` becomes a dict with its id and
those fields (``display_name`` computed as the superuser), an x2many with ``fields`` a list of
dicts; every model reached is read with the caller's access rights, record rules and field groups
(a read of ids only reads nothing, so checks nothing); unknown names in a specification are skipped
after ``read`` refused them.  Reference fields (``reference``, ``many2one_reference``) are read as plain
values only: nothing the sidecar reads needs their related records.
"""
from __future__ import annotations

from . import security
from .env import Env
from .orm import read
from .registry import api_model

X2MANY = ("one2many", "many2many")


def web_read(env, model, ids, specification):
    """Odoo 17's ``BaseModel.web_read``."""
    return _web_read(env, model, list(ids), dict(specification or {}))


@api_model
def web_search_read(env, model, domain, specification, offset=0, limit=None, order=None, count_limit=None):
    """Odoo 17's ``web_search_read``: ``{"length", "records"}``."""
    ids = env.search(model, domain or [], offset=offset, limit=limit, order=order)
    records = _web_read(env, model, ids, dict(specification or {}))
    if not records:
        return {"length": 0, "records": []}
    length = len(records) + (offset or 0)
    limit_reached = len(records) == limit
    count_limit_reached = count_limit and count_limit <= length
    if limit and ((limit_reached and not count_limit_reached) or env.context.get("force_search_count")):
        length = len(env.search(model, domain or [], limit=count_limit))
    return {"length": length, "records": records}


def _web_read(env, model, ids, specification) -> list:
    fnames = list(specification) or ["id"]
    if fnames == ["id"]:
        values_list = [{"id": rid} for rid in ids]
    else:
        values_list = read(env, model, ids, fnames, load=None)
    if not values_list:
        return values_list
    for fname, fspec in specification.items():
        fdef = env.registry.field(model, fname)
        if fdef is None:
            continue
        if fdef.type == "many2one":
            _many2one(env, fdef, fname, fspec or {}, values_list)
        elif fdef.type in X2MANY and fspec:
            _x2many(env, fdef, fname, fspec, values_list)
    return values_list


def _co_read(env, comodel, ids, specification) -> list:
    """``co_records.web_read(spec)``: the co-model's read checks its rights, rules and field groups."""
    if list(specification) not in ([], ["id"]) and env.uid != 1:
        security.check_access(env, comodel, "read")
        security.check_rules(env, comodel, ids, "read")
    return _web_read(env, comodel, ids, specification)


def _many2one(env, fdef, fname, fspec, values_list) -> None:
    if "fields" not in fspec:
        return
    co_ids = list(dict.fromkeys(values[fname] for values in values_list if values[fname]))
    co_env = env.with_context(**fspec["context"]) if "context" in fspec else env
    extra = dict(fspec["fields"])
    extra.pop("display_name", None)
    data = {vals["id"]: vals for vals in _co_read(co_env, fdef.relation, co_ids, extra)}
    if "display_name" in fspec["fields"]:
        sudo = Env(env.registry, env.db, 1, co_env.context)
        for co_id in co_ids:
            data[co_id]["display_name"] = sudo.display_name(fdef.relation, co_id)
    for values in values_list:
        if values[fname] is not False:
            values[fname] = data[values[fname]]


def _x2many(env, fdef, fname, fspec, values_list) -> None:
    co_ids = list(dict.fromkeys(co_id for values in values_list for co_id in values[fname]))
    if fspec.get("order"):
        ordered = env.search(fdef.relation, [("id", "in", co_ids)], order=fspec["order"])
        position = {co_id: index for index, co_id in enumerate(ordered)}
        for values in values_list:
            values[fname] = sorted((i for i in values[fname] if i in position), key=position.__getitem__)
        co_ids = ordered
    co_env = env.with_context(**fspec["context"]) if "context" in fspec else env
    if "fields" not in fspec:
        return
    if fspec.get("limit") is not None:
        co_ids = list(dict.fromkeys(i for values in values_list for i in values[fname][:fspec["limit"]]))
    data = {vals["id"]: vals for vals in _co_read(co_env, fdef.relation, co_ids, dict(fspec["fields"]))}
    for values in values_list:
        values[fname] = [data.get(co_id) or {"id": co_id} for co_id in values[fname]]


WEB = {fn.__name__: fn for fn in (web_read, web_search_read)}
