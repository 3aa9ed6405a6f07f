"""End to end in a real n8n for vendor-bill match: Odoo's "match requested" webhook -> the Vendor-bill match
workflow -> sidecar (demo vendor-bill policy) + worker -> Odoo.  The stack is tests/e2e/conftest.py's."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from sidecar.flows import vendor_bill_match
from tests.e2e.conftest import APPROVAL_HOOK, assert_answered_at_once, first_answer, pending_approval, wait_for
from tests.e2e.test_n8n_inventory import resume_jobs_of
from tests.support.bill_seed import BillSeed

pytestmark = pytest.mark.e2e

HOOK = "odoo/vendor-bill-match"
MODEL = vendor_bill_match.MODEL
RECORDED_WEBHOOK = json.loads((Path(__file__).resolve().parents[1] / "data" /
                               "odoo17-bill-match-requested-webhook.json").read_text())


@pytest.fixture
def bills(odoo_seed):
    return BillSeed(odoo_seed)


def requested(bills: BillSeed, qty: float, price: float = 100.0) -> tuple[int, dict]:
    """A draft bill of `qty` x `price` on an order of 10 x 100.00 of which 8 arrived, submitted with "Request
    match" (by the administrator: the requester), and the body the rule then posts."""
    vendor, product = bills.vendor(), bills.service(100.0)
    _order, (line,) = bills.order(vendor, [(product, 10, 100.0)])
    bills.receive({line: 8})
    bill_id = bills.bill(vendor, [(line, product, qty, price)])
    bills.request_match(bill_id)
    body = bills.webhook_body(bill_id)
    assert body.keys() == RECORDED_WEBHOOK.keys() and body["state"] == "draft"
    return bill_id, body


def notes(bills: BillSeed, bill_id: int) -> list[str]:
    return [m["body"] for m in bills.messages(bill_id) if "Vendor bill match" in (m["body"] or "")]


def decide_through_n8n(stack, bill_id: int, body: dict, choice: str, comment: str) -> dict:
    """Finance's link, through n8n's approval-decision workflow, once the workflow follows the approval."""
    approval = wait_for(lambda: pending_approval(stack, bill_id, MODEL), "an approval for the bill", logs=stack.logs)
    assert approval["role"] == "finance"
    first = first_answer(stack, body, vendor_bill_match.EVENT_TYPE)
    assert first["approval_id"] == approval["id"] and first["outcome"] == "approve"
    # admin asked for the match: the requester never decides, finance's fallback does
    link = next(x for x in first["decision_links"] if x["approver"] == "demo")
    assert link[f"{choice}_url"].startswith(f"{stack.n8n_url}/webhook/{APPROVAL_HOOK}?")
    wait_for(lambda: stack.sidecar("GET", f"/v1/approvals/{approval['id']}").json()["resume_url_set"],
             "the workflow to wait for the approval's outcome", logs=stack.logs)
    time.sleep(1)  # n8n parks the execution on its Wait node just after giving the URL
    decided = requests.post(link[f"{choice}_url"], json={"comment": comment}, timeout=30)
    assert decided.status_code == 200, decided.text
    return decided.json()["approval"]


def test_a_matching_bill_is_posted_and_unmarked(stack, bills):
    bill_id, body = requested(bills, 8)
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    wait_for(lambda: bills.state(bill_id) == "posted" and notes(bills, bill_id),
             "the bill to be posted in Odoo with the decision's note", logs=stack.logs)
    wait_for(lambda: stack.job_states(bill_id, MODEL) == {"done"}, "the decision's jobs to be done", logs=stack.logs)
    [note] = notes(bills, bill_id)
    assert "matched, posted" in note and "price_over_tolerance" in note
    assert bills.match_requests(bill_id) == [] and pending_approval(stack, bill_id, MODEL) is None
    assert stack.n8n_letters() == letters_before


def test_a_bill_beyond_its_receipt_is_held_and_finance_posts_it_through_n8n(stack, bills):
    bill_id, body = requested(bills, 10)  # 10 billed, 8 received
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    approval = decide_through_n8n(stack, bill_id, body, "approve", "the last 2 follow this week")
    assert approval["status"] == "approved" and approval["decided_by"] == "demo"
    wait_for(lambda: bills.state(bill_id) == "posted", "the accepted bill to be posted in Odoo", logs=stack.logs)
    wait_for(lambda: stack.job_states(bill_id, MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    assert resume_jobs_of(stack, bill_id, MODEL) == {"done"}  # n8n's Wait node took the outcome
    assert any("held for finance" in n for n in notes(bills, bill_id)) and bills.match_requests(bill_id) == []
    assert stack.n8n_letters() == letters_before


def test_finance_refuses_a_held_bill_which_stays_in_draft(stack, bills):
    bill_id, body = requested(bills, 8, price=120.0)
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    approval = decide_through_n8n(stack, bill_id, body, "reject", "ask for a credit note")
    assert approval["status"] == "rejected"
    wait_for(lambda: stack.job_states(bill_id, MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    assert bills.state(bill_id) == "draft" and resume_jobs_of(stack, bill_id, MODEL) == {"done"}
    assert any("ask for a credit note" in (m["body"] or "") for m in bills.messages(bill_id))
    assert stack.n8n_letters() == letters_before
