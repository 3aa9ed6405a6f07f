"""Retention (store/retention.py): expired idempotency records, finished jobs and closed dead letters go in batches,
what is still needed stays, each run is audited, the audit chain still verifies (fully and from a checkpoint)
though its entries name pruned rows; the worker prunes once per interval across workers, the CLI on demand.
Runs on SQLite and, with SIDECAR_TEST_DATABASE_URL, on PostgreSQL."""
from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from sidecar.config import load_settings
from sidecar.errors import ConfigError
from sidecar.store import Database, audit, dead_letters, idempotency, jobs, records, releases, retention
from sidecar.store.audit import AuditSeal
from sidecar.store.audit_verify import verify
from sidecar.store.retention import DAY, Retention, prune
from sidecar.store.schema import dead_letters as letters_table
from sidecar.store.schema import idempotency as keys_table
from sidecar.store.schema import jobs as jobs_table
from tests.conftest import AUDIT_KEY, bearer, sidecar_env
from tests.support.stores import store_url
from tests.test_cli import run_cli

POLICY = Retention(idempotency_days=30, jobs_days=30, dead_letters_days=90)


@pytest.fixture
def db(tmp_path):
    store = Database(store_url(tmp_path), AuditSeal(AUDIT_KEY.encode(), tmp_path / "checkpoints.jsonl"))
    store.create_schema()
    yield store
    store.dispose()


def age(db, table, key_column, key, days: float) -> None:
    """Make a row `days` old: every time column it has moves back."""
    shift = {name: table.c[name] - days * DAY for name in ("created_at", "updated_at", "done_at") if name in table.c}
    with db.transaction() as conn:
        conn.execute(table.update().where(key_column == key).values(**shift))


def finished_job(conn, key: str, release_id: str | None = None) -> str:
    """A job the outbox ran to done, audited as the worker audits it."""
    job_id = jobs.enqueue(conn, idempotency_key=key, operation="post_message", payload={"order_id": 9},
                          release_id=release_id, max_attempts=3)
    claimed = jobs.claim_next(conn, lambda _operation: 60.0)
    assert claimed["id"] == job_id
    assert jobs.set_done(conn, job_id, claimed["claim_token"], {"effect": "posted"})
    audit.append(conn, "writeback.done", release_id or job_id, {"job_id": job_id, "operation": "post_message"})
    return job_id


def release(conn, order_id: int) -> str:
    return releases.insert_release(conn, flow="sales-order-release", model="sale.order", order_id=order_id,
                                   order_name=f"S{order_id}", event_id=f"e{order_id}", status="awaiting_approval",
                                   decision={"outcome": "approve", "policy": {"version": "t"}}, facts={},
                                   requested_by="admin")


class Clock:
    """The store's clock (records.now), moved back while rows are made: old rows come with old audit entries."""

    def __init__(self, monkeypatch):
        import time as real_time
        self.real, self.offset = real_time, 0.0
        monkeypatch.setattr(records, "time", self)

    def time(self) -> float:
        return self.real.time() + self.offset

    @contextmanager
    def days_ago(self, days: float):
        self.offset = -days * DAY
        try:
            yield
        finally:
            self.offset = 0.0


@pytest.fixture
def store(db, monkeypatch) -> dict:
    """Rows of every kind, old and recent, some old ones still needed, made in time order; their ids by what
    should become of them."""
    clock = Clock(monkeypatch)
    letters = {}
    for days in (91, 89):
        with clock.days_ago(days), db.transaction() as conn:
            for name in (("closed-old", "open-old") if days == 91 else ("closed-recent",)):
                letters[name] = dead_letters.insert(conn, kind=dead_letters.N8N_EXECUTION, category="n8n_failure",
                                                    summary=name, detail={}, ref=f"n8n:{name}")
                audit.append(conn, "deadletter.recorded", letters[name], {"ref": f"n8n:{name}"})
                if name.startswith("closed"):
                    assert dead_letters.close(conn, letters[name], dead_letters.RESOLVED, "done by hand", by="ops")
                    audit.append(conn, "deadletter.resolved", letters[name], {"reason": "done by hand"})
    with clock.days_ago(31), db.transaction() as conn:
        idempotency.save(conn, "key-old", "test", "h" * 64, 201, {})
        audit.append(conn, "event.received", "key-old", {"idempotency_key": "key-old"})
        done_old = finished_job(conn, "done-old")
        in_flight = finished_job(conn, "in-flight-old", release(conn, 11))
        held = finished_job(conn, "held-by-letter-old")
        letters["holding"] = dead_letters.insert(conn, kind=dead_letters.JOB, category="odoo_unreachable",
                                                 summary="s", detail={}, ref=held)
        waiting = jobs.enqueue(conn, idempotency_key="retrying-old", operation="post_message",
                               payload={"order_id": 10}, release_id=None, max_attempts=3)
        claimed = jobs.claim_next(conn, lambda _operation: 60.0)
        assert jobs.set_retry(conn, waiting, claimed["claim_token"], 60 * DAY, "Odoo down", "odoo_unreachable")
    with clock.days_ago(29), db.transaction() as conn:
        idempotency.save(conn, "key-recent", "test", "h" * 64, 201, {})
        done_recent = finished_job(conn, "done-recent")
    return {"pruned": {"idempotency": ["key-old"], "jobs": [done_old], "dead_letters": [letters["closed-old"]]},
            "kept": {"idempotency": ["key-recent"], "jobs": [done_recent, waiting, in_flight, held],
                     "dead_letters": [letters["closed-recent"], letters["open-old"], letters["holding"]]}}


