"""Bring Odoo to the state `sidecar/odoo/desired_state.py` describes: plan (dry run), apply, check drift.

The description is data: records of Odoo models, each found by some of its fields (`match`) and
holding the values it should have. Values may refer to what only Odoo knows (a model's or field's
id, a group's, a selection value's, another described record's) or to the n8n webhook URL; the
engine resolves them with one `search_read` per model, compares, and on `apply` creates or writes.
A record that differs is written the fields that differ, or all its described values when one of
them is a field Odoo recomputes others from (base.automation recomputes its domains and trigger
references from its trigger unless they are written with it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

from sidecar.odoo.gateway import OdooGateway

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
NOT_CREATED = "(to be created)"  # a reference to a record the plan creates first


# -- the vocabulary of the description ---------------------------------------------------------
@dataclass(frozen=True)
class Model:
    """The ir.model id of `model`."""
    model: str


@dataclass(frozen=True)
class Fields:
    """The ir.model.fields ids of `names` on `model` (a many2many); one name with `one=True` is a many2one."""
    model: str
    names: tuple[str, ...]
    one: bool = False


@dataclass(frozen=True)
class SelectionValue:
    """The ir.model.fields.selection id of `value` of the selection field `model.field`."""
    model: str
    field: str
    value: str


@dataclass(frozen=True)
class Groups:
    """res.groups ids by external id (a many2many)."""
    xmlids: tuple[str, ...]


@dataclass(frozen=True)
class Ref:
    """The id of another described record, by its key."""
    key: str


@dataclass(frozen=True)
class Text:
    """Text with described records' ids in it: `template` formatted with `refs` (keyword -> Ref)."""
    template: str
    refs: tuple[tuple[str, Ref], ...]


@dataclass(frozen=True)
class WebhookUrl:
    """The n8n webhook at `path` (under the n8n base URL), with the Basic-auth credentials in it."""
    path: str


@dataclass(frozen=True)
class Record:
    """One Odoo record as it should be: found by the `match` fields of `values`."""
    key: str
    flow: str
    model: str
    label: str
    match: tuple[str, ...]
    values: dict
    recomputes: tuple[str, ...] = ()  # fields Odoo recomputes others from: when one differs, all values are written


# -- where the webhooks go ----------------------------------------------------------------------
@dataclass(frozen=True)
class Webhooks:
    """n8n's public base URL and the `user:password` its Odoo webhooks verify (HTTP Basic auth)."""
    base_url: str
    auth: str

    def __post_init__(self):
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"n8n URL '{mask(self.base_url)}' must be http(s)://host[/path]")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("n8n URL: give the base URL only (credentials go in the webhook auth)")
        user, sep, password = self.auth.partition(":")
        if not (user and sep and password):
            raise ValueError("webhook auth must be user:password")

    def url(self, path: str) -> str:
        """The URL Odoo posts to: Odoo's webhook action sends no headers, so the credentials ride in it."""
        parts = urlsplit(self.base_url)
        user, _sep, password = self.auth.partition(":")
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc}"
        return urlunsplit((parts.scheme, netloc, f"{parts.path.rstrip('/')}/{path.lstrip('/')}", "", ""))


