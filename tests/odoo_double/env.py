"""The environment a method runs in: user, context, and record-level operations.

``Env`` is the double's small ORM: reading raw values (stored, computed or
delegated through ``_inherits``), searching, creating, writing and deleting
with Odoo's checks and error texts.
"""
from __future__ import annotations

import copy
import datetime as dt
from zoneinfo import ZoneInfo

from . import domain as dom
from . import errors, ordering, security, values


class Env:
    def __init__(self, registry, db, uid: int, context: dict | None = None):
        self.registry = registry
        self.db = db
        self.uid = uid
        self.context = dict(context or {})

    # -- environment --------------------------------------------------------
    def with_context(self, **changes) -> "Env":
        return Env(self.registry, self.db, self.uid, {**self.context, **changes})

    def spec(self, model: str):
        spec = self.registry.get(model)
        if spec is None:
            raise errors.user_error(f"Object {model} doesn't exist")
        return spec

    def now(self) -> str:
        return dt.datetime.now(dt.timezone.utc).strftime(values.DATETIME_FMT)

    def now_precise(self) -> str:
        """Odoo's ``cr.now()`` for create/write dates: the transaction's start, stored with
        microseconds (``read`` drops them), the same for every write of one call."""
        return self.db.stamp or dt.datetime.now(dt.timezone.utc).strftime(values.DATETIME_FMT + ".%f")

    def company(self) -> int:
        """Odoo's ``env.company``: the first of ``allowed_company_ids``, else the user's company."""
        user_companies = self.get("res.users", self.uid, "company_ids")
        allowed = self.context.get("allowed_company_ids")
        if allowed:
            if not isinstance(allowed, list) or not set(allowed) <= set(user_companies):
                raise errors.access_error("Access to unauthorized or invalid companies.")
            return allowed[0]
        return self.get("res.users", self.uid, "company_id")

    def today(self) -> str:
        return dt.datetime.now(dt.timezone.utc).strftime(values.DATE_FMT)

    def user_today(self) -> str:
        """Today in the user's time zone (Odoo's ``context_today``)."""
        tz = self.context.get("tz") or self.get("res.users", self.uid, "tz") or "UTC"
        try:
            zone = ZoneInfo(tz)
        except Exception:
            zone = dt.timezone.utc
        return dt.datetime.now(zone).strftime(values.DATE_FMT)

    def user_partner(self) -> int:
        return self.get("res.users", self.uid, "partner_id")

    def ref(self, xmlid: str, raise_if_not_found: bool = True):
        """``(model, id)`` of an external id."""
        module, _dot, name = xmlid.partition(".")
        for row in self.db.table("ir.model.data").values():
            if row["module"] == module and row["name"] == name:
                return row["model"], row["res_id"]
        if raise_if_not_found:
            raise errors.value_error(f"External ID not found in the system: {xmlid}")
        return None, False

    def ref_id(self, xmlid: str, raise_if_not_found: bool = True):
        return self.ref(xmlid, raise_if_not_found)[1]

    def next_number(self, code: str) -> int:
        return self.db.next_number(code)

    # -- reading ------------------------------------------------------------
    def exists(self, model: str, ids) -> list:
        table = self.db.table(model)
        return [rid for rid in ids if rid in table]

    def row(self, model: str, rid) -> dict:
        row = self.db.row(model, rid)
        if row is None:
            raise errors.record_missing(model, [rid], self.uid)
        return row

    def get(self, model: str, rid, fname: str):
        """The raw value of ``fname`` on record ``rid``."""
        owner, link = self.registry.owner(model, fname)
        if owner is None:
            raise errors.value_error(f"Invalid field {fname!r} on model {model!r}")
        if link:
            parent_id = self.get(model, rid, link)
            fdef = self.registry.field(owner, fname)
            return self.get(owner, parent_id, fname) if parent_id else fdef.empty()
        fdef = self.registry[model].fields[fname]
        if fname == "id":
            return rid
        if fdef.compute is not None:
            return fdef.compute(self, model, rid)
        if fdef.type == "one2many":
            return self.search(fdef.relation, [(fdef.inverse_name, "=", rid)])
        value = self.row(model, rid).get(fname)
        return fdef.empty() if value is None else value

    def display_name(self, model: str, rid) -> str:
        if not rid:
            return False
        spec = self.registry[model]
        if spec.display is not None:
            return spec.display(self, rid)
        if self.registry.field(model, spec.rec_name) is not None:
            name = self.get(model, rid, spec.rec_name)
            if name:
                return name
        return f"{model},{rid}"

    def read(self, model: str, ids, fnames, load: str = "_classic_read") -> list:
        result = []
        for rid in ids:
            if self.db.row(model, rid) is None:
                continue
            record = {"id": rid}
            for fname in fnames:
                if fname == "id":
                    continue
                fdef = self.registry.field(model, fname)
                record[fname] = values.to_read(self, fdef, self.get(model, rid, fname), load)
            result.append(record)
        return result

    def check_fields(self, model: str, fnames) -> None:
        for fname in fnames:
            if self.registry.field(model, fname) is None:
                raise errors.value_error(f"Invalid field {fname!r} on model {model!r}")

    # -- searching ----------------------------------------------------------
    def search(self, model: str, domain=None, offset: int = 0, limit=None, order=None,
               active_test=None) -> list:
        spec = self.spec(model)
        domain = list(domain or [])
        dom.validate(self.registry, model, domain)
        rules = security.rule_domain(self, model)
        if rules:
            domain = ["&"] + rules + (domain or [dom.TRUE_LEAF])
        if active_test is None:
            active_test = self.context.get("active_test", True)
        if active_test and "active" in self.registry.all_fields(model) and not any(
                isinstance(item, (list, tuple)) and item and item[0] == "active" for item in domain):
            domain = ["&", ("active", "=", True)] + (domain or [dom.TRUE_LEAF])
        tree = dom.parse(domain)
        ids = [rid for rid in list(self.db.table(spec.name)) if dom.matches(self, model, rid, tree)]
        ids = ordering.sort_ids(self, model, ids, order)
        offset = int(offset or 0)
        if limit:
            return ids[offset:offset + int(limit)]
        return ids[offset:]

    def name_search(self, model: str, name: str = "", domain=None, operator: str = "ilike",
                    limit: int = 100) -> list:
        spec = self.spec(model)
        ids = self.search(model, domain or [])
        hits = []
        for rid in ids:
            label = self.display_name(model, rid)
            if not name or dom.compare(label, operator, name, "char"):
                hits.append([rid, label])
            elif spec.name == "product.product" and dom.compare(
                    self.get(model, rid, "default_code"), operator, name, "char"):
                hits.append([rid, label])
            if limit and len(hits) >= limit:
                break
        return hits

    # -- writing ------------------------------------------------------------
    def create(self, model: str, vals: dict, forced_id: int | None = None) -> int:
        spec = self.spec(model)
        vals = dict(vals or {})
        self.check_fields(model, vals)
        if spec.prepare_create is not None:
            vals = spec.prepare_create(self, vals)
        for parent, link in spec.inherits.items():
            parent_vals = {key: vals.pop(key) for key in list(vals)
                           if key not in spec.fields and self.registry.field(parent, key) is not None}
            if not vals.get(link):
                vals[link] = self.with_context(_inherits_child=model).create(parent, parent_vals)
            elif parent_vals:
                self.write(parent, [vals[link]], parent_vals)
        row = {}
        for fname, fdef in spec.fields.items():
            if fname in vals or not fdef.stored_in_row or fname == "id" or fdef.default is None:
                continue
            default = fdef.default(self, vals) if callable(fdef.default) else copy.deepcopy(fdef.default)
            row[fname] = self._to_raw(fdef, default, [])
        now = self.now_precise()
        row.update(create_uid=self.uid, write_uid=self.uid, create_date=now, write_date=now)
        later = []
        for fname, value in vals.items():
            fdef = spec.fields[fname]
            if fdef.type == "one2many" or (fdef.compute is not None and fdef.inverse is not None):
                later.append((fdef, value))
            elif fdef.compute is None and fname != "id":
                row[fname] = self._to_raw(fdef, value, [])
        self._check_required(spec, row)
        rid = self.db.new_id(model, forced_id)
        row["id"] = rid
        self.db.insert(model, row)
        for fdef, value in later:
            self._write_special(model, rid, fdef, value)
        if spec.after_create is not None:
            spec.after_create(self, rid, vals)
        return rid

    def write(self, model: str, ids, vals: dict) -> bool:
        spec = self.spec(model)
        ids = list(ids)
        vals = dict(vals or {})
        self.check_fields(model, vals)
        missing = [rid for rid in ids if self.db.row(model, rid) is None]
        if missing:
            raise errors.record_missing(model, missing, self.uid)
        from .models import tracking  # models import env indirectly
        before = tracking.snapshot(self, model, ids)
        for parent, link in spec.inherits.items():
            parent_vals = {key: vals.pop(key) for key in list(vals)
                           if key not in spec.fields and self.registry.field(parent, key) is not None}
            if parent_vals:
                parent_ids = [self.get(model, rid, link) for rid in ids]
                self.write(parent, [pid for pid in parent_ids if pid], parent_vals)
        for rid in ids:
            row = self.db.row(model, rid)
            changes, later = {}, []
            for fname, value in vals.items():
                fdef = spec.fields[fname]
                if fdef.type == "one2many" or (fdef.compute is not None and fdef.inverse is not None):
                    later.append((fdef, value))
                elif fdef.compute is None and fname != "id":
                    changes[fname] = self._to_raw(fdef, value, row.get(fname) or [])
            changes.update(write_uid=self.uid, write_date=self.now_precise())
            self._check_required(spec, {**row, **changes}, only=changes)
            self.db.update(model, rid, changes)
            for fdef, value in later:
                self._write_special(model, rid, fdef, value)
        if spec.after_write is not None and ids:
            spec.after_write(self, ids, vals)
        if before:
            tracking.post_changes(self, model, before)
        return True

    def unlink(self, model: str, ids) -> bool:
        spec = self.spec(model)
        ids = self.exists(model, list(ids))
        if spec.before_unlink is not None and ids:
            spec.before_unlink(self, ids)
        for fname, fdef in spec.fields.items():
            if fdef.type == "one2many" and fdef.compute is None and fdef.relation in self.registry:
                inverse = self.registry.field(fdef.relation, fdef.inverse_name)
                if inverse is not None and inverse.required:
                    for rid in ids:
                        children = self.search(fdef.relation, [(fdef.inverse_name, "=", rid)], active_test=False)
                        self.unlink(fdef.relation, children)
        for rid in ids:
            if self.db.row(model, rid) is not None:
                self.db.delete(model, rid)
        self._drop_from_many2many(model, set(ids))
        return True

    def _drop_from_many2many(self, model: str, gone: set) -> None:
        """Odoo's many2many relation tables cascade on delete: a deleted record leaves every many2many."""
        for owner, spec in self.registry.models.items():
            for fname, fdef in spec.fields.items():
                if fdef.type != "many2many" or fdef.relation != model or not fdef.stored_in_row:
                    continue
                for rid, row in list(self.db.table(owner).items()):
                    if gone & set(row.get(fname) or []):
                        self.db.update(owner, rid, {fname: [i for i in row[fname] if i not in gone]})

    # -- helpers ------------------------------------------------------------
    def _to_raw(self, fdef, value, current):
        if fdef.type == "many2one":
            if isinstance(value, (list, tuple)):
                value = value[0] if value else False
            if not value:
                return False
            self._check_target(fdef, [value])
            return int(value)
        if fdef.type == "many2many":
            ids = apply_many2many(self, fdef, list(current or []), value)
            self._check_target(fdef, ids)
            return ids
        return values.scalar_to_raw(fdef, value)

    def _check_target(self, fdef, ids) -> None:
        if fdef.relation not in self.registry:
            return
        for target in ids:
            if not isinstance(target, int) or isinstance(target, bool) or self.db.row(fdef.relation, target) is None:
                owner = self.registry[fdef.model_name]
                raise errors.validation_error(
                    "The operation cannot be completed: another model requires the record being deleted."
                    " If possible, archive it instead.\n\n"
                    f"Model: {owner.description} ({owner.name})\n"
                    f"Constraint: {owner.name.replace('.', '_')}_{fdef.name}_fkey\n")

    def _check_required(self, spec, row, only=None) -> None:
        for fname, fdef in spec.fields.items():
            if not fdef.required or not fdef.stored_in_row or fdef.type == "boolean":
                continue
            if only is not None and fname not in only:
                continue
            value = row.get(fname)
            if value is None or value is False or (isinstance(value, str) and not value):
                raise errors.validation_error(
                    "The operation cannot be completed:\n"
                    "- Create/update: a mandatory field is not set.\n"
                    "- Delete: another model requires the record being deleted."
                    " If possible, archive it instead.\n\n"
                    f"Model: {spec.description} ({spec.name})\n"
                    f"Field: {fdef.string or fname} ({fname})\n")

    def _write_special(self, model, rid, fdef, value) -> None:
        if fdef.type == "one2many" and fdef.compute is None:
            apply_one2many(self, fdef, rid, value)
        elif fdef.inverse is not None:
            fdef.inverse(self, model, rid, value)


