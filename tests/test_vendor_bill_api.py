"""Vendor-bill match through POST /v1/events, for each outcome, then the outbox worker against Odoo
(the double, or a real Odoo 17 with SIDECAR_LIVE=1). Odoo's state and chatter are the expected values."""
from __future__ import annotations

import pytest

from sidecar.flows import registry
from sidecar.flows import vendor_bill_match
from sidecar.policy import load_policy
from tests.conftest import bearer
from tests.support.bill_seed import BillSeed

DEMO_POLICY = registry.POLICIES_DIR / "vendor-bill-match.demo.json"


@pytest.fixture
def bills(odoo_seed, services):
    """Bill seeding, and the demo policy (finance: admin, then demo) in force for the flow."""
    services.policies[vendor_bill_match.FLOW.name] = load_policy(DEMO_POLICY)
    return BillSeed(odoo_seed)


def event(bills, bill_id):
    """What n8n forwards for an Automation Rule's webhook of this bill."""
    body = bills.webhook_body(bill_id)
    return {"id": f"odoo:account.move:{bill_id}:{body['write_date']}", "type": vendor_bill_match.EVENT_TYPE,
            "source": "odoo", "data": body}


def draft_bill(bills, qty=8, price=100.0, received=8):
    """A draft bill of `qty` x `price` on an order of 10 x 100.00 of which `received` arrived."""
    vendor, product = bills.vendor(), bills.service(100.0)
    _order, (line,) = bills.order(vendor, [(product, 10, 100.0)])
    bills.receive({line: received})
    bill_id = bills.bill(vendor, [(line, product, qty, price)])
    bills.request_match(bill_id)
    return bill_id


def notes(bills, bill_id):
    return [m["body"] for m in bills.messages(bill_id) if "Vendor bill match" in (m["body"] or "")]


def test_a_matching_bill_is_posted_with_the_reasons_in_its_chatter(client, worker, bills):
    bill_id = draft_bill(bills)
    delivered = event(bills, bill_id)
    answer = client.post("/v1/events", json=delivered, headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "post"
    assert [job["operation"] for job in answer.json["jobs"]] == ["post_message", "clear_match_request", "post_bill"]
    worker.drain()
    assert bills.state(bill_id) == "posted" and bills.match_requests(bill_id) == []
    [note] = notes(bills, bill_id)
    assert "matched, posted" in note and "price_over_tolerance" in note
    again = client.post("/v1/events", json=delivered, headers=bearer())  # the same delivery, repeated
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == answer.json


def test_a_bill_beyond_the_receipt_is_held_then_finance_approves_and_odoo_posts(client, worker, bills):
    bill_id = draft_bill(bills, qty=10)  # 10 billed, 8 received
    answer = client.post("/v1/events", json=event(bills, bill_id), headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "approve" and answer.json["decision"]["route"]["role"] == "finance"
    worker.drain()
    assert bills.state(bill_id) == "draft"
    [note] = notes(bills, bill_id)
    assert "held for finance" in note and "billed 10, received and not yet billed 8" in note
    # admin wrote the bill (its committed write_uid): the requester never approves, the fallback does
    [activity] = bills.activities(bill_id)
    assert activity["user_id"][0] == bills.seed.user_id("demo")
    link = next(link for link in answer.json["decision_links"] if link["approver"] == "demo")
    decided = client.post(f"/v1/approvals/{answer.json['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve", "comment": "short delivery follows"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert bills.state(bill_id) == "posted"


def test_finance_rejects_and_the_bill_stays_draft(client, worker, bills):
    bill_id = draft_bill(bills, price=120.0)
    answer = client.post("/v1/events", json=event(bills, bill_id), headers=bearer()).json
    link = next(link for link in answer["decision_links"] if link["approver"] == "demo")
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["reject_token"], "decision": "reject", "comment": "ask for a credit note"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert bills.state(bill_id) == "draft"
    chatter = [m["body"] or "" for m in bills.messages(bill_id)]
    assert any("ask for a credit note" in body for body in chatter)


def test_a_posted_bill_is_not_decided(client, bills):
    bill_id = draft_bill(bills)
    bills.seed.call("account.move", "action_post", [bill_id])
    answer = client.post("/v1/events", json=event(bills, bill_id), headers=bearer())
    assert answer.status_code == 409, answer.json
    assert bills.state(bill_id) == "posted"


def test_a_bill_nobody_asked_to_match_is_not_decided(client, bills):
    """Bills are created empty and filled later: only the "Match requested" marker submits one."""
    vendor, product = bills.vendor(), bills.service(100.0)
    _order, (line,) = bills.order(vendor, [(product, 10, 100.0)])
    bills.receive({line: 8})
    bill_id = bills.bill(vendor, [(line, product, 8, 100.0)])
    answer = client.post("/v1/events", json=event(bills, bill_id), headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "not_submitted", answer.json
    bills.request_match(bill_id)
    answer = client.post("/v1/events", json=event(bills, bill_id), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "post", answer.json
