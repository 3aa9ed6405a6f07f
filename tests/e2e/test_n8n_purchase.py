"""End to end in a real n8n for purchase approval: Odoo's "to approve" webhook -> the Purchase approval
workflow -> sidecar (demo purchase policy) + worker -> Odoo.  The stack is tests/e2e/conftest.py's."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from sidecar.flows import purchase_approval
from tests.e2e.conftest import APPROVAL_HOOK, assert_answered_at_once, first_answer, pending_approval, wait_for
from tests.support.purchase_seed import PurchaseSeed

pytestmark = pytest.mark.e2e

PURCHASE_HOOK = "odoo/purchase-approval"
MODEL = purchase_approval.MODEL
RECORDED_WEBHOOK = json.loads((Path(__file__).resolve().parents[1] / "data" /
                               "odoo17-purchase-to-approve-webhook.json").read_text())


@pytest.fixture
def purchase(odoo_seed):
    seed = PurchaseSeed(odoo_seed)
    yield seed
    seed.close()


def waiting(purchase: PurchaseSeed, classes) -> tuple[int, dict]:
    """An order of 10 x 100 from a vendor of `classes` that a buyer confirmed while the company asks for
    approval of every amount (Odoo puts it in `to approve`), and the body the Automation Rule then posts."""
    order_id = purchase.to_approve(purchase.vendor(classes=classes), [(purchase.product(), 10, 100.0)])
    body = purchase.webhook_body(order_id)
    assert body.keys() == RECORDED_WEBHOOK.keys()
    assert body["state"] == "to approve"
    return order_id, body


def notes(purchase: PurchaseSeed, order_id: int) -> list[str]:
    return [m["body"] for m in purchase.messages(order_id) if "Purchase approval" in (m["body"] or "")]


def test_a_passing_order_is_approved_in_odoo_with_the_reasons_in_its_chatter(stack, purchase):
    order_id, body = waiting(purchase, ["Approved"])
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(PURCHASE_HOOK, body))
    wait_for(lambda: purchase.state(order_id) == "purchase" and notes(purchase, order_id),
             "the order to be approved in Odoo with the decision's note", logs=stack.logs)
    wait_for(lambda: stack.job_states(order_id, MODEL) == {"done"}, "the decision's jobs to be done", logs=stack.logs)
    [note] = notes(purchase, order_id)
    assert "Purchase approval: approved" in note
    assert "amount_tier1" in note and "vendor_not_approved" in note and "blocked_vendor" in note
    assert stack.counts(order_id, MODEL)["releases"] == 1
    assert pending_approval(stack, order_id, MODEL) is None
    assert stack.n8n_letters() == letters_before


def test_a_new_vendor_waits_for_the_purchase_manager_who_approves_through_n8n(stack, purchase):
    order_id, body = waiting(purchase, ["New"])
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(PURCHASE_HOOK, body))
    approval = wait_for(lambda: pending_approval(stack, order_id, MODEL), "an approval for the order",
                        logs=stack.logs)
    assert approval["role"] == "purchase-manager" and approval["assignee"] == "admin"
    [activity] = wait_for(lambda: purchase.activities(order_id), "the approver's activity", logs=stack.logs)
    assert activity["user_id"][0] == purchase.seed.user_id("admin")
    wait_for(lambda: notes(purchase, order_id), "the decision's note", logs=stack.logs)
    [note] = notes(purchase, order_id)
    assert "Purchase approval: approval needed" in note and "vendor_not_approved" in note
    assert purchase.state(order_id) == "to approve"

    first = first_answer(stack, body, purchase_approval.EVENT_TYPE)
    assert first["approval_id"] == approval["id"] and first["outcome"] == "approve"
    link = next(x for x in first["decision_links"] if x["approver"] == "admin")
    assert link["approve_url"].startswith(f"{stack.n8n_url}/webhook/{APPROVAL_HOOK}?")

    # The approver's link, through n8n's approval-decision workflow, as a program posts it.
    decided = requests.post(link["approve_url"], json={"comment": "known supplier"}, timeout=30)
    assert decided.status_code == 200, decided.text
    assert decided.json()["approval"]["status"] == "approved"
    assert decided.json()["approval"]["decided_by"] == "admin"
    wait_for(lambda: purchase.state(order_id) == "purchase", "the approved order to be approved in Odoo",
             logs=stack.logs)
    wait_for(lambda: stack.job_states(order_id, MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    assert pending_approval(stack, order_id, MODEL) is None
    assert stack.n8n_letters() == letters_before


def test_a_blocked_vendor_is_rejected_and_cancelled_in_odoo(stack, purchase):
    order_id, body = waiting(purchase, ["Blocked"])
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(PURCHASE_HOOK, body))
    wait_for(lambda: purchase.state(order_id) == "cancel" and notes(purchase, order_id),
             "the order to be cancelled in Odoo with the decision's note", logs=stack.logs)
    [note] = notes(purchase, order_id)
    assert "Purchase approval: rejected" in note and "blocked" in note
    assert pending_approval(stack, order_id, MODEL) is None
    assert stack.n8n_letters() == letters_before