def apply_many2many(env, fdef, current: list, commands) -> list:
    ids = list(current)
    if not commands:
        return [] if commands in (False, None) else ids
    if all(isinstance(item, int) and not isinstance(item, bool) for item in commands):
        return list(dict.fromkeys(commands))
    for command in commands:
        code = command[0]
        if code == 0:
            ids.append(env.create(fdef.relation, command[2]))
        elif code == 1:
            env.write(fdef.relation, [command[1]], command[2])
        elif code == 2:
            env.unlink(fdef.relation, [command[1]])
            ids = [i for i in ids if i != command[1]]
        elif code == 3:
            ids = [i for i in ids if i != command[1]]
        elif code == 4:
            if command[1] not in ids:
                ids.append(command[1])
        elif code == 5:
            ids = []
        elif code == 6:
            ids = list(dict.fromkeys(command[2]))
        else:
            raise errors.value_error(f"Invalid command {command!r}")
    return ids


def apply_one2many(env, fdef, rid: int, commands) -> None:
    comodel, inverse = fdef.relation, fdef.inverse_name
    inverse_required = env.registry.field(comodel, inverse).required

    def detach(child):
        if inverse_required:
            env.unlink(comodel, [child])
        else:
            env.write(comodel, [child], {inverse: False})

    if not commands:
        return
    if all(isinstance(item, int) and not isinstance(item, bool) for item in commands):
        commands = [(6, 0, commands)]
    for command in commands:
        code = command[0]
        if code == 0:
            env.create(comodel, {**command[2], inverse: rid})
        elif code == 1:
            env.write(comodel, [command[1]], command[2])
        elif code == 2:
            env.unlink(comodel, [command[1]])
        elif code == 3:
            detach(command[1])
        elif code == 4:
            env.write(comodel, [command[1]], {inverse: rid})
        elif code in (5, 6):
            keep = set(command[2]) if code == 6 else set()
            for child in env.search(comodel, [(inverse, "=", rid)], active_test=False):
                if child not in keep:
                    detach(child)
            for child in command[2] if code == 6 else []:
                env.write(comodel, [child], {inverse: rid})
        else:
            raise errors.value_error(f"Invalid command {command!r}")
