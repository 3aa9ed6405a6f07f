"""End to end in a real n8n, for ops: a failed execution re-run through n8n's public API takes effect once,
and the ops workflows (dead-letter replay, reconciliation that never overlaps). The stack is
tests/e2e/conftest.py's; Odoo is the double, stopped and started again to be "down"."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import requests
import sqlalchemy as sa

from sidecar.flows import purchase_approval, reconcile
from sidecar.store import locks
from tests.conftest import N8N_KEY
from tests.e2e.conftest import N8N_SH, ROOT, _n8n_env, assert_answered_at_once, wait_for
from tests.e2e.n8n_api import N8nApi, api_key
from tests.e2e.test_n8n_release import RELEASE_HOOK, odoo_webhook_body, release_messages

pytestmark = pytest.mark.e2e


def workflow_id(name: str) -> str:
    return json.loads((ROOT / "n8n-workflows" / name).read_text())["id"]


@pytest.fixture(scope="module")
def n8n_api(stack):
    """n8n's public API with a key of the owner, also written into the retry workflow's credential "n8n API"."""
    return N8nApi(stack.n8n_url, api_key(stack.n8n_url, "ops tests", {"id": "n8nApiCredent01", "name": "n8n API"}))


def execute(stack, workflow: str) -> dict:
    """Run a workflow (file name or id) once from its manual trigger (scripts/n8n.sh execute) beside the running
    n8n; its run data."""
    env = _n8n_env(stack.folder, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url)
    wf_id = workflow_id(workflow) if workflow.endswith(".json") else workflow
    done = subprocess.run(["bash", str(N8N_SH), "execute", wf_id], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, f"{workflow} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    run, _ = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index("{"):])  # n8n may log after it
    return run["data"]["resultData"]["runData"]


def items(run_data: dict, node: str) -> list[dict]:
    """What `node` output in its last run (none when it did not run)."""
    runs = run_data.get(node) or [{"data": {"main": [[]]}}]
    return [item["json"] for item in runs[-1]["data"]["main"][0]]


def release_failed_while_odoo_was_down(stack, odoo_seed, odoo_double, n8n_api) -> tuple[int, dict, str]:
    """A submitted quotation whose release execution failed because Odoo refused connections (then came back)."""
    release = workflow_id("sales-order-release.json")
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 2, 200.0)], state="sent")
    body = odoo_webhook_body(odoo_seed, order)
    known = {e["id"] for e in n8n_api.executions(release)}
    host, port = odoo_double.host, odoo_double.port
    odoo_double.stop()  # connections to Odoo are refused
    try:
        assert_answered_at_once(stack.webhook(RELEASE_HOOK, body))
        [failed] = wait_for(lambda: [e for e in n8n_api.executions(release, status="error") if e["id"] not in known],
                            "the release execution to fail while Odoo is down", logs=stack.logs)
    finally:
        odoo_double.start(host=host, port=port)
    detail = n8n_api.call("GET", f"/executions/{failed['id']}", params={"includeData": "true"}).json()
    error = detail["data"]["resultData"]["error"]
    # It failed in the HTTP node itself on the third 503 (Odoo unreachable), the node a retry runs again.
    assert detail["data"]["resultData"]["lastNodeExecuted"] == "Sidecar: decide release", error
    assert str(error.get("httpCode")) == "503", error
    assert odoo_seed.order_state(order) == "sent" and stack.counts(order)["releases"] == 0
    return order, body, str(failed["id"])


def assert_confirmed_once(stack, odoo_seed, odoo_double, order: int, body: dict) -> None:
    """Exactly one effect in Odoo, read as the administrator: confirmed once, one decision note, one decision."""
    wait_for(lambda: stack.job_states(order) == {"done"}, "the release's jobs to be done", logs=stack.logs)
    assert odoo_seed.order_state(order) == "sale"
    assert len(release_messages(odoo_seed, order)) == 1
    confirms = [c for c in odoo_double.calls_to("sale.order", "action_confirm") if order in c[2][0]]
    assert len(confirms) == 1, confirms
    assert stack.counts(order)["releases"] == 1
    # The event the sidecar parked while Odoo was down is settled by the decision, not left to replay.
    parked = stack.sidecar("GET", "/v1/dead-letters", params={"kind": "event", "limit": 200}).json()["items"]
    mine = [d for d in parked if d["ref"] == f"odoo:sale.order:{order}:{body['write_date']}"]
    assert mine and all(d["status"] != "open" for d in mine), mine


def test_an_execution_failed_while_odoo_was_down_retried_through_n8ns_api_confirms_once(
        stack, odoo_seed, odoo_double, n8n_api):
    order, body, failed = release_failed_while_odoo_was_down(stack, odoo_seed, odoo_double, n8n_api)

    retried = n8n_api.call("POST", f"/executions/{failed}/retry", json={})
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "success" and retried.json()["retryOf"] == failed
    wait_for(lambda: stack.job_states(order) == {"done"}, "the release's jobs to be done", logs=stack.logs)
    # Ops retry it again (the UI and the retry workflow both did): the sidecar answers the stored decision.
    again = n8n_api.call("POST", f"/executions/{failed}/retry", json={})
    assert again.status_code == 200 and again.json()["status"] == "success", again.text
    assert_confirmed_once(stack, odoo_seed, odoo_double, order, body)


def test_the_retry_workflow_retries_what_a_retry_can_fix_and_never_a_final_4xx(
        stack, odoo_seed, odoo_double, n8n_api):
    order, body, failed = release_failed_while_odoo_was_down(stack, odoo_seed, odoo_double, n8n_api)
    release = workflow_id("sales-order-release.json")
    known = {e["id"] for e in n8n_api.executions(release)}
    partner = odoo_seed.customer()  # a res.partner is no quotation: the sidecar refuses it for good (400)
    refused_body = {"_action": "Notify n8n", "_id": partner, "_model": "res.partner", "id": partner,
                    "write_date": "2024-05-01 10:00:00"}
    assert_answered_at_once(stack.webhook(RELEASE_HOOK, refused_body))
    [refused] = wait_for(lambda: [e for e in n8n_api.executions(release, status="error") if e["id"] not in known],
                         "the refused event's execution to fail", logs=stack.logs)

    first = {i["execution_id"]: i for i in items(execute(stack, "n8n-execution-retry.json"), "Per execution")}
    assert first[failed]["outcome"] == "retried: succeeded" and first[failed]["attempt"] == 1, first
    assert str(refused["id"]) not in first  # a final 4xx: no retry can fix it
    assert_confirmed_once(stack, odoo_seed, odoo_double, order, body)
    # The next run leaves it alone: its retry succeeded (n8n's retrySuccessId).
    second = {i["execution_id"] for i in items(execute(stack, "n8n-execution-retry.json"), "Per execution")}
    assert failed not in second and str(refused["id"]) not in second
    assert_confirmed_once(stack, odoo_seed, odoo_double, order, body)


def test_ops_replay_open_dead_letters_and_each_says_what_came_of_it(stack, odoo_seed, odoo_double, n8n_api):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    parked_order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    parked_body = odoo_webhook_body(odoo_seed, parked_order)
    done_order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    done_body = odoo_webhook_body(odoo_seed, done_order)

    def event(order, body):
        return {"id": f"odoo:sale.order:{order}:{body['write_date']}", "type": "sale_order.release_requested",
                "source": "odoo", "data": body}

    def send(order, body):
        return requests.post(f"{stack.sidecar_url}/v1/events", json=event(order, body), timeout=30, headers={
            "Authorization": f"Bearer {N8N_KEY}", "Idempotency-Key": event(order, body)["id"]})

    host, port = odoo_double.host, odoo_double.port
    odoo_double.stop()
    try:
        answer = send(parked_order, parked_body)  # Odoo down: the sidecar parks the event
    finally:
        odoo_double.start(host=host, port=port)
    assert answer.status_code == 503, answer.text
    parked = answer.json()["error"]["details"][0]["dead_letter_id"]
    assert send(done_order, done_body).status_code == 201  # decided; then n8n reports it failed (a timeout)
    report = {"execution": {"id": "ops-late", "error": {"message": "timeout of 30000ms exceeded"}},
              "workflow": {"id": "wfSoRelease00001", "name": "Sales order release"}}
    late = stack.sidecar("POST", "/v1/dead-letters", json={**report, "event": event(done_order, done_body)}).json()
    report["execution"]["id"] = "ops-no-event"
    blind = stack.sidecar("POST", "/v1/dead-letters", json=report).json()  # no event: only n8n can re-run it

    replayed = {i["id"]: i for i in items(execute(stack, "dead-letter-replay.json"), "Per letter")}
    assert replayed[parked]["outcome"] == "replayed" and replayed[parked]["flow"] == "sales-order-release"
    assert replayed[parked]["advice"].startswith("priority ") and replayed[parked]["advice"].endswith("(advice only)")
    assert replayed[late["id"]]["outcome"] == "already done"
    assert replayed[blind["id"]]["outcome"] == "failed" and replayed[blind["id"]]["code"] == "not_replayable"
    wait_for(lambda: odoo_seed.order_state(parked_order) == "sale" and stack.job_states(parked_order) == {"done"},
             "the replayed order to be confirmed", logs=stack.logs)
    for order in (parked_order, done_order):
        assert len(release_messages(odoo_seed, order)) == 1 and stack.counts(order)["releases"] == 1
    # Replayed letters are no longer open: the next run does not touch them again; the blind one waits for ops.
    still_open = {d["id"] for d in stack.sidecar("GET", "/v1/dead-letters", params={"status": "open", "limit": 200})
                  .json()["items"]}
    assert not {parked, late["id"]} & still_open and blind["id"] in still_open


def test_a_reconciliation_that_finds_one_running_ends_quietly(stack, n8n_api):
    """Two runs never overlap: while a (not dry) run of a flow holds its lease, the next one ends on 409 quietly."""
    workflow = json.loads((ROOT / "n8n-workflows" / "flows-reconcile.json").read_text()
                          .replace("__SIDECAR_URL__", stack.sidecar_url))
    ask = next(n for n in workflow["nodes"] if n["name"] == "Sidecar: reconcile missed documents of the flow")
    assert '"dry_run": true' in ask["parameters"]["jsonBody"]
    ask["parameters"]["jsonBody"] = ask["parameters"]["jsonBody"].replace('"dry_run": true', '"dry_run": false')
    flows = next(n for n in workflow["nodes"] if n["name"] == "Flows to reconcile")
    flows["parameters"]["assignments"]["assignments"][0]["value"] = "={{ ['purchase-approval'] }}"
    created = n8n_api.call("POST", "/workflows", json={"name": "Flows reconcile (not dry)", "nodes": workflow["nodes"],
                                                       "connections": workflow["connections"],
                                                       "settings": workflow["settings"]})
    assert created.status_code == 200, created.text
    engine = sa.create_engine(stack.database_url)
    try:
        with engine.begin() as conn:
            held = locks.acquire(conn, reconcile.lock_name(purchase_approval.FLOW), 60)
        assert held
        run = execute(stack, created.json()["id"])
        with engine.begin() as conn:
            locks.release(conn, reconcile.lock_name(purchase_approval.FLOW), held)
    finally:
        engine.dispose()
        n8n_api.call("DELETE", f"/workflows/{created.json()['id']}")
    assert [i["body"]["error"]["code"] for i in items(run, "Already running: skip")] == ["reconciliation_running"]
    assert items(run, "Reconciled") == [] and "Reconciliation refused" not in run
