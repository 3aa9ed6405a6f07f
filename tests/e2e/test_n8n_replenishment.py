"""End to end in a real n8n for the replenishment exception: the scheduled Replenishment exception workflow (run
now, as its schedule would) -> sidecar scan and POST /v1/events (demo policy) + worker -> Odoo.  The stack is
tests/e2e/conftest.py's."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import requests

from sidecar.flows import replenishment_exception, replenishment_scan
from tests.conftest import N8N_KEY
from tests.e2e.conftest import N8N_SH, ROOT, _n8n_env, pending_approval, wait_for
from tests.support.replenishment_seed import ReplenishmentSeed

pytestmark = pytest.mark.e2e

WORKFLOW_ID = json.loads((ROOT / "n8n-workflows" / "replenishment-exception.json").read_text())["id"]
MODEL = replenishment_exception.MODEL


@pytest.fixture
def repl(odoo_seed):
    return ReplenishmentSeed(odoo_seed)


def run_workflow(stack) -> None:
    """What the schedule does every 30 minutes, now (scripts/n8n.sh execute, beside the running n8n)."""
    env = _n8n_env(stack.folder, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url)
    done = subprocess.run(["bash", str(N8N_SH), "execute", WORKFLOW_ID], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"the workflow failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def notes(repl, product):
    return [m["body"] for m in repl.messages(product) if "Replenishment" in (m["body"] or "")]


def replayed_answer(stack, repl, rule: int) -> dict:
    """The sidecar's 201 answer to n8n, asked again with the event n8n sent (JavaScript wrote 2.0 as 2)."""
    shown = repl.shown(rule)
    item = {"orderpoint_id": rule, "name": shown["name"], "forecast": shown["qty_forecast"],
            "minimum": shown["product_min_qty"], "maximum": shown["product_max_qty"], "write_date": shown["write_date"]}
    event = json.loads(json.dumps(replenishment_scan.event_for(item)),
                       parse_float=lambda text: int(float(text)) if float(text).is_integer() else float(text))
    answer = requests.post(f"{stack.sidecar_url}/v1/events", json=event, timeout=30,
                           headers={"Authorization": f"Bearer {N8N_KEY}", "Idempotency-Key": event["id"]})
    assert answer.status_code == 201 and answer.headers.get("Idempotent-Replayed") == "true", answer.text
    return answer.json()


def test_the_scheduled_scan_creates_a_transfer_and_asks_for_an_rfq_approval_once(stack, repl):
    transfer_product = repl.product(cost=2.0, main_stock=1, second_stock=40)
    transfer_rule = repl.rule(transfer_product, minimum=10, maximum=12)  # 11 from the second warehouse, 22 at cost
    rfq_product = repl.product(cost=4.0, main_stock=0)
    rfq_rule = repl.rule(rfq_product, minimum=5, maximum=5)
    vendor = repl.vendor(price=3.0, product=rfq_product)  # not an approved vendor: a purchase manager decides
    letters_before = stack.n8n_letters()

    run_workflow(stack)
    transfer_name = repl.shown(transfer_rule)["name"]
    [picking] = wait_for(lambda: repl.pickings(transfer_name), "the transfer in Odoo", logs=stack.logs)
    assert picking["location_dest_id"][0] == repl.main_warehouse()["lot_stock_id"][0]
    assert repl.moves(picking["id"])[0]["product_uom_qty"] == 11
    wait_for(lambda: stack.job_states(transfer_rule, MODEL) == {"done"}, "the transfer's jobs to be done",
             logs=stack.logs)
    [note] = notes(repl, transfer_product)
    assert "Replenishment exception: proposal created" in note and "Service risk" in note

    approval = wait_for(lambda: pending_approval(stack, rfq_rule, MODEL), "an approval for the RFQ", logs=stack.logs)
    assert approval["role"] == "purchase-manager" and approval["assignee"] == "admin"
    wait_for(lambda: repl.activities(rfq_product), "the approver's activity on the product", logs=stack.logs)
    assert repl.rfqs(repl.shown(rfq_rule)["name"]) == []

    # The schedule runs again: nothing is decided twice (the RFQ is in flight, the transfer filled the rule).
    run_workflow(stack)
    assert stack.counts(transfer_rule, MODEL)["releases"] == 1 and stack.counts(rfq_rule, MODEL)["releases"] == 1

    first = replayed_answer(stack, repl, rfq_rule)
    link = next(x for x in first["decision_links"] if x["approver"] == "admin")
    decided = requests.post(link["approve_url"], json={"comment": "usual supplier"}, timeout=30)
    assert decided.status_code == 200, decided.text
    [order] = wait_for(lambda: repl.rfqs(repl.shown(rfq_rule)["name"]), "the RFQ in Odoo", logs=stack.logs)
    assert order["state"] == "draft" and order["partner_id"][0] == vendor
    wait_for(lambda: stack.job_states(rfq_rule, MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    assert stack.n8n_letters() == letters_before