def mask(text):
    """`text` with the password of any URL in it replaced by ***."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text) if isinstance(text, str) else text


# -- the plan -----------------------------------------------------------------------------------
@dataclass
class Change:
    """What provisioning does to one described record."""
    record: Record
    action: str
    id: int | None = None
    diff: dict = field(default_factory=dict)  # field -> (current, desired), as shown (masked)

    def as_dict(self) -> dict:
        """JSON-friendly, passwords masked."""
        return {"key": self.record.key, "flow": self.record.flow, "model": self.record.model,
                "label": self.record.label, "action": self.action, "id": self.id,
                "fields": {name: {"current": cur, "desired": want} for name, (cur, want) in self.diff.items()}}


class Plan:
    """The changes for every described record, in the order they are applied."""

    def __init__(self, changes: list[Change]):
        self.changes = changes

    @property
    def in_sync(self) -> bool:
        """Nothing to create or update."""
        return all(change.action == UNCHANGED for change in self.changes)

    def ids(self) -> dict[str, int | None]:
        """Key -> Odoo id (None: not created yet)."""
        return {change.record.key: change.id for change in self.changes}

    def actions(self) -> dict[str, str]:
        """Key -> create / update / unchanged."""
        return {change.record.key: change.action for change in self.changes}

    def as_dict(self) -> dict:
        """JSON-friendly, passwords masked."""
        return {"in_sync": self.in_sync, "records": [change.as_dict() for change in self.changes]}

    def render(self) -> str:
        """The plan as lines of text, per flow, passwords masked."""
        lines, flow = [], None
        for change in self.changes:
            if change.record.flow != flow:
                flow = change.record.flow
                lines.append(flow)
            where = f" (#{change.id})" if change.id else ""
            lines.append(f"  {change.action:<9} {change.record.model} {change.record.label}{where}")
            for name, (current, desired) in change.diff.items():
                lines.append(f"      {name}: {_short(current)} -> {_short(desired)}"
                             if change.action == UPDATE else f"      {name}: {_short(desired)}")
        return "\n".join(lines)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


# -- reading Odoo -------------------------------------------------------------------------------
class _Known:
    """What the engine read from Odoo, to resolve references and show values."""

    def __init__(self):
        self.models: dict[str, int] = {}
        self.fields: dict[tuple[str, str], int] = {}
        self.field_names: dict[int, str] = {}
        self.selections: dict[tuple[str, str, str], int] = {}
        self.groups: dict[str, int] = {}
        self.records: dict[str, int] = {}  # described key -> id of the record found or created


def _refs(value):
    """Every reference object inside a described value."""
    if isinstance(value, Text):
        return [ref for _name, ref in value.refs]
    return [value] if isinstance(value, (Model, Fields, SelectionValue, Groups, Ref)) else []


def _read_configuration(gw: OdooGateway, records: list[Record], known: _Known) -> None:
    """Ids of the models, fields, selection values and groups the description names: one call per model."""
    refs = [ref for record in records for value in record.values.values() for ref in _refs(value)]
    models = sorted({ref.model for ref in refs if isinstance(ref, (Model, Fields, SelectionValue))})
    for row in gw.execute("ir.model", "search_read", [("model", "in", models)], fields=["model"]):
        known.models[row["model"]] = row["id"]
    missing = [name for name in models if name not in known.models]
    if missing:
        raise ValueError(f"Odoo has no model(s) {missing}: install their modules, or leave their flows out (--flow)")
    wanted = {(ref.model, name) for ref in refs if isinstance(ref, Fields) for name in ref.names}
    wanted |= {(ref.model, ref.field) for ref in refs if isinstance(ref, SelectionValue)}
    rows = gw.execute("ir.model.fields", "search_read", [("model", "in", sorted({m for m, _n in wanted})),
                                                         ("name", "in", sorted({n for _m, n in wanted}))],
                      fields=["model", "name"])
    for row in rows:
        known.fields[(row["model"], row["name"])] = row["id"]
        known.field_names[row["id"]] = row["name"]
    missing = sorted(f"{model}.{name}" for model, name in wanted if (model, name) not in known.fields)
    if missing:
        raise ValueError(f"Odoo has no field(s) {missing}: is the module that adds them installed?")
    selections = [ref for ref in refs if isinstance(ref, SelectionValue)]
    if selections:
        ids = {known.fields[(ref.model, ref.field)]: (ref.model, ref.field) for ref in selections}
        for row in gw.execute("ir.model.fields.selection", "search_read",
                              [("field_id", "in", sorted(ids)), ("value", "in", sorted({r.value for r in selections}))],
                              fields=["field_id", "value"]):
            known.selections[(*ids[row["field_id"][0]], row["value"])] = row["id"]
        missing = [f"{r.model}.{r.field} = '{r.value}'" for r in selections
                   if (r.model, r.field, r.value) not in known.selections]
        if missing:
            raise ValueError(f"Odoo has no selection value(s) {missing}: is the module that adds them installed?")
    xmlids = sorted({xmlid for ref in refs if isinstance(ref, Groups) for xmlid in ref.xmlids})
    if xmlids:
        rows = gw.execute("ir.model.data", "search_read",
                          [("model", "=", "res.groups"), ("name", "in", [x.split(".")[1] for x in xmlids])],
                          fields=["module", "name", "res_id"])
        known.groups = {f"{row['module']}.{row['name']}": row["res_id"] for row in rows
                        if f"{row['module']}.{row['name']}" in xmlids}
        missing = [xmlid for xmlid in xmlids if xmlid not in known.groups]
        if missing:
            raise ValueError(f"Odoo has no group(s) {missing}: is the module that adds them installed?")


def _resolve(value, known: _Known, webhooks: Webhooks):
    """A described value as Odoo stores it (ids; NOT_CREATED for a record still to create)."""
    if isinstance(value, Model):
        return known.models[value.model]
    if isinstance(value, Fields):
        ids = [known.fields[(value.model, name)] for name in value.names]
        return ids[0] if value.one else sorted(ids)
    if isinstance(value, SelectionValue):
        return known.selections[(value.model, value.field, value.value)]
    if isinstance(value, Groups):
        return sorted(known.groups[xmlid] for xmlid in value.xmlids)
    if isinstance(value, Ref):
        return known.records.get(value.key, NOT_CREATED)
    if isinstance(value, Text):
        return value.template.format(**{name: known.records.get(ref.key, NOT_CREATED) for name, ref in value.refs})
    if isinstance(value, WebhookUrl):
        return webhooks.url(value.path)
    return value


def _as_read(value):
    """A value `read` answered, in the form `_resolve` gives: many2one -> id, many2many -> sorted ids."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
        return value[0]
    if isinstance(value, list):
        return sorted(value)
    return value


