"""End to end in a real n8n for inventory adjustment: Odoo's "count set" webhook -> the Inventory adjustment
workflow -> sidecar (demo inventory policy) + worker -> Odoo.  The stack is tests/e2e/conftest.py's."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from sidecar.flows import inventory_adjustment
from sidecar.store import schema
from sidecar.n8n_resume import RESUME_HEADER
from tests.conftest import RESUME_TOKEN
from tests.e2e.conftest import APPROVAL_HOOK, assert_answered_at_once, first_answer, pending_approval, wait_for
from tests.e2e.n8n_api import N8nApi, api_key
from tests.support.inventory_seed import InventorySeed

pytestmark = pytest.mark.e2e

HOOK = "odoo/inventory-adjustment"
MODEL = inventory_adjustment.MODEL
RECORDED_WEBHOOK = json.loads((Path(__file__).resolve().parents[1] / "data" /
                               "odoo17-quant-count-set-webhook.json").read_text())


@pytest.fixture
def inventory(odoo_seed):
    seed = InventorySeed(odoo_seed)
    yield seed
    seed.close()


def counted(inventory: InventorySeed, counted_qty: float) -> tuple[int, int, dict]:
    """A product of cost 10 with 20 on hand whose quant an Inventory / User counted, and the body the rule posts."""
    product, quant = inventory.stocked(cost=10.0, on_hand=20.0)
    inventory.count(quant, counted_qty)
    body = inventory.webhook_body(quant)
    assert body.keys() == RECORDED_WEBHOOK.keys() and body["inventory_quantity_set"] is True
    return product, quant, body


def notes(inventory: InventorySeed, product_id: int) -> list[str]:
    return [m["body"] for m in inventory.messages(product_id) if "Inventory adjustment" in (m["body"] or "")]


def resume_jobs_of(stack, doc_id: int, model: str) -> set:
    """The states of the jobs resuming a workflow's Wait node (resume_n8n) for a document's decisions."""
    query = sa.select(schema.jobs.c.state).where(schema.jobs.c.release_id.in_(stack._decisions(doc_id, model)),
                                                 schema.jobs.c.operation == "resume_n8n")
    return stack._read_store(lambda conn: {r.state for r in conn.execute(query)})


def resume_url_of(stack, approval_id: str) -> str:
    """The resume URL the workflow gave the sidecar (n8n's signed $execution.resumeUrl)."""
    query = sa.select(schema.approvals.c.resume_url).where(schema.approvals.c.id == approval_id)
    return stack._read_store(lambda conn: conn.execute(query).scalar_one())


def refused_resumes(stack, approval_id: str) -> list[int]:
    """Calls that try to resume the waiting execution without what n8n checks: none may resume it."""
    url = resume_url_of(stack, approval_id)
    assert "signature=" in url  # n8n 2.41 signs its resume URLs itself
    forged = {"approval_id": approval_id, "status": "approved", "decided_by": "someone", "comment": "forged"}
    return [requests.post(target, json=forged, headers=headers, timeout=30).status_code for target, headers in [
        (url.split("?")[0], {}),                                    # neither n8n's token nor the header
        (url, {}),                                                  # n8n's token, no header
        (url, {RESUME_HEADER: "not-the-resume-token-0123456789"}),  # a wrong header
        (url.split("?")[0], {RESUME_HEADER: RESUME_TOKEN}),         # the header without n8n's token
    ]]


def decide_through_n8n(stack, inventory, quant_id: int, body: dict, choice: str, comment: str,
                       probe: bool = False) -> dict:
    """The approver's link, through n8n's approval-decision workflow, once the workflow follows the approval;
    with `probe`, unauthenticated resume calls first."""
    approval = wait_for(lambda: pending_approval(stack, quant_id, MODEL), "an approval for the count", logs=stack.logs)
    first = first_answer(stack, body, inventory_adjustment.EVENT_TYPE)
    assert first["approval_id"] == approval["id"] and first["outcome"] == "approve"
    link = next(x for x in first["decision_links"] if x["approver"] == "admin")
    assert link[f"{choice}_url"].startswith(f"{stack.n8n_url}/webhook/{APPROVAL_HOOK}?")
    wait_for(lambda: stack.sidecar("GET", f"/v1/approvals/{approval['id']}").json()["resume_url_set"],
             "the workflow to wait for the approval's outcome", logs=stack.logs)
    time.sleep(1)  # n8n parks the execution on its Wait node just after giving the URL
    if probe:
        assert all(status in (401, 403) for status in refused_resumes(stack, approval["id"]))
    decided = requests.post(link[f"{choice}_url"], json={"comment": comment}, timeout=30)
    assert decided.status_code == 200, decided.text
    return decided.json()["approval"]


def test_a_small_surplus_is_applied_in_odoo_with_the_reasons_on_the_product(stack, inventory):
    product, quant, body = counted(inventory, 21)  # one unit found, worth 10
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    wait_for(lambda: inventory.quant(quant)["quantity"] == 21 and notes(inventory, product),
             "the count to be applied in Odoo with the decision's note", logs=stack.logs)
    wait_for(lambda: stack.job_states(quant, MODEL) == {"done"}, "the decision's jobs to be done", logs=stack.logs)
    [note] = notes(inventory, product)
    assert "Inventory adjustment: applied" in note and "variance_tier1" in note
    assert inventory.quant(quant)["inventory_quantity_set"] is False
    assert stack.counts(quant, MODEL)["releases"] == 1 and pending_approval(stack, quant, MODEL) is None
    assert stack.n8n_letters() == letters_before


def test_a_write_off_waits_for_the_manager_who_approves_through_n8n_and_the_workflow_resumes(stack, inventory):
    product, quant, body = counted(inventory, 5)  # 15 written off, worth 150
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    approval = decide_through_n8n(stack, inventory, quant, body, "approve", "shrinkage confirmed", probe=True)
    assert approval["status"] == "approved" and approval["decided_by"] == "admin"
    wait_for(lambda: inventory.quant(quant)["quantity"] == 5, "the approved count to be applied in Odoo",
             logs=stack.logs)
    wait_for(lambda: stack.job_states(quant, MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    # n8n's Wait node took the sidecar's signed outcome: the calls above resumed nothing (n8n answers 409 to a
    # resume of an execution that is not waiting any more, which would have made this job a dead letter).
    assert resume_jobs_of(stack, quant, MODEL) == {"done"}
    assert any("Inventory adjustment: approval needed" in n for n in notes(inventory, product))
    assert stack.n8n_letters() == letters_before


def test_a_rejected_count_is_cleared_and_stock_is_unchanged(stack, inventory):
    _product, quant, body = counted(inventory, 5)
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    approval = decide_through_n8n(stack, inventory, quant, body, "reject", "recount aisle 4")
    assert approval["status"] == "rejected"
    wait_for(lambda: inventory.quant(quant)["inventory_quantity_set"] is False, "the count to be cleared in Odoo",
             logs=stack.logs)
    wait_for(lambda: stack.job_states(quant, MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    assert inventory.quant(quant)["quantity"] == 20 and resume_jobs_of(stack, quant, MODEL) == {"done"}
    assert stack.n8n_letters() == letters_before


def test_an_unusual_count_reaches_the_approver_with_advice_and_the_outcome_stays_the_policys(stack, inventory):
    product, quant = inventory.stocked(cost=10.0, on_hand=100.0)
    for usual in (99, 101, 98, 100, 102):  # the product's latest adjustments here: a unit or three either way
        inventory.seed.set_on_hand(product, usual)
    inventory.count(quant, 40)  # 62 written off, worth 620
    body = inventory.webhook_body(quant)
    n8n_api = N8nApi(stack.n8n_url, api_key(stack.n8n_url, "inventory advice tests"))
    workflow = json.loads((Path(__file__).resolve().parents[2] / "n8n-workflows" / "inventory-adjustment.json")
                          .read_text())["id"]
    known = {e["id"] for e in n8n_api.executions(workflow) + n8n_api.executions(workflow, status="waiting")}

    assert_answered_at_once(stack.webhook(HOOK, body))
    wait_for(lambda: pending_approval(stack, quant, MODEL), "an approval for the count", logs=stack.logs)
    first = first_answer(stack, body, inventory_adjustment.EVENT_TYPE)
    assert first["outcome"] == "approve"  # a write-off needs a manager, as the demo policy says, advice or not
    check = first["decision"]["advice"]["check"]
    assert check["unusual"] is True and check["value"] == -62 and len(check["compared_with"]) >= 5

    def notified():
        # n8n lists an execution parked on its Wait node only when asked for waiting ones
        for execution in n8n_api.executions(workflow, status="waiting") + n8n_api.executions(workflow):
            if execution["id"] in known:
                continue
            detail = n8n_api.call("GET", f"/executions/{execution['id']}", params={"includeData": "true"}).json()
            runs = detail["data"]["resultData"]["runData"].get("Approval needed: notify approver")
            if runs:
                return [item["json"] for item in runs[-1]["data"]["main"][0]]
        return None
    notices = wait_for(notified, "the workflow to notify the approver", logs=stack.logs)
    assert notices and all(n["advice"].startswith("Advice (decides nothing): this count is unusual") for n in notices)
    assert all("Advice (decides nothing)" in n["message"] for n in notices)
    wait_for(lambda: any("this count is unusual" in n for n in notes(inventory, product)),
             "the decision's note with the advice on the product", logs=stack.logs)
