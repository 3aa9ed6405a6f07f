"""Prepared statements (store/prepared.py) answer as SQLAlchemy's own execution does, errors included.

Runs on SQLite and, with SIDECAR_TEST_DATABASE_URL, on PostgreSQL."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sidecar.store import Database, idempotency, jobs
from sidecar.store.audit import AuditSeal
from sidecar.store.prepared import Prepared
from sidecar.store.schema import idempotency as idempotency_table
from sidecar.store.schema import jobs as jobs_table
from tests.support.stores import store_url


@pytest.fixture
def db(tmp_path):
    database = Database(store_url(tmp_path), AuditSeal(b"k" * 32, tmp_path / "checkpoints.jsonl"))
    database.create_schema()
    yield database
    database.dispose()


def test_rows_read_back_as_sqlalchemy_reads_them(db):
    answer = {"release_id": "rel_1", "reasons": [{"code": "margin", "passed": False}], "amount": 12.5, "none": None}
    with db.transaction() as conn:
        idempotency.save(conn, "key-1", "op", "hash", 201, answer)
        job_id = jobs.enqueue(conn, idempotency_key="rel_1/decision/confirm_order", operation="confirm_order",
                              payload={"order_id": 7, "note": "é"}, release_id=None, max_attempts=3)
    with db.read() as conn:
        prepared = idempotency.find(conn, "key-1")
        plain = dict(conn.execute(sa.select(idempotency_table).where(idempotency_table.c.key == "key-1")).one()._mapping)
        job = jobs.get(conn, job_id)
        shown = jobs.shown_for_release(conn, None)  # no release: nothing, not an error
    assert prepared == plain and prepared["response"] == answer and isinstance(prepared["created_at"], float)
    assert job["payload"] == {"order_id": 7, "note": "é"} and job["seq"] == 1
    assert shown == []
    with db.read() as conn:
        assert Prepared(sa.select(jobs_table.c.seq).where(jobs_table.c.id == sa.bindparam("id"))).scalar(
            conn, {"id": job_id}) == 1


def test_a_duplicate_key_is_sqlalchemys_integrity_error_and_rolls_back(db):
    with db.transaction() as conn:
        idempotency.save(conn, "key-1", "op", "hash", 201, {"first": True})
    with pytest.raises(IntegrityError), db.transaction() as conn:
        idempotency.save(conn, "key-2", "op", "hash", 201, {})
        idempotency.save(conn, "key-1", "op", "other", 200, {"first": False})
    with db.read() as conn:
        assert idempotency.find(conn, "key-1")["response"] == {"first": True}
        assert idempotency.find(conn, "key-2") is None  # the whole unit rolled back


def test_statement_listeners_see_every_statement(db):
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.transaction() as conn:
            idempotency.save(conn, "key-1", "op", "hash", 201, {})
            assert idempotency.find(conn, "key-1")["status_code"] == 201
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert any(s.startswith("INSERT INTO idempotency") for s in seen)
    assert any(s.startswith("SELECT") and "idempotency" in s for s in seen)


def test_an_insert_that_needs_a_column_default_is_refused(db):
    statement = Prepared(jobs_table.insert())
    with pytest.raises(ValueError, match="column default"), db.transaction() as conn:
        statement.run(conn, {"id": "job_1", "idempotency_key": "k", "operation": "op", "payload": {}, "state": "pending",
                             "max_attempts": 3, "next_attempt_at": 0.0, "created_at": 0.0, "updated_at": 0.0})


def test_a_read_alone_sees_what_is_committed(db):
    by_key = Prepared(sa.select(idempotency_table.c.key, idempotency_table.c.response).where(
        idempotency_table.c.key == sa.bindparam("key")))
    assert by_key.all_alone(db.engine, {"key": "key-1"}) == []
    with db.transaction() as conn:
        idempotency.save(conn, "key-1", "op", "hash", 201, {"answer": [1, "é"]})
    assert by_key.all_alone(db.engine, {"key": "key-1"}) == [{"key": "key-1", "response": {"answer": [1, "é"]}}]
    assert not Prepared.listened(db.engine)


def test_a_read_alone_that_cannot_connect_raises_sqlalchemys_error_not_the_drivers(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    unreachable = Database(f"sqlite:///{tmp_path}/a-file/store.db")  # its file can never be opened
    by_key = Prepared(sa.select(idempotency_table.c.key).where(idempotency_table.c.key == sa.bindparam("key")))
    try:
        with pytest.raises(sa.exc.OperationalError):  # the API's 503, where the driver's own error was a 500
            by_key.all_alone(unreachable.engine, {"key": "key-1"})
    finally:
        unreachable.dispose()