def _same(current, desired) -> bool:
    empty = (False, None, "", 0, [])
    return current == desired or (current in empty and desired in empty and not isinstance(desired, bool))


def _show(value, desc, known: _Known):
    """A value as the plan shows it: names for the ids of models, fields, selection values and groups; masked URLs."""
    names = {Model: {i: m for m, i in known.models.items()}, Fields: known.field_names,
             SelectionValue: {i: v for (_m, _f, v), i in known.selections.items()},
             Groups: {i: x for x, i in known.groups.items()}}.get(type(desc))
    if names is None or value in (NOT_CREATED, False, None):
        return mask(value)
    shown = [names.get(i, f"#{i}") for i in (value if isinstance(value, list) else [value])]
    return shown if isinstance(value, list) else shown[0]


def _read_order(records: list[Record]) -> list[str]:
    """Models in an order where each one's `match` references only records of models read before."""
    models = list(dict.fromkeys(record.model for record in records))
    by_key = {record.key: record for record in records}
    needs = {model: {by_key[ref.key].model for record in records if record.model == model
                     for name in record.match for ref in _refs(record.values[name]) if isinstance(ref, Ref)}
             for model in models}
    order: list[str] = []
    while len(order) < len(models):
        ready = [m for m in models if m not in order and needs[m] <= set(order)]
        if not ready:
            raise ValueError(f"the description's matches refer to each other in a circle: {needs}")
        order.append(ready[0])
    return order


def plan(gw: OdooGateway, records: list[Record], webhooks: Webhooks) -> Plan:
    """Compare Odoo with the description: per record, create / update (with the fields that differ) / unchanged."""
    return _plan(gw, records, webhooks)[0]


