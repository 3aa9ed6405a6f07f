"""Engine and transactions: SQLite (WAL) by default, PostgreSQL by URL."""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sidecar.errors import StoreBusy
from sidecar.store.group_commit import MEMBER_SAVEPOINT, GroupCommit
from sidecar.store.writers import queue_for

BUSY_TIMEOUT_SECONDS = 30
READ_ONLY = "sidecar_read_only"  # execution option: this transaction only reads
NOT_DURABLE = "sidecar_not_durable"  # execution option: this write may be lost in a power cut (see transaction)
AFTER_COMMIT = "sidecar_after_commit"  # conn.info key: callbacks to run once the transaction committed
BEFORE_COMMIT = "sidecar_before_commit"  # conn.info key: writes the transaction runs last, just before COMMIT
LOCAL = "sidecar_transaction_local"  # conn.info key: what one transaction keeps for its last writes
AUDIT_SEAL = "sidecar_audit_seal"  # execution option: the audit chain's key (see store/audit.py)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and write-locking write transactions."""
    if not url.startswith("sqlite"):
        engine = sa.create_engine(url, pool_pre_ping=True, future=True)
        if engine.dialect.name == "postgresql":
            @sa.event.listens_for(engine, "connect")
            def _on_pg_connect(dbapi_conn, _record):
                # As long as SQLite's busy timeout: a lock held longer answers StoreBusy (55P03), not a hang.
                with dbapi_conn.cursor() as cursor:
                    cursor.execute(f"SET lock_timeout = '{BUSY_TIMEOUT_SECONDS}s'")
                dbapi_conn.commit()
        return engine
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let BEGIN below take over from pysqlite
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL: readers never wait for the writer, nor it for them. Write transactions sync the log at
        # commit (synchronous=FULL, set as each begins): an answered decision survives a power cut or an
        # OS crash too; NORMAL keeps it through a crash of the process only. One fsync per decision.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writes take the write lock up front: read-then-write transactions (audit chain, claims)
        # then queue on busy_timeout instead of failing on a lock upgrade. Reads take none: in WAL
        # mode a deferred transaction reads a snapshot while writers go on.
        options = conn.get_execution_options()
        if options.get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        level, kept = "NORMAL" if options.get(NOT_DURABLE) else "FULL", conn.connection.info
        if kept.get("synchronous") != level:  # a connection's level stays until changed: set it when it changes
            conn.exec_driver_sql(f"PRAGMA synchronous={level}")
            kept["synchronous"] = level
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def sqlite_path(url: str) -> str | None:
    """The file behind a SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    path = sa.engine.make_url(url).database
    return path if path and path != ":memory:" else None


def is_lock_timeout(err: sa.exc.OperationalError) -> bool:
    """True when the database gave up waiting for a lock (SQLite busy, PostgreSQL lock_timeout)."""
    text = str(err.orig).lower()
    return "database is locked" in text or "database table is locked" in text \
        or getattr(err.orig, "pgcode", None) == "55P03"


class Database:
    """Owns the engine; hands out write transactions and read-only ones."""

    def __init__(self, url: str, audit_seal=None):
        self.url = url
        self.engine = make_engine(url)
        self.audit_seal = audit_seal
        path = sqlite_path(url)
        self.writers = queue_for(path) if path else None  # this host's writers of the file wait in line
        if audit_seal is not None:
            self.engine.update_execution_options(**{AUDIT_SEAL: audit_seal})
        # A SQLite file's write transactions of this process commit in batches (one fsync for several).
        self.group = GroupCommit(self.engine, self.engine.execution_options(**{NOT_DURABLE: True}),
                                 self.writers) if self.writers else None
        # Built once: an engine with options is a new object with its own options dict, each time it is asked for.
        self._reader = self.engine.execution_options(**{READ_ONLY: True})

    def exists(self) -> bool:
        """True when the store is there already (a SQLite file is not created by asking)."""
        path = sqlite_path(self.url)
        if path is not None:
            return os.path.isfile(path)
        return sa.inspect(self.engine).has_table("audit_log")

    def create_schema(self) -> str:
        """Create the store or bring it to the newest migration (idempotent); the revision it is at."""
        from sidecar.store.migrate import upgrade
        path = sqlite_path(self.url)
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return upgrade(self.engine)

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Connection]:
        """One unit of work: commits on success, rolls back on any exception.

        `durable=False` is for writes that are safe to lose in a power cut (on SQLite the commit then
        skips its fsync; a crash of the process never loses it, and the next durable commit makes it
        durable too): what a worker records about a job (claim, lease, outcome), whose loss only makes the
        idempotent job run again.
        """
        if self.group is None:
            engine = self.engine if durable else self.engine.execution_options(**{NOT_DURABLE: True})
            with self._begin(engine) as conn:
                yield conn
            return
        hooks: list[Callable[[], None]] = []
        with _busy_as_store_busy(), self.group.member(durable, BUSY_TIMEOUT_SECONDS) as conn, \
                _unit_of_work(conn, hooks):
            yield conn
        for hook in hooks:
            hook()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work: never takes SQLite's write lock (deferred BEGIN)."""
        with self._begin(self._reader) as conn:
            yield conn

    @staticmethod
    @contextmanager
    def _begin(engine) -> Iterator[Connection]:
        hooks: list[Callable[[], None]] = []
        with _busy_as_store_busy(), engine.begin() as conn, _unit_of_work(conn, hooks):
            yield conn
        for hook in hooks:
            hook()

    def ping(self) -> None:
        """Raise when the database cannot answer a trivial query."""
        with self.read() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


@contextmanager
def _busy_as_store_busy() -> Iterator[None]:
    """A lock waited for too long is StoreBusy (503 with Retry-After), not a store failure."""
    try:
        yield
    except sa.exc.OperationalError as err:
        if is_lock_timeout(err):
            raise StoreBusy("the store is busy (a lock was held too long); retry shortly") from err
        raise


@contextmanager
def _unit_of_work(conn: Connection, after: list[Callable[[], None]]) -> Iterator[None]:
    """What one unit of work keeps on its connection: hooks to run after its commit (into `after`),
    writes to run last, and its transaction-local dict; the last writes run when the block succeeds."""
    conn.info[AFTER_COMMIT], conn.info[BEFORE_COMMIT], conn.info[LOCAL] = after, [], {}
    try:
        yield
        for last_write in conn.info[BEFORE_COMMIT]:  # appended while running are run too
            last_write()
    except BaseException:
        after.clear()  # nothing of this unit is committed
        raise
    finally:
        conn.info.pop(AFTER_COMMIT, None)
        conn.info.pop(BEFORE_COMMIT, None)
        conn.info.pop(LOCAL, None)  # conn.info outlives the transaction: nothing may leak into the next


def in_savepoint(conn: Connection) -> bool:
    """True inside a savepoint the caller opened (a group-committed unit's own savepoint does not count)."""
    nested = conn.get_nested_transaction()
    return nested is not None and nested is not conn.info.get(MEMBER_SAVEPOINT)


def transaction_local(conn: Connection) -> dict | None:
    """A dict that lives as long as the caller's transaction; None when a Database did not begin it."""
    return conn.info.get(LOCAL)


def before_commit(conn: Connection, write: Callable[[], None]) -> None:
    """Run `write` in the caller's transaction (begun by a Database) just before it commits; never when
    it rolls back."""
    conn.info[BEFORE_COMMIT].append(write)


def after_commit(conn: Connection, hook: Callable[[], None]) -> None:
    """Run `hook` once the caller's transaction has committed (never when it rolls back)."""
    conn.info[AFTER_COMMIT].append(hook)
