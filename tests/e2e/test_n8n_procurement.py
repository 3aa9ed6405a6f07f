"""End to end in a real n8n for the procurement exception: Odoo's "Procurement check requested" webhook -> the
Procurement exception workflow -> sidecar (demo procurement policy) + worker -> Odoo.  The stack is
tests/e2e/conftest.py's."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from sidecar.flows import procurement_exception
from tests.e2e.conftest import APPROVAL_HOOK, assert_answered_at_once, first_answer, pending_approval, wait_for
from tests.support.procurement_seed import ProcurementSeed

pytestmark = pytest.mark.e2e

HOOK = "odoo/procurement-exception"
MODEL = procurement_exception.MODEL
RECORDED_WEBHOOK = json.loads((Path(__file__).resolve().parents[1] / "data" /
                               "odoo17-procurement-check-webhook.json").read_text())


@pytest.fixture
def procurement(odoo_seed):
    seed = ProcurementSeed(odoo_seed)
    yield seed
    seed.close()


def submitted(procurement: ProcurementSeed, price: float, classes=("Approved",)) -> tuple[int, dict]:
    """A draft RFQ of 10 x `price` on a blanket order of 100 x 60.00, sent to the procurement check, and the
    body the Automation Rule then posts."""
    vendor, product = procurement.vendor(classes=classes), procurement.product()
    requisition = procurement.blanket_order(vendor, [(product, 100, 60.0)])
    order_id = procurement.rfq(vendor, [(product, 10, price)], requisition_id=requisition)
    body = procurement.request_check(order_id)
    assert body.keys() - {"id"} == RECORDED_WEBHOOK.keys() - {"id"}
    return order_id, body


def notes(procurement: ProcurementSeed, order_id: int) -> list[str]:
    """The decision notes (the closed procurement check's own "done" message says less)."""
    return [m["body"] for m in procurement.messages(order_id) if "Policy procurement-exception" in (m["body"] or "")]


def test_an_rfq_within_its_agreement_is_confirmed_in_odoo(stack, procurement):
    order_id, body = submitted(procurement, 60.0)
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    wait_for(lambda: procurement.order(order_id)["state"] == "purchase" and not procurement.markers(order_id),
             "the RFQ to be confirmed in Odoo and its procurement check closed", logs=stack.logs)
    wait_for(lambda: stack.job_states(order_id, MODEL) == {"done"}, "the decision's jobs to be done", logs=stack.logs)
    [note] = notes(procurement, order_id)
    assert "within agreement, confirmed" in note
    assert "price_deviation_percent" in note and "blocked_vendor" in note
    assert stack.counts(order_id, MODEL)["releases"] == 1
    assert stack.n8n_letters() == letters_before


def test_a_dearer_rfq_waits_for_the_procurement_manager_who_approves_through_n8n(stack, procurement):
    order_id, body = submitted(procurement, 66.0)  # 10 % above the blanket order's price
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    approval = wait_for(lambda: pending_approval(stack, order_id, MODEL), "an approval for the RFQ", logs=stack.logs)
    assert approval["role"] == "procurement-manager"
    wait_for(lambda: notes(procurement, order_id), "the decision's note", logs=stack.logs)
    [note] = notes(procurement, order_id)
    assert "approval needed" in note and "unit price 66.00 for 60.00 agreed" in note
    assert procurement.order(order_id)["state"] == "draft"

    first = first_answer(stack, body, procurement_exception.EVENT_TYPE)
    assert first["approval_id"] == approval["id"] and first["outcome"] == "approve"
    link = next(x for x in first["decision_links"] if x["approver"] == approval["assignee"])
    assert link["approve_url"].startswith(f"{stack.n8n_url}/webhook/{APPROVAL_HOOK}?")
    decided = requests.post(link["approve_url"], json={"comment": "price rise agreed"}, timeout=30)
    assert decided.status_code == 200, decided.text
    assert decided.json()["approval"]["status"] == "approved"
    wait_for(lambda: procurement.order(order_id)["state"] == "purchase" and not procurement.markers(order_id),
             "the approved RFQ to be confirmed in Odoo", logs=stack.logs)
    wait_for(lambda: stack.job_states(order_id, MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    assert pending_approval(stack, order_id, MODEL) is None
    assert stack.n8n_letters() == letters_before


def test_a_blocked_vendors_rfq_is_cancelled_in_odoo(stack, procurement):
    order_id, body = submitted(procurement, 60.0, classes=("Blocked",))
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    wait_for(lambda: procurement.order(order_id)["state"] == "cancel" and notes(procurement, order_id),
             "the RFQ to be cancelled in Odoo with the decision's note", logs=stack.logs)
    [note] = notes(procurement, order_id)
    assert "Procurement check: rejected" in note and "is blocked" in note
    assert pending_approval(stack, order_id, MODEL) is None
    assert stack.n8n_letters() == letters_before
