import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sidecar.store import Database, audit, dead_letters, idempotency, jobs, signatures
from sidecar.store.audit import AuditSeal


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/store.db", AuditSeal(b"k" * 32, tmp_path / "checkpoints.jsonl"))
    database.create_schema()
    yield database
    database.dispose()


def test_transaction_rolls_back_everything(db):
    with pytest.raises(RuntimeError), db.transaction() as conn:
        audit.append(conn, "test.entry", "s", {})
        idempotency.save(conn, "k", "op", "h", 201, {})
        raise RuntimeError("boom")
    with db.transaction() as conn:
        assert idempotency.find(conn, "k") is None
        assert audit.entries(conn) == []


def test_job_lifecycle_and_key_covers_finished_jobs(db):
    lease = lambda operation: 60.0  # noqa: E731
    with db.transaction() as conn:
        job_id = jobs.enqueue(conn, idempotency_key="rel/decision/confirm_order", operation="confirm_order",
                              payload={"order_id": 1}, release_id=None, max_attempts=3)
    with db.transaction() as conn:
        claimed = jobs.claim_next(conn, lease)
        assert claimed["id"] == job_id and claimed["attempts"] == 0 and claimed["state"] == jobs.STARTED
        assert jobs.claim_next(conn, lease) is None  # claimed jobs are not handed out twice
        assert jobs.set_retry(conn, job_id, claimed["claim_token"], 3600, "down", "odoo_unreachable")
        assert jobs.get(conn, job_id)["attempts"] == 1  # an attempt counts when the Odoo call came back
        assert jobs.claim_next(conn, lease) is None  # not due yet
        conn.execute(sa.text("UPDATE jobs SET next_attempt_at = 0"))
        again = jobs.claim_next(conn, lease)
        assert jobs.set_dead(conn, job_id, again["claim_token"], "down", "odoo_unreachable")
        assert jobs.requeue(conn, job_id)
        assert not jobs.requeue(conn, job_id)
        claimed = jobs.claim_next(conn, lease)
        assert jobs.set_done(conn, job_id, claimed["claim_token"], {"effect": "applied"})
    with pytest.raises(IntegrityError), db.transaction() as conn:
        jobs.enqueue(conn, idempotency_key="rel/decision/confirm_order", operation="confirm_order",
                     payload={}, release_id=None, max_attempts=3)


def test_signature_replay_is_refused(db):
    with db.transaction() as conn:
        assert signatures.remember(conn, "v1=abc", 60)
        assert not signatures.remember(conn, "v1=abc", 60)


def test_dead_letters_filter(db):
    with db.transaction() as conn:
        first = dead_letters.insert(conn, kind="job", category="odoo_unreachable", summary="a", detail={}, ref="j1")
        dead_letters.insert(conn, kind="event", category="access_denied", summary="b", detail={}, ref="e1")
        assert [d["id"] for d in dead_letters.list_letters(conn, category="odoo_unreachable")] == [first]
        assert dead_letters.open_for_ref(conn, "j1")["id"] == first
        dead_letters.set_status(conn, first, dead_letters.REPLAYED, replayed=True)
        assert dead_letters.open_for_ref(conn, "j1") is None
        assert dead_letters.get(conn, first)["replay_count"] == 1


def test_sqlite_runs_in_wal_mode(db):
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_an_older_store_gains_the_new_dead_letter_columns(tmp_path):
    import sqlalchemy as sa

    from sidecar.store import Database, dead_letters
    url = f"sqlite:///{tmp_path}/old.db"
    old = sa.create_engine(url)
    with old.begin() as conn:  # the dead_letters table as the first release created it
        conn.exec_driver_sql(
            "CREATE TABLE dead_letters (id VARCHAR(40) PRIMARY KEY, kind VARCHAR(16) NOT NULL, "
            "category VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL, summary TEXT NOT NULL, ref VARCHAR(255), "
            "detail JSON NOT NULL, replay_count INTEGER NOT NULL, created_at FLOAT NOT NULL, "
            "updated_at FLOAT NOT NULL)")
        conn.exec_driver_sql("INSERT INTO dead_letters VALUES ('dl_old', 'job', 'odoo_error', 'open', 's', 'job_1', "
                             "'{}', 0, 1.0, 1.0)")
    old.dispose()
    db = Database(url)
    db.create_schema()
    db.create_schema()  # idempotent
    with db.transaction() as conn:
        letter = dead_letters.get(conn, "dl_old")
        assert letter["reason"] is None and letter["linked_to"] is None and letter["closed_by"] is None
        assert dead_letters.close(conn, "dl_old", dead_letters.ABANDONED, "old letter", by="ops")
    db.dispose()