def _plan(gw: OdooGateway, records: list[Record], webhooks: Webhooks) -> tuple[Plan, _Known]:
    known = _Known()
    _read_configuration(gw, records, known)
    found: dict[str, dict] = {}
    for model in _read_order(records):
        mine = [record for record in records if record.model == model]
        rows = _read_model(gw, model, mine, known, webhooks)
        for record in mine:
            match = {name: _resolve(record.values[name], known, webhooks) for name in record.match}
            hits = [row for row in rows if all(_same(_as_read(row.get(n)), v) for n, v in match.items())]
            if hits and NOT_CREATED not in match.values():
                found[record.key] = min(hits, key=lambda row: row["id"])
                known.records[record.key] = found[record.key]["id"]
    changes = []
    for record in records:
        row = found.get(record.key)
        if row is None:
            shown = {name: (None, _show(_resolve(value, known, webhooks), value, known))
                     for name, value in record.values.items()}
            changes.append(Change(record, CREATE, None, shown))
            continue
        diff = {}
        for name, value in record.values.items():
            current, desired = _as_read(row.get(name)), _resolve(value, known, webhooks)
            if not _same(current, desired):
                shown = _show(current, value, known), _show(desired, value, known)
                if shown[0] == shown[1]:  # URLs that differ in their password only
                    shown = (f"{shown[0]} (another password)", shown[1])
                diff[name] = shown
        changes.append(Change(record, UPDATE if diff else UNCHANGED, row["id"], diff))
    return Plan(changes), known


def _read_model(gw: OdooGateway, model: str, records: list[Record], known: _Known, webhooks: Webhooks) -> list[dict]:
    """One search_read of `model` finding every described record of it that can exist (archived ones too)."""
    terms = []
    for record in records:
        match = [(name, "=", _resolve(record.values[name], known, webhooks)) for name in record.match]
        if all(value != NOT_CREATED for _n, _op, value in match):
            terms.append(["&"] * (len(match) - 1) + match)
    if not terms:
        return []
    domain = ["|"] * (len(terms) - 1) + [item for term in terms for item in term]
    names = sorted({name for record in records for name in record.values})
    return gw.execute(model, "search_read", domain, fields=names, context={"active_test": False})


# -- applying -----------------------------------------------------------------------------------
def _write_value(value, desc):
    """A resolved value as create/write takes it."""
    if isinstance(value, list) and not (isinstance(desc, Fields) and desc.one):
        return [(6, 0, value)]
    return value


def _batches(records: list[Record]) -> list[list[Record]]:
    """Records grouped for creation: one create per model and step, each step after the records it refers to.

    A record is made as late as its dependents allow, so every rule comes in one step (Odoo reloads its
    registry after each create of base.automation).
    """
    by_key = {record.key: record for record in records}
    deps = {r.key: {ref.key for v in r.values.values() for ref in _refs(v) if isinstance(ref, Ref) and ref.key in by_key}
            for r in records}
    depth: dict[str, int] = {}

    def longest(key: str) -> int:  # the longest chain of references below `key`
        if key not in depth:
            depth[key] = 1 + max((longest(dep) for dep in deps[key]), default=-1)
        return depth[key]

    last = max((longest(r.key) for r in records), default=0)
    step: dict[str, int] = {}
    for record in sorted(records, key=lambda r: -longest(r.key)):
        users = [step[r.key] for r in records if record.key in deps[r.key]]
        step[record.key] = min(users) - 1 if users else last
    groups: dict[tuple[int, str], list[Record]] = {}
    for record in records:
        groups.setdefault((step[record.key], record.model), []).append(record)
    return [groups[key] for key in sorted(groups, key=lambda k: k[0])]


def apply(gw: OdooGateway, records: list[Record], webhooks: Webhooks) -> Plan:
    """Make Odoo match the description; the plan of what was done (ids of created records filled in).

    New records are created with one call per model and step; a record that differs is written the fields
    that differ, or every described field when one Odoo recomputes others from differs (`Record.recomputes`).
    """
    done, known = _plan(gw, records, webhooks)
    changes = {change.record.key: change for change in done.changes}
    for batch in _batches(records):
        new = [changes[record.key] for record in batch if changes[record.key].action == CREATE]
        if new:
            values = [{name: _write_value(_resolve(value, known, webhooks), value)
                       for name, value in change.record.values.items()} for change in new]
            for change, rid in zip(new, gw.execute(batch[0].model, "create", values)):
                change.id = known.records[change.record.key] = rid
        for change in (changes[record.key] for record in batch if changes[record.key].action == UPDATE):
            names = change.record.values if set(change.diff) & set(change.record.recomputes) else change.diff
            gw.execute(change.record.model, "write", [change.id], {
                name: _write_value(_resolve(change.record.values[name], known, webhooks), change.record.values[name])
                for name in names})
    return done
