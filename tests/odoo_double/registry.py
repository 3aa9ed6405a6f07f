"""Model specifications and the registry that holds them.

A :class:`ModelSpec` names a model, its fields, its default order, how its
records are displayed and which public methods it answers besides the
generic ORM ones.  Methods are plain functions ``fn(env, model, ids, *args,
**kwargs)``; those decorated with :func:`api_model` take no ids (Odoo's
``@api.model``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import fields as F


def api_model(fn: Callable) -> Callable:
    """Mark a method as ``@api.model``: RPC callers pass no ids."""
    fn.api_model = True
    return fn


def is_api_model(fn: Callable) -> bool:
    return getattr(fn, "api_model", False)


def magic_fields() -> dict:
    """Fields every Odoo model has."""
    return {
        "id": F.Integer("ID", readonly=True),
        "display_name": F.Char("Display Name", compute=lambda env, model, rid: env.display_name(model, rid)),
        "create_date": F.Datetime("Created on", readonly=True),
        "create_uid": F.Many2one("res.users", "Created by", readonly=True),
        "write_date": F.Datetime("Last Updated on", readonly=True),
        "write_uid": F.Many2one("res.users", "Last Updated by", readonly=True),
    }


@dataclass
class ModelSpec:
    name: str
    description: str
    fields: dict
    order: str = "id"
    rec_name: str = "name"
    parent_field: str | None = None
    inherits: dict = field(default_factory=dict)   # {parent model: link field}
    methods: dict = field(default_factory=dict)    # extra public methods
    display: Callable | None = None                # display(env, rid) -> str
    prepare_create: Callable | None = None         # (env, vals) -> vals, before defaults check
    after_create: Callable | None = None           # (env, rid, vals)
    after_write: Callable | None = None            # (env, ids, vals)
    before_unlink: Callable | None = None          # (env, ids)

    def __post_init__(self):
        merged = magic_fields()
        merged.update(self.fields)
        for fname, fdef in merged.items():
            fdef.name = fname
            fdef.model_name = self.name
        self.fields = merged


class Registry:
    """All models of the double, by name."""

    def __init__(self, specs):
        self.models = {spec.name: spec for spec in specs}

    def __contains__(self, name) -> bool:
        return name in self.models

    def __getitem__(self, name) -> ModelSpec:
        return self.models[name]

    def get(self, name):
        return self.models.get(name)

    def field(self, model: str, fname: str):
        """The field ``fname`` of ``model``, own or inherited through ``_inherits``."""
        spec = self.models[model]
        fdef = spec.fields.get(fname)
        if fdef is not None:
            return fdef
        for parent in spec.inherits:
            fdef = self.field(parent, fname)
            if fdef is not None:
                return fdef
        return None

    def owner(self, model: str, fname: str):
        """``(model holding the field, link field)`` for ``fname``; link is None if own."""
        spec = self.models[model]
        if fname in spec.fields:
            return model, None
        for parent, link in spec.inherits.items():
            if self.field(parent, fname) is not None:
                return parent, link
        return None, None

    def all_fields(self, model: str) -> dict:
        """Every field name -> definition, inherited ones included."""
        spec = self.models[model]
        result = {}
        for parent in spec.inherits:
            result.update(self.all_fields(parent))
        result.update(spec.fields)
        return result


class Records:
    """A recordset returned by a method: Odoo serializes it as its repr, ``mail.activity(19,)``."""

    def __init__(self, model: str, ids):
        self.model = model
        self.ids = list(ids)

    def __str__(self) -> str:
        return f"{self.model}{tuple(self.ids)!r}"

    __repr__ = __str__
