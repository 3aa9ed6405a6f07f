"""Engine and transactions: SQLite (WAL) by default, PostgreSQL by URL."""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sidecar.store.schema import metadata


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and write-locking transactions."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, future=True)
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let BEGIN below take over from pysqlite
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Take the write lock up front: read-then-write transactions (audit chain, claims)
        # then queue on busy_timeout instead of failing on a lock upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """Owns the engine; hands out transactions."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)

    def create_schema(self) -> None:
        """Create missing tables and add new nullable columns (idempotent)."""
        from sidecar.store.upgrade import add_missing_columns
        metadata.create_all(self.engine)
        add_missing_columns(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One unit of work: commits on success, rolls back on any exception."""
        with self.engine.begin() as conn:
            yield conn

    def ping(self) -> None:
        """Raise when the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
