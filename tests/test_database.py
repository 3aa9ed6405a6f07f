"""Read-only transactions never take SQLite's write lock; a lock held too long is StoreBusy (503)."""
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.errors import StoreBusy
from sidecar.store import Database, audit, database
from sidecar.store.audit import AuditSeal
from tests.conftest import ALL_SCOPES_KEY, bearer, sidecar_env


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.3)


@pytest.fixture
def db(tmp_path, short_wait):
    store = Database(f"sqlite:///{tmp_path}/store.db", AuditSeal(b"k" * 32, tmp_path / "cp.jsonl"))
    store.create_schema()
    yield store
    store.dispose()


def held_write_lock(path):
    """Another process's writer: a connection holding BEGIN IMMEDIATE."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_read_runs_while_another_connection_writes(db):
    with db.read() as reader:
        reader.execute(sa.text("SELECT count(*) FROM audit_log")).scalar()
        with db.transaction() as writer:  # would wait out the busy timeout if the read held the lock
            audit.append(writer, "test.entry", "s", {})
    with db.read() as reader:
        assert len(audit.entries(reader)) == 1


def test_reads_go_on_while_the_write_lock_is_held(db, tmp_path):
    holder = held_write_lock(tmp_path / "store.db")
    try:
        with db.read() as reader:
            assert reader.execute(sa.text("SELECT count(*) FROM jobs")).scalar() == 0
        with pytest.raises(StoreBusy), db.transaction() as writer:
            audit.append(writer, "test.entry", "s", {})
    finally:
        holder.rollback()
        holder.close()


def test_a_held_lock_is_503_with_retry_after_and_reads_still_answer(tmp_path, short_wait):
    # SQLite's file lock is what this holds: the store is SQLite whatever store the suite runs on.
    env = sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_DATABASE_URL=f"sqlite:///{tmp_path}/sidecar.db")
    app = create_app(settings=load_settings(env))
    client = app.test_client()
    holder = held_write_lock(tmp_path / "sidecar.db")
    try:
        assert client.get("/v1/audit/verify", headers=bearer(ALL_SCOPES_KEY)).status_code == 200
        assert client.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)).status_code == 200
        answer = client.post("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY),
                             json={"execution": {"id": "1"}, "workflow": {"name": "w"}})
        assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
        assert answer.json["error"]["code"] == "store_busy"
    finally:
        holder.rollback()
        holder.close()
        app.extensions["sidecar"].close()


def test_verify_pages_do_not_hold_writers_back(db):
    with db.transaction() as conn:
        for n in range(300):
            audit.append(conn, "test.entry", "s", {"n": n})
    from sidecar.store.audit_verify import verify
    appended = []

    def writer():
        for n in range(20):
            with db.transaction() as conn:
                appended.append(audit.append(conn, "test.entry", "w", {"n": n}))

    thread = threading.Thread(target=writer)
    thread.start()
    report = verify(db, page_size=10)
    thread.join()
    assert report["ok"] and len(appended) == 20
    assert verify(db)["ok"]
