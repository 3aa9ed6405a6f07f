"""Calling a model method the way Odoo's ``execute_kw`` / ``call_kw`` does."""
from __future__ import annotations

import inspect
import re

from . import errors, security
from .orm import GENERIC
from .registry import Records, is_api_model
from .web import WEB

PRIVATE = re.compile(r"^(_.*|init)$")


def check_method_name(method: str) -> None:
    if not isinstance(method, str) or PRIVATE.match(method):
        raise errors.access_error(f"Private methods (such as {method}) cannot be called remotely.")


def find_method(env, model: str, method: str):
    spec = env.spec(model)
    fn = spec.methods.get(method) or GENERIC.get(method) or WEB.get(method)
    if fn is None:
        raise errors.attribute_error(f"The method '{method}' does not exist on the model '{model}'")
    return fn


def call(env, model: str, method: str, args, kwargs):
    """Run ``model.method(*args, **kwargs)``; returns the JSON-ready result (``None`` = no result)."""
    check_method_name(method)
    fn = find_method(env, model, method)
    args = list(args or [])
    kwargs = dict(kwargs or {})
    context = kwargs.pop("context", None)
    if isinstance(context, dict):
        env = env.with_context(**context)
    if is_api_model(fn):
        call_args = [env, model, *args]
    else:
        if not args:
            raise errors.OdooServerError("builtins.IndexError", "list index out of range")
        call_args = [env, model, _ids(args[0]), *args[1:]]
    try:
        bound = inspect.signature(fn).bind(*call_args, **kwargs)
    except TypeError as exc:
        raise errors.type_error(f"{model}.{method}() {exc}") from None
    ids = [] if is_api_model(fn) else call_args[2]
    security.check_call(env, model, method, ids, bound.arguments.get("vals", bound.arguments.get("vals_list")))
    with env.db.transaction():
        result = fn(*call_args, **kwargs)
    return downgrade(result)


def _ids(value) -> list:
    if value in (None, False):
        return []
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(value)]


def downgrade(result):
    """Recordsets travel as their repr; the rest is JSON already."""
    if isinstance(result, Records):
        return str(result)
    return result
