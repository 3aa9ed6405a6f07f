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