KEYS = {"idempotency": keys_table.c.key, "jobs": jobs_table.c.id, "dead_letters": letters_table.c.id}


def present(db) -> dict:
    with db.read() as conn:
        return {kind: set(conn.execute(sa.select(column)).scalars()) for kind, column in KEYS.items()}


def test_expired_rows_go_and_what_is_recent_or_still_needed_stays(db, store):
    report = prune(db, POLICY, actor="ops")
    assert report["pruned"] == {kind: len(ids) for kind, ids in store["pruned"].items()} and report["complete"]
    assert present(db) == {kind: set(ids) for kind, ids in store["kept"].items()}
    with db.read() as conn:
        entry = audit.latest(conn, "store.pruned", "retention")
    assert entry["seq"] == report["audit_seq"] and entry["actor"] == "ops"
    assert entry["data"]["pruned"] == report["pruned"] and entry["data"]["before"] == report["before"]
    again = prune(db, POLICY, actor="ops")  # nothing left to expire: still one entry, with zeros
    assert again["pruned"] == {"idempotency": 0, "jobs": 0, "dead_letters": 0} and again["audit_seq"] == entry["seq"] + 1


def test_the_chain_still_verifies_from_the_start_and_from_its_checkpoint_after_pruning(db, store):
    assert verify(db)["ok"]  # signs a checkpoint at the head: the incremental verify resumes there
    prune(db, POLICY, actor="ops")
    with db.read() as conn:
        named = [e["data"].get("job_id") or e["subject"] for e in audit.entries(conn)]
    pruned = [row for ids in store["pruned"].values() for row in ids]
    assert set(pruned) <= set(named)  # entries still name rows that are gone
    incremental = verify(db, incremental=True)  # from the checkpoint signed before the prune
    assert incremental["ok"] and incremental["from_seq"] > 1 and incremental["entries"] == 1  # the prune's entry
    full = verify(db)
    assert full["ok"] and full["problems"] == [] and full["entries"] == full["head_seq"]


def test_a_dry_run_counts_and_changes_nothing(db, store):
    before, head = present(db), verify(db)["head_seq"]
    report = prune(db, POLICY, dry_run=True)
    assert report["dry_run"] and report["pruned"] == {kind: len(ids) for kind, ids in store["pruned"].items()}
    assert present(db) == before and "audit_seq" not in report
    assert verify(db)["head_seq"] == head


def test_a_window_set_off_keeps_its_rows(db, store):
    report = prune(db, Retention(idempotency_days=None, jobs_days=None, dead_letters_days=90))
    assert report["pruned"] == {"idempotency": 0, "jobs": 0, "dead_letters": 1}
    assert report["before"]["idempotency"] is None and report["before"]["dead_letters"]


def test_rows_go_in_batches_each_its_own_short_transaction(db):
    with db.transaction() as conn:
        for n in range(10):
            idempotency.save(conn, f"k{n}", "test", "h" * 64, 200, {})
    deletes = []

    def capture(_conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith("DELETE FROM IDEMPOTENCY"):
            deletes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        cut_short = prune(db, Retention(batch=3), at=retention.now() + 31 * DAY, seconds=0)
        assert cut_short["pruned"]["idempotency"] == 3 and not cut_short["complete"]  # out of time after one batch
        finished = prune(db, Retention(batch=3), at=retention.now() + 31 * DAY)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert finished["pruned"]["idempotency"] == 7 and finished["complete"]
    assert len(deletes) == 1 + 3  # 3 | 3, 3, 1: every batch a statement of its own
    assert present(db)["idempotency"] == set()


def test_the_worker_prunes_once_per_interval_whichever_worker_holds_the_lease(tmp_path, monkeypatch):
    from sidecar.services import Services
    from sidecar.worker import OutboxWorker
    import sidecar.worker as worker_module
    monkeypatch.setattr(worker_module, "PRUNE_FIRST_AFTER", 0.0)
    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_RETENTION_INTERVAL_SECONDS="600"))
    services = Services.from_settings(settings)
    try:
        with services.db.transaction() as conn:
            idempotency.save(conn, "k-old", "test", "h" * 64, 200, {})
        age(services.db, keys_table, keys_table.c.key, "k-old", 31)
        first, second = OutboxWorker(services), OutboxWorker(services)
        report = first.prune_if_due()
        assert report["pruned"]["idempotency"] == 1 and report["complete"]
        assert second.prune_if_due() is None  # the lease is the first one's for the interval
        assert first.prune_if_due() is None  # not due again yet
        with services.db.read() as conn:
            assert [e["actor"] for e in audit.entries(conn) if e["kind"] == "store.pruned"] == ["worker"]
    finally:
        services.close()


