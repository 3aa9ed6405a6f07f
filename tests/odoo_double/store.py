"""In-memory tables with id sequences and an undo journal.

Each RPC call runs inside :meth:`Database.transaction`: if it raises, every
change it made is undone, as Odoo rolls back its cursor.  Id sequences and
named sequences are not rolled back (neither are PostgreSQL's).
"""
from __future__ import annotations

import copy
import datetime as dt
import threading
from contextlib import contextmanager


class Database:
    def __init__(self, name: str):
        self.name = name
        self.tables: dict[str, dict[int, dict]] = {}
        self.next_ids: dict[str, int] = {}
        self.sequences: dict[str, int] = {}
        self.lock = threading.RLock()
        self._journal: list | None = None
        self.stamp: str | None = None  # the transaction's start, Odoo's ``cr.now()``

    # -- reading ---------------------------------------------------------
    def table(self, model: str) -> dict:
        return self.tables.setdefault(model, {})

    def row(self, model: str, rid) -> dict | None:
        return self.table(model).get(rid)

    # -- ids and sequences -------------------------------------------------
    def new_id(self, model: str, forced: int | None = None) -> int:
        table = self.table(model)
        nxt = self.next_ids.get(model, 1)
        if forced is not None:
            if forced in table:
                raise ValueError(f"{model} id {forced} already used")
            self.next_ids[model] = max(nxt, forced + 1)
            return forced
        while nxt in table:
            nxt += 1
        self.next_ids[model] = nxt + 1
        return nxt

    def next_number(self, code: str) -> int:
        number = self.sequences.get(code, 0) + 1
        self.sequences[code] = number
        return number

    # -- writing (journaled) ------------------------------------------------
    def insert(self, model: str, row: dict) -> None:
        self.table(model)[row["id"]] = row
        self._log(("insert", model, row["id"], None))

    def update(self, model: str, rid: int, changes: dict) -> None:
        row = self.table(model)[rid]
        self._log(("update", model, rid, {k: copy.deepcopy(row.get(k, _ABSENT)) for k in changes}))
        row.update(changes)

    def delete(self, model: str, rid: int) -> None:
        row = self.table(model).pop(rid)
        self._log(("delete", model, rid, row))

    def _log(self, entry) -> None:
        if self._journal is not None:
            self._journal.append(entry)

    @contextmanager
    def transaction(self):
        """Run a block atomically (under the lock); undo its changes if it raises."""
        with self.lock:
            if self._journal is not None:      # nested: the outer block owns the journal
                yield
                return
            self._journal = []
            self.stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
            try:
                yield
            except BaseException:
                self._undo(self._journal)
                raise
            finally:
                self._journal = None
                self.stamp = None

    def _undo(self, journal) -> None:
        for action, model, rid, data in reversed(journal):
            table = self.table(model)
            if action == "insert":
                table.pop(rid, None)
            elif action == "delete":
                table[rid] = data
            else:
                row = table.get(rid)
                if row is None:
                    continue
                for key, value in data.items():
                    if value is _ABSENT:
                        row.pop(key, None)
                    else:
                        row[key] = value


class _Absent:
    def __repr__(self):
        return "<absent>"


_ABSENT = _Absent()
