"""The outbox claims higher-priority due jobs first, without breaking a document's own order."""
import sqlalchemy as sa

from sidecar.store import Database, jobs
from sidecar.store.audit import AuditSeal
from tests.support.stores import store_url

LEASE = lambda operation: 60.0  # noqa: E731


def _db(tmp_path):
    database = Database(store_url(tmp_path), AuditSeal(b"k" * 32, tmp_path / "checkpoints.jsonl"))
    database.create_schema()
    return database


def _enqueue(conn, key, priority=None, order_id=None, model="sale.order"):
    return jobs.enqueue(conn, idempotency_key=key, operation="post_message", payload={}, release_id=None,
                        max_attempts=3, order_id=order_id, model=model, priority=priority)


def _claim_all(conn):
    claimed = []
    while (job := jobs.claim_next(conn, LEASE)) is not None:
        claimed.append(job["idempotency_key"])
        jobs.set_done(conn, job["id"], job["claim_token"], {})
    return claimed


def test_higher_priority_due_jobs_are_claimed_first(tmp_path):
    db = _db(tmp_path)
    with db.transaction() as conn:
        _enqueue(conn, "catalogue", priority=10)
        _enqueue(conn, "flow")  # a governed flow's write-back: the default priority
        _enqueue(conn, "stock", priority=40)
        _enqueue(conn, "orders", priority=30)
    with db.transaction() as conn:
        assert _claim_all(conn) == ["stock", "orders", "catalogue", "flow"]


def test_priority_never_passes_an_earlier_job_of_the_same_document(tmp_path):
    db = _db(tmp_path)
    with db.transaction() as conn:
        _enqueue(conn, "doc7-first", priority=0, order_id=7)
        _enqueue(conn, "doc7-second", priority=50, order_id=7)
        _enqueue(conn, "other", priority=20, order_id=8)
    with db.transaction() as conn:
        first = jobs.claim_next(conn, LEASE)
        assert first["idempotency_key"] == "other"  # doc 7's urgent job waits behind its own first job
        second = jobs.claim_next(conn, LEASE)
        assert second["idempotency_key"] == "doc7-first"
        assert jobs.claim_next(conn, LEASE) is None  # fenced: doc7-second waits until doc7-first settles
        jobs.set_done(conn, second["id"], second["claim_token"], {})
        assert jobs.claim_next(conn, LEASE)["idempotency_key"] == "doc7-second"


def test_an_older_store_gets_the_priority_column(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the jobs table as stores had it before priorities
        conn.exec_driver_sql(
            "CREATE TABLE jobs (id VARCHAR(40) PRIMARY KEY, idempotency_key VARCHAR(255) NOT NULL UNIQUE, "
            "release_id VARCHAR(40), order_id INTEGER, seq INTEGER, operation VARCHAR(64) NOT NULL, payload JSON NOT NULL, "
            "state VARCHAR(16) NOT NULL, attempts INTEGER NOT NULL, crashes INTEGER NOT NULL, max_attempts INTEGER NOT NULL, "
            "next_attempt_at FLOAT NOT NULL, first_failed_at FLOAT, locked_until FLOAT, claim_token VARCHAR(40), "
            "last_error TEXT, category VARCHAR(32), result JSON, created_at FLOAT NOT NULL, updated_at FLOAT NOT NULL, "
            "done_at FLOAT, model VARCHAR(64))")
        conn.exec_driver_sql("INSERT INTO jobs VALUES ('job_old', 'old', NULL, NULL, NULL, 'post_message', '{}', "
                             "'pending', 0, 0, 3, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL)")
    engine.dispose()
    db = Database(url, AuditSeal(b"k" * 32, tmp_path / "checkpoints.jsonl"))
    db.create_schema()
    assert "priority" in {c["name"] for c in sa.inspect(db.engine).get_columns("jobs")}
    with db.transaction() as conn:
        _enqueue(conn, "urgent", priority=5)
        assert _claim_all(conn) == ["urgent", "old"]  # the old job runs at the default priority
