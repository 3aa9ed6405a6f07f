"""The outbox worker: in order per document, one claim per job, stale facts, failures, a clean stop."""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time

import sqlalchemy as sa

from sidecar import approval_tokens
from sidecar import worker as worker_module
from sidecar.flows import writebacks
from sidecar.odoo import writeback
from sidecar.services import Services
from sidecar.store import audit, dead_letters, jobs, releases
from sidecar.worker import OutboxWorker
from tests.conftest import ALL_SCOPES_KEY, APPROVAL_SECRET, bearer, sidecar_env

OPS = bearer(ALL_SCOPES_KEY)
SERIALIZATION_FAILURE = ("psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update")


def event_for(odoo_seed, order_id, event_id=None):
    """The event n8n forwards for the webhook body of Odoo's Automation Rule on this quotation."""
    return {"id": event_id or f"odoo:sale.order:{order_id}:worker-test", "type": "sale_order.release_requested",
            "source": "odoo", "data": odoo_seed.webhook_body(order_id)}


def quotation(odoo_seed, cost, price=200.0, qty=1):
    """A sent quotation submitted for release (tagged as the "Request release" action does)."""
    product = odoo_seed.product(cost=cost, price=price, on_hand=50.0)
    order_id = odoo_seed.quotation(odoo_seed.customer(), lines=[(product, qty, price)], state="sent")
    odoo_seed.request_release(order_id)
    return order_id


def release_jobs(services, release_id):
    with services.db.transaction() as conn:
        return jobs.for_release(conn, release_id)


def release_row(services, release_id):
    with services.db.transaction() as conn:
        return releases.get_release(conn, release_id)


def jobs_state(services, job_id):
    with services.db.transaction() as conn:
        return jobs.get(conn, job_id)["state"]


def make_due(services):
    """Skip the backoff of every job waiting for a retry."""
    with services.db.transaction() as conn:
        conn.execute(sa.text("UPDATE jobs SET next_attempt_at = 0 WHERE state = 'retrying'"))


def with_settings(services, **changes) -> Services:
    return Services(settings=dataclasses.replace(services.settings, **changes), db=services.db,
                    odoo=services.odoo, policy=services.policy)


def approve(client, approval_id, approver="demo"):
    """Decide as the approver does: with the token the sidecar issued them (it can issue it again)."""
    token = approval_tokens.issue(APPROVAL_SECRET, approval_id, approver, "approve", 0, time.time() + 3600)
    answer = client.post(f"/v1/approvals/{approval_id}/decision",
                         json={"token": token, "decision": "approve", "comment": "ok"}, headers=bearer())
    assert answer.status_code == 200, answer.json
    return answer.json


def approval_activities(odoo_seed, order_id):
    return [a for a in odoo_seed.activities(order_id) if "Approve release" in (a.get("summary") or "")]


def note_ids(odoo_seed, order_id, text):
    return [m["id"] for m in odoo_seed.messages(order_id) if text in (m.get("body") or "")]


# -- in order per document ----------------------------------------------------------------------


