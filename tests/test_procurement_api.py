"""Procurement exception through POST /v1/events, for each outcome, then the outbox worker against Odoo
(the double, or a real Odoo 17 with SIDECAR_LIVE=1). Odoo's states, activities and chatter are the expected
values."""
from __future__ import annotations

import pytest

from sidecar.flows import procurement_exception, registry
from sidecar.flows.registry import APPROVE
from sidecar.policy import load_policy
from tests.conftest import bearer
from tests.support.procurement_seed import ProcurementSeed

DEMO_POLICY = registry.POLICIES_DIR / "procurement-exception.demo.json"


@pytest.fixture
def procurement(odoo_seed, services):
    """Procurement seeding, and the demo policy (procurement manager: admin, then demo) in force for the flow."""
    services.policies[procurement_exception.FLOW.name] = load_policy(DEMO_POLICY)
    seed = ProcurementSeed(odoo_seed)
    yield seed
    seed.close()


def event(body):
    """What n8n forwards for the Automation Rule's webhook of an RFQ."""
    return {"id": f"odoo:purchase.order:{body['_id']}:{body['write_date']}", "type": procurement_exception.EVENT_TYPE,
            "source": "odoo", "data": body}


def submitted(procurement, price=60.0, qty=10, classes=("Approved",)):
    """An RFQ of `qty` x `price` on a blanket order of 100 x 60.00, sent to the procurement check by admin."""
    vendor, product = procurement.vendor(classes=classes), procurement.product()
    requisition = procurement.blanket_order(vendor, [(product, 100, 60.0)])
    order_id = procurement.rfq(vendor, [(product, qty, price)], requisition_id=requisition)
    return order_id, procurement.request_check(order_id)


def notes(procurement, order_id):
    return [m["body"] for m in procurement.messages(order_id) if "Procurement check" in (m["body"] or "")]


def test_an_rfq_within_its_agreement_is_confirmed_and_its_marker_closed(client, worker, procurement):
    order_id, body = submitted(procurement)
    delivered = event(body)
    answer = client.post("/v1/events", json=delivered, headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == procurement_exception.PASSING_OUTCOME
    assert [job["operation"] for job in answer.json["jobs"]] == ["post_message", "confirm_rfq",
                                                                 "close_procurement_check"]
    worker.drain()
    assert procurement.order(order_id)["state"] == "purchase"
    assert procurement.markers(order_id) == []
    assert any("within agreement, confirmed" in note for note in notes(procurement, order_id))
    again = client.post("/v1/events", json=delivered, headers=bearer())  # the same delivery, repeated
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == answer.json


def test_a_deviation_waits_for_the_procurement_manager_who_approves(client, worker, procurement):
    order_id, body = submitted(procurement, price=66.0)
    answer = client.post("/v1/events", json=event(body), headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == APPROVE
    assert answer.json["decision"]["route"]["role"] == "procurement-manager"
    worker.drain()
    assert procurement.order(order_id)["state"] == "draft" and len(procurement.markers(order_id)) == 1
    assert any("unit price 66.00 for 60.00 agreed" in note for note in notes(procurement, order_id))
    # admin asked for the check (the RFQ's committed write_uid): the requester never approves, the fallback does
    link = next(link for link in answer.json["decision_links"] if link["approver"] == "demo")
    decided = client.post(f"/v1/approvals/{answer.json['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve", "comment": "price rise agreed"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert procurement.order(order_id)["state"] == "purchase"
    assert procurement.markers(order_id) == []


def test_the_procurement_manager_rejects_and_odoo_cancels(client, worker, procurement):
    order_id, body = submitted(procurement, qty=120)  # 120 ordered, the agreement allows 100
    answer = client.post("/v1/events", json=event(body), headers=bearer()).json
    link = next(link for link in answer["decision_links"] if link["approver"] == "demo")
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["reject_token"], "decision": "reject", "comment": "order 100 at most"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert procurement.order(order_id)["state"] == "cancel" and procurement.markers(order_id) == []


def test_a_blocked_vendors_rfq_is_cancelled(client, worker, procurement):
    order_id, body = submitted(procurement, classes=("Blocked",))
    answer = client.post("/v1/events", json=event(body), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "reject", answer.json
    worker.drain()
    assert procurement.order(order_id)["state"] == "cancel"
    assert any("is blocked" in note for note in notes(procurement, order_id))


def test_an_rfq_not_sent_to_the_check_is_not_decided(client, procurement):
    vendor, product = procurement.vendor(), procurement.product()
    procurement.vendor_price(vendor, product, 10.0)
    order_id = procurement.rfq(vendor, [(product, 1, 10.0)])
    body = {"_model": "purchase.order", "_id": order_id,
            "write_date": procurement.order(order_id, ["write_date"])["write_date"]}
    answer = client.post("/v1/events", json=event(body), headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "not_submitted", answer.json
    assert procurement.order(order_id)["state"] == "draft"


def test_a_confirmed_order_is_not_decided(client, procurement):
    order_id, body = submitted(procurement)
    procurement.confirm(order_id)
    answer = client.post("/v1/events", json=event(body), headers=bearer())
    assert answer.status_code == 409, answer.json
    assert procurement.order(order_id)["state"] == "purchase"