def test_a_lease_has_one_holder_until_released_or_expired(db):
    from sidecar.store import locks
    with db.transaction() as conn:
        first = locks.acquire(conn, "job", 60)
        assert first and locks.acquire(conn, "job", 60) is None
        locks.release(conn, "job", "someone-else")  # only the holder gives it back
        assert locks.acquire(conn, "job", 60) is None
        locks.release(conn, "job", first)
        second = locks.acquire(conn, "job", -1)  # already expired: as if its holder died
        assert second and second != first
        third = locks.acquire(conn, "job", 60)
        assert third not in (None, second)


def test_an_older_store_becomes_the_release_flows_and_keys_documents_by_model(tmp_path):
    """Decisions and jobs stored before flows belong to sales-order release; indexes gain the model."""
    from sidecar.store import releases, schema
    url = f"sqlite:///{tmp_path}/old.db"
    old_meta = sa.MetaData()
    old = {name: sa.Table(name, old_meta, *[sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                                             for c in schema.metadata.tables[name].columns
                                             if c.name not in ("flow", "model")])
           for name in ("releases", "jobs")}
    sa.Index("releases_one_in_flight_per_order", old["releases"].c.order_id, unique=True,
             sqlite_where=old["releases"].c.in_flight == 1)
    sa.Index("jobs_order_seq", old["jobs"].c.order_id, old["jobs"].c.seq, unique=True)
    engine = sa.create_engine(url)
    old_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(old["releases"].insert().values(
            id="rel_old", order_id=7, order_name="S00007", event_id="e", outcome="release", status="releasing",
            decision={}, facts={}, policy_version="1", in_flight=1, created_at=1.0, updated_at=1.0))
        conn.execute(old["jobs"].insert().values(
            id="job_old", idempotency_key="rel_old/decision/confirm_order", release_id="rel_old", order_id=7, seq=1,
            operation="confirm_order", payload={"order_id": 7}, state="pending", attempts=0, crashes=0,
            max_attempts=3, next_attempt_at=1.0, created_at=1.0, updated_at=1.0))
    engine.dispose()
    db = Database(url)
    db.create_schema()
    db.create_schema()  # idempotent
    indexes = {i["name"]: i["column_names"] for t in ("releases", "jobs") for i in sa.inspect(db.engine).get_indexes(t)}
    assert indexes["releases_one_in_flight_per_order"] == ["flow", "model", "order_id"]
    assert indexes["jobs_order_seq"] == ["model", "order_id", "seq"]
    with db.transaction() as conn:
        stored = releases.get_release(conn, "rel_old")
        assert (stored["flow"], stored["model"]) == ("sales-order-release", "sale.order")
        assert releases.release_in_flight(conn, "sales-order-release", "sale.order", 7)["id"] == "rel_old"
        assert releases.release_in_flight(conn, "purchase-approval", "purchase.order", 7) is None
        assert jobs.get(conn, "job_old")["model"] == "sale.order"
        later = jobs.enqueue(conn, idempotency_key="rel_old/approval/x", operation="post_message",
                             payload={"order_id": 7}, release_id="rel_old", max_attempts=3, model="sale.order")
        assert jobs.get(conn, later)["seq"] == 2  # behind the old job of the same document
        with pytest.raises(IntegrityError):  # still one decision in flight per flow and document
            releases.insert_release(conn, flow="sales-order-release", model="sale.order", order_id=7,
                                    order_name="S00007", event_id="e2", decision={"outcome": "release",
                                                                                 "policy": {"version": "1"}},
                                    facts={}, status="releasing", requested_by=None)
    with db.transaction() as conn:  # another flow may decide the same document meanwhile
        releases.insert_release(conn, flow="another-flow", model="sale.order", order_id=7,
                                order_name="S00007", event_id="e3", decision={"outcome": "pass",
                                                                             "policy": {"version": "1"}},
                                facts={}, status="releasing", requested_by=None)
        assert releases.release_in_flight(conn, "another-flow", "sale.order", 7)["event_id"] == "e3"
    db.dispose()
