"""Where test stores live: a SQLite file per test, or, when SIDECAR_TEST_DATABASE_URL names a PostgreSQL
server (scripts/postgres.sh prints one), a fresh schema per test on it, so the suite runs on both."""
from __future__ import annotations

import hashlib
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

SERVER_URL = os.environ.get("SIDECAR_TEST_DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith("postgresql")
ONLY_ON_POSTGRES = "needs PostgreSQL (SIDECAR_TEST_DATABASE_URL)"  # CI's PostgreSQL run covers it
_admin: sa.engine.Engine | None = None
_RUN = uuid.uuid4().hex  # two pytest runs on one server never share a schema


def store_url(folder) -> str:
    """The URL of the store of one test folder: the same folder, the same store (a test's worker process
    shares its app's), empty when first asked."""
    if not ON_POSTGRES:
        return f"sqlite:///{folder}/sidecar.db"
    global _admin
    if _admin is None:
        _admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    schema = "t_" + hashlib.sha256(f"{_RUN}:{os.path.abspath(folder)}".encode()).hexdigest()[:20]
    with _admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    url = sa.engine.make_url(SERVER_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def opened_store(folder):
    """The store of a test folder (store_url), its schema created, sealed with the tests' audit key;
    disposed afterwards."""
    from sidecar.store import Database
    from sidecar.store.audit import AuditSeal
    from tests.conftest import AUDIT_KEY

    store = Database(store_url(folder), AuditSeal(AUDIT_KEY.encode(), Path(folder) / "checkpoints.jsonl"))
    store.create_schema()
    try:
        yield store
    finally:
        store.dispose()


class ThrowawayPostgres:
    """A PostgreSQL server of a test's own (scripts/postgres.sh), for tests that take the store down: its
    URL and data directory; `down()` then `up()` restart it in two steps, data kept; `stop()` removes it."""

    def __init__(self):
        found = dict(line.split("=", 1) for line in self._script().split())
        self.url, self.data = found["SIDECAR_TEST_DATABASE_URL"], found["SIDECAR_TEST_PGDATA"]

    @staticmethod
    def _script(*args: str) -> str:
        import subprocess
        script = Path(__file__).resolve().parents[2] / "scripts" / "postgres.sh"
        done = subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def down(self) -> None:
        self._script("down", self.data)

    def up(self) -> None:
        self._script("up", self.data)

    def stop(self) -> None:
        self._script("stop", self.data)