def test_approval_before_the_decision_jobs_ran_waits_for_them(client, services, odoo_seed, odoo_proxy):
    """Reliability D3 / review 6, as reproduced: decision jobs dead while Odoo was down, then approved."""
    order_id = quotation(odoo_seed, cost=190.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    assert answer["outcome"] == "approve"
    assert [j["operation"] for j in answer["jobs"]] == ["post_message", "schedule_activity", "notify_approver"]
    odoo_proxy.go_down()
    try:
        OutboxWorker(services).drain()
    finally:
        odoo_proxy.come_up()
    assert release_row(services, answer["release_id"])["status"] == "blocked"
    approve(client, answer["approval_id"])
    later = OutboxWorker(services)  # saw no outage: replays nothing by itself
    later.drain()
    assert odoo_seed.order_state(order_id) == "sent"  # the approval did not overtake the decision
    assert [(j["operation"], j["state"]) for j in release_jobs(services, answer["release_id"])] == [
        ("post_message", "dead"), ("schedule_activity", "pending"), ("notify_approver", "pending"),
        ("post_message", "pending"), ("close_activity", "pending"), ("confirm_order", "pending")]
    assert release_row(services, answer["release_id"])["status"] == "blocked"

    replay = client.post("/v1/dead-letters/replay", json={"category": "odoo_unreachable"}, headers=OPS)
    assert replay.status_code == 202
    later.drain()
    assert odoo_seed.order_state(order_id) == "sale"
    assert [a for a in approval_activities(odoo_seed, order_id) if a["active"]] == []
    decided = release_jobs(services, answer["release_id"])
    assert {j["state"] for j in decided} == {"done"}
    assert [j["result"]["effect"] for j in decided if j["operation"] == "close_activity"] == ["applied"]
    [decision_note] = note_ids(odoo_seed, order_id, "Release decision")
    [approval_note] = note_ids(odoo_seed, order_id, "Release approved by demo")
    assert decision_note < approval_note
    assert release_row(services, answer["release_id"])["status"] == "released"


def test_approval_while_a_decision_job_waits_for_a_retry(client, services, odoo_double, odoo_seed):
    """Review 6 without dead letters: the decision's activity is on backoff when the approver decides."""
    order_id = quotation(odoo_seed, cost=190.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    odoo_double.fail_next("sale.order", "activity_schedule", *SERIALIZATION_FAILURE)
    worker = OutboxWorker(services)
    worker.drain()
    approve(client, answer["approval_id"])
    worker.drain()
    states = [(j["operation"], j["state"]) for j in release_jobs(services, answer["release_id"])]
    assert states == [("post_message", "done"), ("schedule_activity", "retrying"), ("notify_approver", "pending"),
                      ("post_message", "pending"), ("close_activity", "pending"), ("confirm_order", "pending")]
    assert odoo_seed.order_state(order_id) == "sent"
    make_due(services)
    worker.drain()
    assert odoo_seed.order_state(order_id) == "sale"
    assert [a for a in approval_activities(odoo_seed, order_id) if a["active"]] == []
    assert len(approval_activities(odoo_seed, order_id)) <= 1


def test_no_cancel_before_the_note_that_explains_it(client, services, odoo_double, odoo_seed):
    order_id = quotation(odoo_seed, cost=300.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    assert answer["outcome"] == "reject"
    odoo_double.fail_next("sale.order", "message_post", *SERIALIZATION_FAILURE)
    worker = OutboxWorker(services)
    worker.drain()
    assert odoo_seed.order_state(order_id) == "sent"
    make_due(services)
    worker.drain()
    assert odoo_seed.order_state(order_id) == "cancel"
    assert note_ids(odoo_seed, order_id, "Release decision")


def test_a_claim_takes_only_the_head_of_each_orders_queue(services):
    with services.db.transaction() as conn:
        first = jobs.enqueue(conn, idempotency_key="r1/a", operation="post_message", payload={"order_id": 7},
                             release_id=None, max_attempts=3)
        jobs.enqueue(conn, idempotency_key="r1/b", operation="confirm_order", payload={"order_id": 7},
                     release_id=None, max_attempts=3)
        other = jobs.enqueue(conn, idempotency_key="r2/a", operation="post_message", payload={"order_id": 8},
                             release_id=None, max_attempts=3)
        lease = lambda operation: 60.0  # noqa: E731
        claimed = {jobs.claim_next(conn, lease)["id"], jobs.claim_next(conn, lease)["id"]}
        assert claimed == {first, other}
        assert jobs.claim_next(conn, lease) is None  # order 7's second job waits for its first


# -- claims --------------------------------------------------------------------------------------


def test_a_late_finisher_cannot_overwrite_the_claim_that_replaced_it(services):
    with services.db.transaction() as conn:
        job_id = jobs.enqueue(conn, idempotency_key="r/fence", operation="post_message", payload={"order_id": 9},
                              release_id=None, max_attempts=3)
        slow = jobs.claim_next(conn, lambda operation: 0.0)  # its lease is already over
    time.sleep(0.01)
    with services.db.transaction() as conn:
        fresh = jobs.claim_next(conn, lambda operation: 60.0)
        assert fresh["id"] == job_id and fresh["crashes"] == 1 and fresh["attempts"] == 0
        assert jobs.set_retry(conn, job_id, fresh["claim_token"], 60, "down", "odoo_unreachable")
        assert not jobs.set_done(conn, job_id, slow["claim_token"], {"effect": "applied"})
        assert not jobs.extend_lease(conn, job_id, slow["claim_token"], time.time() + 60)
        assert jobs.get(conn, job_id)["state"] == "retrying"


def test_two_workers_and_a_slow_odoo_post_one_note(tmp_path, odoo_target, odoo_proxy, odoo_seed, monkeypatch):
    """Review 5: the claim lasts as long as the job runs, however slow Odoo is; only the heartbeat keeps it here."""
    from sidecar.config import load_settings

    # Leases far shorter than the job: only renewing them keeps the rival out.
    monkeypatch.setattr(worker_module, "run_lease", lambda operation, timeout: 1.0)
    monkeypatch.setattr(worker_module, "short_lease", lambda timeout: 1.0)
    monkeypatch.setattr(worker_module, "heartbeat_seconds", lambda timeout: 0.2)
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_ODOO_TIMEOUT="5")
    first, second = (Services.from_settings(load_settings(env)) for _ in range(2))
    order_id = quotation(odoo_seed, cost=100.0)
    ref = f"two-workers-{order_id}/post_message"
    with first.db.transaction() as conn:
        job_id = jobs.enqueue(conn, idempotency_key=ref, operation="post_message", release_id=None,
                              payload={"order_id": order_id, "body": "One note only", "ref": ref}, max_attempts=3)
    odoo_proxy.delay = 0.6  # each request: about 3 s for the whole job, three times its lease
    runner = threading.Thread(target=OutboxWorker(first).run_once)
    runner.start()
    while jobs_state(first, job_id) == "pending":
        time.sleep(0.02)
    rival, rival_runs = OutboxWorker(second), 0
    while runner.is_alive():
        rival_runs += rival.run_once()
        time.sleep(0.1)
    runner.join()
    odoo_proxy.delay = 0.0
    try:
        with first.db.transaction() as conn:
            job = jobs.get(conn, job_id)
        assert rival_runs == 0
        assert (job["state"], job["crashes"], job["attempts"]) == ("done", 0, 1)
        assert len(note_ids(odoo_seed, order_id, "One note only")) == 1
    finally:
        first.close()
        second.close()


def test_one_renewal_thread_keeps_each_slow_jobs_claim_in_turn(services, odoo_proxy, odoo_seed, monkeypatch):
    """The worker's one heartbeat thread moves from job to job: each slow job's lease is renewed while it runs."""
    monkeypatch.setattr(worker_module, "run_lease", lambda operation, timeout: 0.6)
    monkeypatch.setattr(worker_module, "short_lease", lambda timeout: 0.6)
    monkeypatch.setattr(worker_module, "heartbeat_seconds", lambda timeout: 0.1)
    orders = [quotation(odoo_seed, cost=100.0) for _ in range(2)]
    with services.db.transaction() as conn:
        job_ids = [jobs.enqueue(conn, idempotency_key=f"one-thread-{order_id}", operation="post_message",
                                release_id=None, max_attempts=3,
                                payload={"order_id": order_id, "body": "Renewed in turn", "ref": f"one-thread-{order_id}"})
                   for order_id in orders]
    odoo_proxy.delay = 0.4  # each request: about 1 s a job, longer than its lease
    earlier = set(threading.enumerate())  # other tests' workers' renewers, ending
    runner = threading.Thread(target=OutboxWorker(services).drain)
    runner.start()
    leases = {job_id: set() for job_id in job_ids}  # the lease ends seen while each job ran
    renewers = set()
    while runner.is_alive():
        renewers |= {thread for thread in threading.enumerate()
                     if thread.name == "outbox-lease" and thread not in earlier}
        with services.db.read() as conn:
            for job in [jobs.get(conn, job_id) for job_id in job_ids]:
                if job["state"] == "started":
                    leases[job["id"]].add(job["locked_until"])
        time.sleep(0.02)
    runner.join()
    odoo_proxy.delay = 0.0
    with services.db.read() as conn:
        done = [jobs.get(conn, job_id) for job_id in job_ids]
    assert [(job["state"], job["crashes"], job["attempts"]) for job in done] == [("done", 0, 1)] * 2
    assert all(len(seen) >= 3 for seen in leases.values()), leases  # the claim's, then renewals
    assert len(renewers) == 1
    assert [len(note_ids(odoo_seed, order_id, "Renewed in turn")) for order_id in orders] == [1, 1]


def test_a_job_that_keeps_crashing_the_worker_becomes_a_dead_letter(services):
    with services.db.transaction() as conn:
        job_id = jobs.enqueue(conn, idempotency_key="r/crash", operation="post_message", payload={"order_id": 10},
                              release_id=None, max_attempts=3)
    for _ in range(worker_module.MAX_CRASHES):  # a worker claims it and dies each time
        with services.db.transaction() as conn:
            jobs.claim_next(conn, lambda operation: 0.0)
        time.sleep(0.01)
    OutboxWorker(services).drain()
    with services.db.transaction() as conn:
        job = jobs.get(conn, job_id)
        letter = dead_letters.open_for_ref(conn, job_id)
    assert (job["state"], job["category"], job["attempts"]) == ("dead", "internal_error", 0)
    assert letter["category"] == "internal_error" and "stopped 3 times" in letter["detail"]["error"]


# -- stale facts ---------------------------------------------------------------------------------


def test_an_order_changed_after_the_decision_is_not_confirmed_but_decided_again(client, services, odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    assert answer["outcome"] == "release"
    decided = release_row(services, answer["release_id"])["facts"]["order"]
    assert decided["write_date"] and decided["amount_total"]
    [line_id] = odoo_seed.read("sale.order", [order_id], ["order_line"])[0]["order_line"]
    time.sleep(1.05)  # the double keeps whole seconds in write_date
    odoo_seed.call("sale.order.line", "write", [line_id], {"price_unit": 105.0})  # margin drops to 4.8 %
    OutboxWorker(services).drain()

    assert odoo_seed.order_state(order_id) == "sent"
    old = release_row(services, answer["release_id"])
    assert (old["status"], old["in_flight"]) == ("superseded", 0)
    confirm = [j for j in release_jobs(services, answer["release_id"]) if j["operation"] == "confirm_order"][0]
    assert confirm["state"] == "superseded"
    assert confirm["result"]["current"]["amount_total"] != decided["amount_total"]
    with services.db.transaction() as conn:
        fresh = releases.release_in_flight(conn, "sales-order-release", "sale.order", order_id)
        kinds = [e["kind"] for e in audit.entries(conn)]
    assert fresh["event_id"].startswith(f"redecide:{answer['release_id']}:")
    assert fresh["outcome"] == "approve" and fresh["facts"]["order"]["amount_total"] != decided["amount_total"]
    assert "release.superseded" in kinds and "release.redecided" in kinds


def test_our_own_activity_moving_write_date_does_not_supersede_the_approval(client, services, odoo_seed):
    """On Odoo 17, scheduling an activity for someone else subscribes them, which writes the order."""
    order_id = quotation(odoo_seed, cost=190.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    decided = release_row(services, answer["release_id"])["facts"]["order"]["write_date"]
    time.sleep(1.05)  # read() answers write_date in whole seconds
    worker = OutboxWorker(services)
    worker.drain()
    moved = odoo_seed.read("sale.order", [order_id], ["write_date"])[0]["write_date"]
    assert moved != decided
    assert release_row(services, answer["release_id"])["expected_write_date"] == moved
    approve(client, answer["approval_id"])
    worker.drain()
    assert odoo_seed.order_state(order_id) == "sale"
    assert release_row(services, answer["release_id"])["status"] == "released"


# -- failures ------------------------------------------------------------------------------------


def test_bugs_and_unknown_operations_are_permanent_internal_errors(services, monkeypatch, caplog):
    def broken(gateway, payload):
        raise KeyError("programming error")

    monkeypatch.setitem(writeback.OPERATIONS, "post_message", broken)
    with services.db.transaction() as conn:
        unknown = jobs.enqueue(conn, idempotency_key="r/unknown", operation="launch_rockets", payload={"order_id": 11},
                               release_id=None, max_attempts=3)
        buggy = jobs.enqueue(conn, idempotency_key="r/bug", operation="post_message", payload={"order_id": 12},
                             release_id=None, max_attempts=3)
    OutboxWorker(services).drain()
    with services.db.transaction() as conn:
        for job_id in (unknown, buggy):
            job = jobs.get(conn, job_id)
            assert (job["state"], job["category"], job["attempts"]) == ("dead", "internal_error", 1)
            assert dead_letters.open_for_ref(conn, job_id)["category"] == "internal_error"
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 2


def test_an_outage_is_waited_out_then_one_probe_not_one_call_per_job(client, services, odoo_proxy, odoo_seed):
    patient = OutboxWorker(with_settings(services, unreachable_budget_seconds=3600))
    orders = [quotation(odoo_seed, cost=100.0) for _ in range(3)]
    for order_id in orders:
        assert client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).status_code == 201
    odoo_proxy.go_down()
    try:
        report = patient.drain()
        assert report["odoo_unreachable"] and report["handled"] == 1
        with services.db.transaction() as conn:
            counts = jobs.count_by_state(conn)
        assert counts == {"retrying": 1, "pending": 5}  # one attempt, not one 3 s timeout per job
        assert patient.run_once() is False  # still down: no claim until the next probe
    finally:
        odoo_proxy.come_up()
    make_due(services)
    assert patient.drain() == {"handled": 6, "odoo_unreachable": False, "retrying": 0}
    assert [odoo_seed.order_state(o) for o in orders] == ["sale"] * 3


def test_when_odoo_answers_again_the_worker_replays_its_letters_once(client, services, odoo_proxy, odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    worker = OutboxWorker(services)
    odoo_proxy.go_down()
    try:
        worker.drain()
    finally:
        odoo_proxy.come_up()
    assert release_row(services, answer["release_id"])["status"] == "blocked"
    worker.drain()
    assert odoo_seed.order_state(order_id) == "sale"
    assert release_row(services, answer["release_id"])["status"] == "released"
    worker.drain()
    with services.db.transaction() as conn:
        replays = [e for e in audit.entries(conn) if e["kind"] == "deadletter.replayed"]
        letters = dead_letters.list_letters(conn, category="odoo_unreachable")
    assert [(e["actor"]) for e in replays] == ["worker"]
    assert [(letter["status"], letter["replay_count"]) for letter in letters] == [("replayed", 1)]


def test_a_worker_started_after_an_outage_replays_the_letters_another_worker_left(client, services, odoo_proxy,
                                                                                   odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    odoo_proxy.go_down()
    try:
        OutboxWorker(services).drain()  # this worker saw the outage, then was killed before Odoo came back
    finally:
        odoo_proxy.come_up()
    assert release_row(services, answer["release_id"])["status"] == "blocked"
    fresh = OutboxWorker(services)
    thread, deadline = fresh.start_thread(), time.monotonic() + 30
    while release_row(services, answer["release_id"])["status"] != "released" and time.monotonic() < deadline:
        time.sleep(0.05)
    fresh.stop()
    thread.join(10)
    assert release_row(services, answer["release_id"])["status"] == "released"
    assert odoo_seed.order_state(order_id) == "sale"
    with services.db.transaction() as conn:
        replays = [e["actor"] for e in audit.entries(conn) if e["kind"] == "deadletter.replayed"]
    assert replays == ["worker"]


# -- a way out -----------------------------------------------------------------------------------


def dead_first_job(client, services, odoo_proxy, odoo_seed, order_id) -> dict:
    """A release whose first write-back died while Odoo was unreachable (budget 0 in tests)."""
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    odoo_proxy.go_down()
    try:
        OutboxWorker(services).drain()
    finally:
        odoo_proxy.come_up()
    return answer


def test_abandoning_a_blocked_release_takes_it_out_of_flight(client, services, odoo_proxy, odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = dead_first_job(client, services, odoo_proxy, odoo_seed, order_id)
    assert release_row(services, answer["release_id"])["status"] == "blocked"
    again = client.post("/v1/events", json=event_for(odoo_seed, order_id, "while-blocked"), headers=bearer())
    assert again.status_code == 200 and again.json["duplicate_of"] == answer["release_id"]
    with services.db.transaction() as conn:
        abandoned = writebacks.abandon_release_jobs(conn, answer["release_id"], "customer withdrew", actor="ops")
    assert len(abandoned) == 2
    release = release_row(services, answer["release_id"])
    assert (release["status"], release["in_flight"]) == ("abandoned", 0)
    fresh = client.post("/v1/events", json=event_for(odoo_seed, order_id, "after-abandon"), headers=bearer())
    assert fresh.status_code == 201 and fresh.json["release_id"] != answer["release_id"]
    OutboxWorker(services).drain()  # the new release's jobs are not held back by the abandoned ones
    assert odoo_seed.order_state(order_id) == "sale"


def test_a_job_that_fails_after_its_release_was_abandoned_holds_nothing_back(client, services, odoo_double,
                                                                               odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    with services.db.transaction() as conn:
        running = jobs.claim_next(conn, lambda operation: 60.0)  # a worker has the note in hand...
        writebacks.abandon_release_jobs(conn, answer["release_id"], "withdrawn", actor="ops")  # ...when ops give up
    odoo_double.fail_next("sale.order", "message_post", "odoo.exceptions.UserError", "Not allowed", times=1)
    OutboxWorker(services)._handle(running)
    states = [j["state"] for j in release_jobs(services, answer["release_id"])]
    assert states == ["abandoned", "abandoned"]
    with services.db.transaction() as conn:
        assert dead_letters.open_for_ref(conn, running["id"]) is None
    fresh = client.post("/v1/events", json=event_for(odoo_seed, order_id, "after-abandon"), headers=bearer())
    assert fresh.status_code == 201
    OutboxWorker(services).drain()
    assert odoo_seed.order_state(order_id) == "sale"


def test_resolving_a_dead_job_by_hand_lets_the_release_finish(client, services, odoo_proxy, odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = dead_first_job(client, services, odoo_proxy, odoo_seed, order_id)
    worker = OutboxWorker(services)
    dead = [j for j in release_jobs(services, answer["release_id"]) if j["state"] == "dead"][0]
    with services.db.transaction() as conn:
        assert writebacks.resolve_job(conn, dead["id"], "note posted by hand", actor="ops")
    assert release_row(services, answer["release_id"])["status"] == "releasing"
    worker.drain()
    assert release_row(services, answer["release_id"])["status"] == "released"


# -- worker --once and SIGTERM -------------------------------------------------------------------


def test_drain_has_no_cap(services, monkeypatch):
    rounds = iter(range(5000))
    monkeypatch.setattr(OutboxWorker, "_step", lambda self, claim_next: next(rounds, None) is not None)
    assert OutboxWorker(services).drain()["handled"] == 5000  # the old drain stopped at 1,000 jobs


def noop_jobs(services, monkeypatch, prefix: str, count: int, orders: int, first_order: int) -> list[str]:
    """`count` jobs of an operation that does nothing, spread over `orders` documents."""
    monkeypatch.setitem(writeback.OPERATIONS, "noop", lambda gateway, payload: {"effect": "applied"})
    with services.db.transaction() as conn:
        return [jobs.enqueue(conn, idempotency_key=f"{prefix}/{n}", operation="noop", release_id=None,
                             payload={"order_id": first_order + n % orders}, max_attempts=3) for n in range(count)]


def test_drain_delivers_every_due_job(services, monkeypatch):
    noop_jobs(services, monkeypatch, "bulk", 30, 7, 100000)
    assert OutboxWorker(services).drain() == {"handled": 30, "odoo_unreachable": False, "retrying": 0}
    with services.db.transaction() as conn:
        assert jobs.count_by_state(conn) == {"done": 30}


def test_a_drain_writes_once_per_job_each_outcome_claiming_the_next(services, monkeypatch):
    noop_jobs(services, monkeypatch, "chain", 6, 2, 200000)
    writes, transaction = [], services.db.transaction

    def counted(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():  # not the lease renewals
            writes.append(1)
        return transaction(*args, **kwargs)

    monkeypatch.setattr(services.db, "transaction", counted)
    assert OutboxWorker(services).drain()["handled"] == 6
    assert len(writes) == 1 + 6 + 1  # the first claim, each outcome with the next claim, a last claim that finds none
    with services.db.read() as conn:
        assert jobs.count_by_state(conn) == {"done": 6}


def test_a_stopped_loop_hands_back_the_job_claimed_with_the_last_outcome(services, monkeypatch):
    first, second = noop_jobs(services, monkeypatch, "handback", 2, 1, 300000)
    worker, done = OutboxWorker(services), OutboxWorker._done

    def done_then_stop(self, *args, **kwargs):
        done(self, *args, **kwargs)
        self.stop()  # after the outcome committed with the next claim

    monkeypatch.setattr(OutboxWorker, "_done", done_then_stop)
    worker.run_forever()
    with services.db.read() as conn:
        rows = {job_id: jobs.get(conn, job_id) for job_id in (first, second)}
    assert rows[first]["state"] == "done"
    assert (rows[second]["state"], rows[second]["claim_token"], rows[second]["crashes"]) == ("pending", None, 0)


def run_worker(env, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "sidecar", "worker", *args], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_sigterm_finishes_the_job_in_hand_then_exits_0(tmp_path, client, services, odoo_target, odoo_proxy,
                                                       odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password)
    odoo_proxy.delay = 0.3
    process = run_worker(env)
    try:
        in_hand, deadline = [], time.monotonic() + 30
        while not in_hand and time.monotonic() < deadline:
            in_hand = [j["id"] for j in release_jobs(services, answer["release_id"]) if j["state"] == "started"]
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        odoo_proxy.delay = 0.0
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    states = {j["id"]: j["state"] for j in release_jobs(services, answer["release_id"])}
    assert in_hand and states[in_hand[0]] == "done"  # the job in hand was finished, not dropped
    assert "started" not in states.values() and "pending" in states.values()  # nothing new was begun
    assert "outbox worker stopped" in stderr


def test_a_killed_workers_job_comes_back_within_seconds_as_a_crash(tmp_path, client, services, odoo_target,
                                                                  odoo_proxy, odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    answer = client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).json
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_ODOO_TIMEOUT="1")
    odoo_proxy.delay = 0.3
    process = run_worker(env)
    try:
        held, deadline = [], time.monotonic() + 30
        while not held and time.monotonic() < deadline:
            held = [j for j in release_jobs(services, answer["release_id"]) if j["state"] == "started"]
            time.sleep(0.02)
        # Kill it once its heartbeat has shortened the claim's long lease (on a busy machine that takes a while).
        lease_deadline = time.monotonic() + 10
        while time.monotonic() < lease_deadline and held and not [
                j for j in release_jobs(services, held[0]["release_id"]) if j["id"] == held[0]["id"]
                and j["locked_until"] - time.time() <= worker_module.short_lease(1.0)]:
            time.sleep(0.01)
        process.kill()
        process.communicate(timeout=30)
    finally:
        odoo_proxy.delay = 0.0
    [job] = [j for j in release_jobs(services, held[0]["release_id"]) if j["id"] == held[0]["id"]]
    assert job["state"] == "started" and job["locked_until"] - time.time() <= worker_module.short_lease(1.0)
    time.sleep(max(0.0, job["locked_until"] - time.time()) + 0.05)
    OutboxWorker(services).drain()
    [again] = [j for j in release_jobs(services, answer["release_id"]) if j["id"] == job["id"]]
    assert (again["state"], again["crashes"], again["attempts"]) == ("done", 1, 1)
    assert odoo_seed.order_state(order_id) == "sale"
    assert len(note_ids(odoo_seed, order_id, "Release decision")) == 1


def test_worker_once_exits_1_while_odoo_is_unreachable_and_0_once_drained(tmp_path, client, services, odoo_target,
                                                                          odoo_proxy, odoo_seed):
    order_id = quotation(odoo_seed, cost=100.0)
    assert client.post("/v1/events", json=event_for(odoo_seed, order_id), headers=bearer()).status_code == 201
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_UNREACHABLE_BUDGET_SECONDS="3600")
    odoo_proxy.go_down()
    try:
        down = run_worker(env, "--once")
        down.communicate(timeout=60)
    finally:
        odoo_proxy.come_up()
    assert down.returncode == 1
    make_due(services)
    up = run_worker(env, "--once")
    up.communicate(timeout=60)
    assert up.returncode == 0
    assert odoo_seed.order_state(order_id) == "sale"
