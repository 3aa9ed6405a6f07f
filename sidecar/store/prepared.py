"""Statements of the decision path, compiled once per database kind and run on the transaction's own
DBAPI cursor.

SQLAlchemy still builds the SQL and converts the values (its types' bind and result processors: JSON,
for one). What is skipped is its per-execution machinery (execution context, cache-key lookup, result
proxy), which cost a decision more than SQLite took to run its statements. Anything that listens for
statements (`before_cursor_execute`: tracing, tests that count statements) gets SQLAlchemy's own path,
and so does a connection outside a transaction (so that SQLite's BEGIN IMMEDIATE still runs first).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


class _Form:
    """One statement compiled for one dialect: its SQL, how to lay out its parameters, how to read rows."""

    __slots__ = ("sql", "names", "positional", "defaults", "binders", "columns", "keys", "readers")

    def __init__(self, statement, dialect, column_keys):
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if compiled.prefetch or compiled.literal_execute_params or any(b.expanding for b in compiled.binds.values()):
            raise ValueError(f"not a plain statement (a column default to fill in, an expanding bind): {compiled}")
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = list(compiled.positiontup) if self.positional else list(compiled.binds)
        # Values the statement holds itself (`state == "dead"`), under the names this compilation gave them.
        self.defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        self.binders = [(name, _bind_processor(compiled.binds[name].type, dialect)) for name in self.names]
        self.binders = [(name, process) for name, process in self.binders if process is not None]
        self.columns = list(statement.selected_columns) if isinstance(statement, sa.Select) else []
        self.keys = [column.key for column in self.columns]
        self.readers = None  # known at the first result: a driver's processor may need the column's type code

    def read_with(self, dialect, description) -> list:
        """The result processors, by column, for the type codes the driver describes."""
        if self.readers is None:
            processors = [column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                          for column, described in zip(self.columns, description)]
            self.readers = [(i, process) for i, process in enumerate(processors) if process is not None]
        return self.readers

    def parameters(self, values: dict):
        params = {**self.defaults, **values} if self.defaults else values
        if self.binders:
            params = dict(params)
            for name, process in self.binders:
                params[name] = process(params[name])
        return tuple(params[name] for name in self.names) if self.positional else {n: params[n] for n in self.names}

    def rows(self, dialect, description, raws: list) -> list[dict]:
        readers = self.read_with(dialect, description) if raws else ()
        found = []
        for raw in raws:
            values = list(raw)
            for i, process in readers:
                values[i] = process(values[i])
            found.append(dict(zip(self.keys, values)))
        return found


def _bind_processor(type_, dialect):
    return type_.dialect_impl(dialect).bind_processor(dialect)


class Prepared:
    """A statement to run many times: `run` (one row of values or many), `first` and `all` (rows as dicts).

    Inserts and updates are compiled for the columns their values name (one form per set of names);
    every column an insert writes must be given a value: column defaults are SQLAlchemy's to fill in,
    and a statement that needs them is refused when first compiled.
    """

    def __init__(self, statement):
        self.statement = statement
        self._table = statement.table if isinstance(statement, (sa.Insert, sa.Update)) else None
        self._columns = set(self._table.c.keys()) if self._table is not None else set()
        self._forms: dict[tuple, _Form] = {}

    def _form(self, dialect, values: dict) -> _Form:
        key = (dialect.name, tuple(values) if self._table is not None else None)
        form = self._forms.get(key)
        if form is None:
            # An insert or update sets the columns its values name; its other values feed bound parameters.
            columns = [k for k in values if k in self._columns] if self._table is not None else None
            form = self._forms[key] = _Form(self.statement, dialect, columns)
        return form

    @staticmethod
    def listened(bind: Connection | Engine) -> bool:
        """True when something listens for the statements `bind` runs: they must go SQLAlchemy's own way."""
        return bool(bind.dispatch.before_cursor_execute) or bool(bind.dispatch.after_cursor_execute)

    def _full_path(self, conn: Connection) -> bool:
        return not conn.in_transaction() or self.listened(conn)

    def run(self, conn: Connection, values: dict | list[dict]) -> None:
        """Execute with one dict of values, or with a list of them (executemany)."""
        if self._full_path(conn) or (isinstance(values, list) and not values):
            conn.execute(self.statement, values)
            return
        many = isinstance(values, list)
        form = self._form(conn.dialect, values[0] if many else values)
        params = [form.parameters(row) for row in values] if many else form.parameters(values)
        _execute(conn.connection, conn.dialect, form, params, many, conn.invalidate).close()

    def first(self, conn: Connection, values: dict | None = None) -> dict | None:
        """The first row as a dict (None when there is none)."""
        rows = self._fetch(conn, values or {}, one=True)
        return rows[0] if rows else None

    def all(self, conn: Connection, values: dict | None = None) -> list[dict]:
        """Every row, as dicts."""
        return self._fetch(conn, values or {}, one=False)

    def _fetch(self, conn: Connection, values: dict, one: bool) -> list[dict]:
        if self._full_path(conn):
            result = conn.execute(self.statement, values)
            return [dict(row._mapping) for row in ([result.first()] if one else result) if row is not None]
        return self._rows(conn.connection, conn.dialect, values, one, conn.invalidate)

    def all_alone(self, engine: Engine, values: dict | None = None) -> list[dict]:
        """Every row of this one read, on a pooled connection with no transaction begun around it (one
        statement reads one consistent snapshot; the pool rolls back as the connection goes back).
        The caller sends it SQLAlchemy's own way when `listened(engine)`."""
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            raw = engine.raw_connection()
        except dbapi_error as err:  # engine.connect() would give SQLAlchemy's error; raw_connection() does not
            raise sa.exc.DBAPIError.instance(None, None, err, dbapi_error, dialect=engine.dialect) from err
        try:
            return self._rows(raw, engine.dialect, values or {}, False, raw.invalidate)
        finally:
            raw.close()

    def _rows(self, connection, dialect, values: dict, one: bool, invalidate) -> list[dict]:
        form = self._form(dialect, values)
        cursor = _execute(connection, dialect, form, form.parameters(values), False, invalidate)
        try:
            raws = [raw for raw in [cursor.fetchone()] if raw is not None] if one else cursor.fetchall()
            return form.rows(dialect, cursor.description, raws)
        finally:
            cursor.close()

    def scalar(self, conn: Connection, values: dict | None = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.first(conn, values)
        return None if row is None else next(iter(row.values()))


def _execute(connection, dialect, form: _Form, params, many: bool, invalidate):
    """A cursor of `connection` (pooled, DBAPI's underneath) that ran the form; a DBAPI error comes out as
    SQLAlchemy's own, after `invalidate` when the connection was lost."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(form.sql, params)
        else:
            cursor.execute(form.sql, params)
    except dialect.loaded_dbapi.Error as err:
        cursor.close()
        lost = dialect.is_disconnect(err, connection.dbapi_connection, None)
        if lost:
            invalidate(err)
        raise sa.exc.DBAPIError.instance(form.sql, params, err, dialect.loaded_dbapi.Error,
                                         connection_invalidated=lost, dialect=dialect) from err
    return cursor