def test_prune_from_the_command_line(tmp_path):
    env = sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_RETENTION_IDEMPOTENCY_DAYS="1")
    store = Database(env["SIDECAR_DATABASE_URL"], AuditSeal(AUDIT_KEY.encode()))
    store.create_schema()
    with store.transaction() as conn:
        idempotency.save(conn, "k-old", "test", "h" * 64, 200, {})
    age(store, keys_table, keys_table.c.key, "k-old", 2)
    dry = run_cli(env, "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["pruned"] == {"idempotency": 1, "jobs": 0, "dead_letters": 0}
    done = run_cli(env, "prune")
    assert done.returncode == 0 and json.loads(done.stdout)["pruned"]["idempotency"] == 1
    with store.read() as conn:
        assert idempotency.find(conn, "k-old") is None
        assert audit.latest(conn, "store.pruned", "retention")["actor"] == "cli"
    store.dispose()
    missing = run_cli({**env, "SIDECAR_DATABASE_URL": f"sqlite:///{tmp_path}/typo/sidecar.db"}, "prune")
    assert missing.returncode == 1 and "no store" in missing.stderr and not (tmp_path / "typo").exists()


@pytest.mark.parametrize("raw, expected", [(None, 30.0), ("off", None), ("7.5", 7.5)])
def test_retention_windows_are_read_from_the_environment(tmp_path, raw, expected):
    extra = {} if raw is None else {"SIDECAR_RETENTION_IDEMPOTENCY_DAYS": raw}
    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", **extra))
    assert settings.retention_idempotency_days == expected
    assert Retention.from_settings(settings).dead_letters_days == 90.0


def test_a_window_under_a_day_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_RETENTION_JOBS_DAYS="0"))
    assert any(p.startswith("SIDECAR_RETENTION_JOBS_DAYS") for p in refused.value.problems)


def test_a_pruned_idempotency_key_seen_again_is_new(client, services, odoo_seed):
    """Within the window a repeat answers as the first time; once its record expired it is a new request."""
    product = odoo_seed.product(cost=1.0, price=2.0)
    [warehouse] = odoo_seed.search_read("stock.warehouse", [("company_id", "=", odoo_seed.company_id())], ["code"],
                                        limit=1, order="id")
    headers = {**bearer(), "Idempotency-Key": "receipt-1"}
    body = {"product_id": product, "warehouse": warehouse["code"], "quantity": 4}
    first = client.post("/v1/inventory/positions", json=body, headers=headers)
    repeat = client.post("/v1/inventory/positions", json=body, headers=headers)
    assert first.status_code == 201 and repeat.json == first.json and repeat.json["quantities"]["received"] == 4
    age(services.db, keys_table, keys_table.c.key, "receipt-1", 31)
    assert prune(services.db, POLICY)["pruned"]["idempotency"] == 1
    again = client.post("/v1/inventory/positions", json=body, headers=headers)
    assert again.status_code in (200, 201) and again.json["quantities"]["received"] == 8


def test_a_backlog_is_worked_off_in_short_rounds_by_whichever_worker_comes_next(tmp_path, monkeypatch):
    from sidecar.services import Services
    from sidecar.worker import OutboxWorker
    import sidecar.worker as worker_module
    monkeypatch.setattr(worker_module, "PRUNE_FIRST_AFTER", 0.0)
    monkeypatch.setattr(worker_module, "PRUNE_SECONDS", 0.0)  # one batch per round
    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_RETENTION_BATCH="2"))
    services = Services.from_settings(settings)
    try:
        with services.db.transaction() as conn:
            for n in range(3):
                idempotency.save(conn, f"k{n}", "test", "h" * 64, 200, {})
        for n in range(3):
            age(services.db, keys_table, keys_table.c.key, f"k{n}", 31)
        first, second = OutboxWorker(services), OutboxWorker(services)
        cut = first.prune_if_due()
        assert cut["pruned"]["idempotency"] == 2 and not cut["complete"]
        rest = second.prune_if_due()  # the lease was handed back: the other worker carries on at once
        assert rest["pruned"]["idempotency"] == 1 and rest["complete"]
        assert first.prune_if_due() is None  # its next round waits for the pause; the lease is the second's now
    finally:
        services.close()
