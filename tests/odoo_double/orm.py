"""The generic public methods every model answers (Odoo's ``BaseModel`` API over RPC)."""
from __future__ import annotations

from . import errors, security
from .registry import api_model


@api_model
def search(env, model, domain=None, offset=0, limit=None, order=None):
    return env.search(model, domain or [], offset=offset, limit=limit, order=order)


@api_model
def search_count(env, model, domain=None, limit=None):
    return len(env.search(model, domain or [], limit=limit))


@api_model
def search_read(env, model, domain=None, fields=None, offset=0, limit=None, order=None, load="_classic_read"):
    fnames = _field_names(env, model, fields)
    ids = env.search(model, domain or [], offset=offset, limit=limit, order=order)
    return env.read(model, ids, fnames, load)


def read(env, model, ids, fields=None, load="_classic_read"):
    fnames = _field_names(env, model, fields)
    return env.read(model, ids, fnames, load)


def _field_names(env, model, fields):
    if isinstance(fields, str):
        fields = [fields]
    if not fields:
        return [name for name in env.registry.all_fields(model)
                if name != "id" and security.readable(env, model, name)]
    env.check_fields(model, fields)
    security.check_fields(env, model, fields, "read")
    return list(dict.fromkeys(fields))


@api_model
def create(env, model, vals_list):
    if isinstance(vals_list, dict):
        return env.create(model, vals_list)
    return [env.create(model, vals) for vals in vals_list]


create.model_create = True


def write(env, model, ids, vals):
    return env.write(model, ids, vals)


def unlink(env, model, ids):
    return env.unlink(model, ids)


@api_model
def fields_get(env, model, allfields=None, attributes=None):
    result = {}
    for fname, fdef in env.registry.all_fields(model).items():
        if (allfields and fname not in allfields) or not security.readable(env, model, fname):
            continue
        info = fdef.describe(model)
        if env.registry.owner(model, fname)[1] is not None:
            info["store"] = False  # delegated to the _inherits parent
        if attributes:
            info = {key: value for key, value in info.items() if key in attributes}
        result[fname] = info
    return result


@api_model
def name_search(env, model, name="", args=None, operator="ilike", limit=100):
    return env.name_search(model, name or "", args or [], operator, limit)


def name_get(env, model, ids):
    return [[rid, env.display_name(model, rid)] for rid in env.exists(model, ids)]


@api_model
def default_get(env, model, fields_list):
    spec = env.spec(model)
    result = {}
    for fname in fields_list:
        fdef = spec.fields.get(fname)
        if fdef is None or fdef.default is None or not fdef.stored_in_row:
            continue
        value = fdef.default(env, {}) if callable(fdef.default) else fdef.default
        if value is not False:
            result[fname] = value
    for key, value in env.context.items():
        if key.startswith("default_") and key[8:] in fields_list:
            result[key[8:]] = value
    return result


def action_archive(env, model, ids):
    _require_active(env, model)
    active = [rid for rid in ids if env.get(model, rid, "active")]
    if active:
        env.write(model, active, {"active": False})
    return None


def action_unarchive(env, model, ids):
    _require_active(env, model)
    inactive = [rid for rid in ids if not env.get(model, rid, "active")]
    if inactive:
        env.write(model, inactive, {"active": True})
    return None


def _require_active(env, model):
    if "active" not in env.registry.all_fields(model):
        raise errors.attribute_error(f"The method 'action_archive' does not exist on the model '{model}'")


GENERIC = {fn.__name__: fn for fn in (
    search, search_count, search_read, read, create, write, unlink, fields_get,
    name_search, name_get, default_get, action_archive, action_unarchive)}
