"""Odoo stops answering in the middle of a stream of events, the moment a note it committed is on its way
back, and returns a few seconds later. Senders retry their 503s with the same key, or give up (ops replay
one parked event, n8n re-runs the other's failed execution); write-backs that met the outage are dead
letters. The worker is killed during the outage and its successor starts once Odoo is back: it replays
those letters by itself. Every event ends with exactly one effect."""
from __future__ import annotations

import threading
import time

import requests

from tests.conftest import ALL_SCOPES_KEY, N8N_KEY
from tests.faults import effects
from tests.faults.conftest import job_rows, settled
from tests.faults.stack import Sender, join

OPS = {"Authorization": f"Bearer {ALL_SCOPES_KEY}"}
OUTAGE = 3.0  # seconds Odoo refuses connections once the last event of the stream was sent
SLOW_ANSWER = 1.0  # seconds Odoo holds the answer to a committed note: the outage cuts it off


def _audit_kinds(url: str) -> list[tuple[str, str]]:
    from sidecar.store import Database, audit
    store = Database(url)
    try:
        with store.read() as conn:
            return [(entry["kind"], entry["actor"]) for entry in audit.entries(conn)]
    finally:
        store.dispose()


def test_odoo_down_mid_stream_ends_with_one_effect_per_event(make_stack, odoo_double, odoo_proxy, odoo_seed):
    kinds = [effects.RELEASE] * 7 + [effects.APPROVE] * 3
    orders = [effects.quotation(odoo_seed, outcome) for outcome in kinds]
    outcomes = dict(zip(orders, kinds))
    events = [effects.event(odoo_seed, order_id, "stream") for order_id in orders]
    before, during = events[:4], events[4:]
    replayed_by_ops, rerun_by_n8n = during[1], during[4]  # their senders give up after one 503
    stack = make_stack()  # SIDECAR_UNREACHABLE_BUDGET_SECONDS=0: a write-back that meets the outage is dead at once
    stack.api()
    worker = stack.worker()
    sender = Sender(stack.url)

    posted = len(odoo_double.calls_to("sale.order", "message_post"))  # the double serves the whole session
    odoo_double.delay("sale.order", "message_post", SLOW_ANSWER, when="after", times=1)
    threads = sender.send_all(before, gap=0.2)
    deadline = time.monotonic() + 60
    while len(odoo_double.calls_to("sale.order", "message_post")) == posted:  # a note committed, its answer held
        assert time.monotonic() < deadline, stack.log("worker")[-2000:]
        time.sleep(0.01)
    time.sleep(0.2)
    odoo_proxy.go_down()
    try:
        for event in during:
            gives_up = event in (replayed_by_ops, rerun_by_n8n)
            threads.append(threading.Thread(target=sender.send, args=(event, not gives_up), daemon=True))
            threads[-1].start()
            time.sleep(0.2)
        time.sleep(OUTAGE)
        sender.wait_answered(during, lambda: stack.log("api"))  # coming back before the API met them tests nothing
        stack.kill(worker)  # its orchestrator restarts the worker during the incident...
    finally:
        odoo_proxy.come_up()
    stack.worker()  # ...and the new one starts once Odoo answers: it never saw the outage
    join(threads)

    refused = sender.refused()
    assert refused, f"no 503 in the outage: {sender.answers}\n{stack.log('api')[-3000:]}"
    assert all(a[2].get("Retry-After") for a in refused)  # every 503 says when to come back
    assert [a[1]["error"]["code"] for a in refused] == ["odoo_unreachable"] * len(refused)
    parked = {e["id"]: sender.final(e["id"])[1]["error"]["details"][0]["dead_letter_id"]
              for e in (replayed_by_ops, rerun_by_n8n)}

    replay = requests.post(f"{stack.url}/v1/dead-letters/replay", json={"ids": [parked[replayed_by_ops["id"]]]},
                           headers=OPS, timeout=30)
    assert replay.status_code == 202, replay.text
    report = {"execution": {"id": "exec-outage-1", "lastNodeExecuted": "Sidecar: decide release",
                            "error": {"message": "503 - Odoo unreachable"}},
              "workflow": {"id": "wf-release", "name": "Sales order release"}, "event": rerun_by_n8n}
    failed = requests.post(f"{stack.url}/v1/dead-letters", json=report, timeout=30,
                           headers={"Authorization": f"Bearer {N8N_KEY}"})
    assert failed.status_code == 201 and failed.json()["linked_to"] == parked[rerun_by_n8n["id"]]
    rerun = sender.send(rerun_by_n8n)  # n8n re-runs the failed execution: the same event, the same key
    assert rerun[0] == 201, rerun

    book = settled(stack)
    assert effects.problems(odoo_seed, odoo_double, outcomes) == []
    assert book["decisions"] == {order_id: 1 for order_id in orders}
    assert set(book["jobs"]) == {"done"} and book["open_letters"] == {}
    cut_off = odoo_double.calls_to("sale.order", "message_post")[posted][2][0][0]  # its note, answer lost in the outage
    assert [r["effect"] for r in job_rows(stack.env["SIDECAR_DATABASE_URL"])
            if (r["order_id"], r["operation"]) == (cut_off, "post_message")] == ["already_done"]
    audited = _audit_kinds(stack.env["SIDECAR_DATABASE_URL"])
    # The outage went through every path: write-backs died of it and the worker replayed them itself.
    assert ("writeback.dead", None) in audited and ("deadletter.replayed", "worker") in audited
