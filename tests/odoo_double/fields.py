"""Field definitions: name, type, relation and the attributes ``fields_get`` reports.

A field is stored in the record's row unless it has a ``compute``; a computed
field may have an ``inverse`` (then it is writable).  Raw values, as kept in
rows and returned by ``compute``:

* char/text/html/selection: ``str`` or ``False``
* integer: ``int``; float/monetary: ``float``; boolean: ``bool``
* date ``"YYYY-MM-DD"``, datetime ``"YYYY-MM-DD HH:MM:SS"`` (UTC) or ``False``
* many2one: an id or ``False``; many2many: a list of ids;
  one2many: derived from the comodel's ``inverse_name`` unless computed
* many2one_reference: an id or ``False``
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

RELATIONAL = ("many2one", "one2many", "many2many")
NUMERIC = ("integer", "float", "monetary")


@dataclass
class Field:
    type: str
    string: str | None = None
    relation: str | None = None
    inverse_name: str | None = None
    selection: list | None = None
    required: bool = False
    readonly: bool | None = None
    store: bool | None = None
    compute: Callable | None = None   # compute(env, model, rid) -> raw value
    inverse: Callable | None = None   # inverse(env, model, rid, raw value)
    default: Any = None               # value, or callable(env, vals)
    company_dependent: bool = False   # Odoo keeps one value per company (ir.property)
    name: str = ""
    model_name: str = ""

    def __post_init__(self):
        if self.readonly is None:
            self.readonly = self.compute is not None and self.inverse is None
        if self.store is None:
            self.store = self.compute is None

    @property
    def relational(self) -> bool:
        return self.type in RELATIONAL

    @property
    def stored_in_row(self) -> bool:
        """Kept in the record's row (not derived on read)."""
        return self.compute is None and self.type != "one2many"

    def describe(self, model: str) -> dict:
        """The attributes ``fields_get`` returns for this field."""
        info = {
            "type": self.type,
            "string": self.string or label(self.name),
            "name": self.name,
            "readonly": bool(self.readonly),
            "required": bool(self.required),
            "store": bool(self.store),
            "searchable": True,
            "sortable": bool(self.store) and self.type not in ("one2many", "many2many"),
            "manual": False,
            "help": "",
            "depends": [],
            "company_dependent": bool(self.company_dependent),
            "change_default": False,
        }
        if self.relation:
            info["relation"] = self.relation
            info["context"] = {}
            info["domain"] = []
        if self.type == "one2many" and self.inverse_name:
            info["relation_field"] = self.inverse_name
        if self.selection is not None:
            info["selection"] = [list(pair) for pair in self.selection]
        if self.type in ("char", "text", "html"):
            info["translate"] = False
        if self.type == "char":
            info["trim"] = True
        if self.type == "monetary":
            info["currency_field"] = "currency_id"
        if self.type == "many2one_reference":
            info["model_field"] = "res_model" if model != "mail.message" else "model"
        return info

    def empty(self):
        """The value read back when nothing is stored."""
        if self.type in ("integer",):
            return 0
        if self.type in ("float", "monetary"):
            return 0.0
        if self.type in ("one2many", "many2many"):
            return []
        return False


def label(name: str) -> str:
    base = name[:-3] if name.endswith(("_id", "_ids")) else name
    base = base[:-1] if name.endswith("_ids") else base
    return " ".join(part.capitalize() for part in base.split("_") if part)


def _make(type_):
    def make(string=None, **kw) -> Field:
        return Field(type_, string, **kw)
    make.__name__ = type_.capitalize()
    return make


Char = _make("char")
Text = _make("text")
Html = _make("html")
Integer = _make("integer")
Float = _make("float")
Monetary = _make("monetary")
Boolean = _make("boolean")
Date = _make("date")
Datetime = _make("datetime")
Json = _make("json")
Many2oneReference = _make("many2one_reference")


def Selection(selection, string=None, **kw) -> Field:
    return Field("selection", string, selection=selection, **kw)


def Many2one(relation, string=None, **kw) -> Field:
    return Field("many2one", string, relation=relation, **kw)


def One2many(relation, inverse_name=None, string=None, **kw) -> Field:
    kw.setdefault("store", True)
    return Field("one2many", string, relation=relation, inverse_name=inverse_name, **kw)


def Many2many(relation, string=None, **kw) -> Field:
    return Field("many2many", string, relation=relation, **kw)
