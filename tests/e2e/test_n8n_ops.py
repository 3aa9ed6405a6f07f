"""End to end in a real n8n, for ops: a failed execution re-run through n8n's public API takes effect once,
and the ops workflows (dead-letter replay, reconciliation that never overlaps). The stack is
tests/e2e/conftest.py's; Odoo is the double, stopped and started again to be "down"."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.e2e.conftest import N8N_SH, ROOT, _n8n_env, assert_answered_at_once, wait_for
from tests.e2e.n8n_api import N8nApi, api_key
from tests.e2e.test_n8n_release import RELEASE_HOOK, odoo_webhook_body, release_messages

pytestmark = pytest.mark.e2e


def workflow_id(name: str) -> str:
    return json.loads((ROOT / "n8n-workflows" / name).read_text())["id"]


@pytest.fixture(scope="module")
def n8n_api(stack):
    return N8nApi(stack.n8n_url, api_key(stack.n8n_url, "ops tests"))


def execute(stack, workflow: str) -> subprocess.CompletedProcess:
    """Run a workflow once from its manual trigger (scripts/n8n.sh execute), beside the running n8n."""
    env = _n8n_env(stack.folder, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url)
    return subprocess.run(["bash", str(N8N_SH), "execute", workflow_id(workflow)], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_an_execution_failed_while_odoo_was_down_retried_through_n8ns_api_confirms_once(
        stack, odoo_seed, odoo_double, n8n_api):
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
        failed = wait_for(lambda: [e for e in n8n_api.executions(release, status="error") if e["id"] not in known],
                          "the release execution to fail while Odoo is down", logs=stack.logs)
    finally:
        odoo_double.start(host=host, port=port)
    [failed] = failed
    detail = n8n_api.call("GET", f"/executions/{failed['id']}", params={"includeData": "true"}).json()
    error = detail["data"]["resultData"]["error"]
    # It failed in the HTTP node itself on the third 503 (Odoo unreachable), the one a retry asks again.
    assert detail["data"]["resultData"]["lastNodeExecuted"] == "Sidecar: decide release", error
    assert str(error.get("httpCode")) == "503", error
    assert odoo_seed.order_state(order) == "sent" and stack.counts(order)["releases"] == 0

    retried = n8n_api.call("POST", f"/executions/{failed['id']}/retry", json={})
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "success" and retried.json()["retryOf"] == str(failed["id"])
    wait_for(lambda: stack.job_states(order) == {"done"}, "the release's jobs to be done", logs=stack.logs)
    # Ops retry it again (the UI and the retry workflow both did): the sidecar answers the stored decision.
    again = n8n_api.call("POST", f"/executions/{failed['id']}/retry", json={})
    assert again.status_code == 200 and again.json()["status"] == "success", again.text

    # Exactly one effect in Odoo, read as the administrator: confirmed once, one decision note.
    assert odoo_seed.order_state(order) == "sale"
    assert len(release_messages(odoo_seed, order)) == 1
    confirms = [c for c in odoo_double.calls_to("sale.order", "action_confirm") if order in c[2][0]]
    assert len(confirms) == 1, confirms
    assert stack.counts(order)["releases"] == 1
    # The event the sidecar parked while Odoo was down is settled by the decision, not left to replay.
    parked = stack.sidecar("GET", "/v1/dead-letters", params={"kind": "event", "limit": 200}).json()["items"]
    mine = [d for d in parked if d["ref"] == f"odoo:sale.order:{order}:{body['write_date']}"]
    assert mine and all(d["status"] != "open" for d in mine), mine
