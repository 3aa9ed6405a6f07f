"""Return requests through POST /v1/events, for each outcome, then the outbox worker against Odoo (the double, or
a real Odoo 17 with SIDECAR_LIVE=1). Odoo's returns, credit notes and chatter are the expected values."""
from __future__ import annotations

import pytest

from sidecar.flows import registry
from sidecar.flows import return_request
from sidecar.policy import load_policy
from sidecar.store import audit
from tests.conftest import bearer
from tests.support.return_seed import ReturnSeed

DEMO_POLICY = registry.POLICIES_DIR / "return-request.demo.json"


@pytest.fixture
def shop(odoo_seed, services):
    """Return seeding, and the demo policy (customer-service manager: admin, then demo) in force for the flow."""
    services.policies[return_request.FLOW.name] = load_policy(DEMO_POLICY)
    return ReturnSeed(odoo_seed)


def notes(shop, picking):
    return [m["body"] for m in shop.messages(picking) if "Return request" in (m["body"] or "")]


def test_an_accepted_refund_is_returned_and_credited(client, worker, shop):
    customer = shop.customer("Silver")
    sold = shop.delivered(customer, [(3, 20.0)])
    invoice = shop.invoice(customer, sold)
    event = shop.envelope(shop.request(sold["picking"], [(sold["products"][0], 2)], message="Cracked"))
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "accept" and answer.json["order_id"] == sold["picking"]
    assert [job["operation"] for job in answer.json["jobs"]] == ["post_message", "create_return", "create_credit_note"]
    worker.drain()
    [made] = shop.returns(sold["picking"])
    assert made["moves"][0]["product_uom_qty"] == 2.0
    [credit] = shop.credit_notes(invoice)
    assert credit["state"] == "draft" and credit["amount_untaxed"] == 40.0
    [note] = notes(shop, sold["picking"])
    assert "accepted" in note and "Cracked" in note
    again = client.post("/v1/events", json=event, headers=bearer())  # the same delivery of the event, repeated
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == answer.json


def test_more_than_delivered_is_a_422_and_nothing_is_decided(client, shop):
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(1, 20.0)])
    event = shop.envelope(shop.request(sold["picking"], [(sold["products"][0], 2)]))
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["code"] == "return_not_possible"
    assert answer.json["error"]["details"][0]["pointer"] == "/data/lines/0"
    assert shop.returns(sold["picking"]) == [] and notes(shop, sold["picking"]) == []
    smaller = {**event, "id": event["id"] + "-2", "data": {**event["data"], "lines": [
        {"product_id": sold["products"][0], "quantity": 1}]}}
    assert client.post("/v1/events", json=smaller, headers=bearer()).status_code == 201


def test_a_return_waits_for_the_manager_then_odoo_makes_it(client, worker, shop):
    customer = shop.customer()
    sold = shop.delivered(customer, [(4, 30.0)])
    answer = client.post("/v1/events", json=shop.envelope(shop.request(
        sold["picking"], [(sold["products"][0], 3)], reason="not_as_described", resolution="replacement")),
        headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "approve"
    assert answer.json["decision"]["route"]["role"] == "customer-service-manager"
    worker.drain()
    assert shop.returns(sold["picking"]) == []
    [activity] = shop.activities(sold["picking"])
    assert activity["user_id"][0] == shop.seed.user_id("admin")  # the shop names no requester in Odoo
    link = next(link for link in answer.json["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer.json['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve", "comment": "photos checked"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    [made] = shop.returns(sold["picking"])
    assert made["moves"][0]["product_uom_qty"] == 3.0 and made["state"] == "assigned"
    assert any("photos checked" in (m["body"] or "") for m in shop.messages(sold["picking"]))


def test_while_a_return_waits_the_same_request_is_its_duplicate_and_another_a_409(client, services, shop):
    sold = shop.delivered(shop.customer(), [(4, 30.0)])
    asked = shop.request(sold["picking"], [(sold["products"][0], 3)], reason="not_as_described")
    first = client.post("/v1/events", json=shop.envelope(asked), headers=bearer())
    assert first.status_code == 201 and first.json["outcome"] == "approve", first.json
    resent = client.post("/v1/events", json=shop.envelope(asked), headers=bearer())  # a new event id, the same ask
    assert resent.status_code == 200 and resent.json["duplicate_of"] == first.json["release_id"]
    other = shop.request(sold["picking"], [(sold["products"][0], 1)], reason="not_as_described")
    refused = client.post("/v1/events", json=shop.envelope(other), headers=bearer())
    assert refused.status_code == 409 and refused.json["error"]["code"] == "decision_in_flight"
    assert refused.json["error"]["details"] == [{"release_id": first.json["release_id"]}]


def test_the_manager_rejects_and_nothing_is_made(client, worker, shop):
    customer = shop.customer()
    sold = shop.delivered(customer, [(4, 30.0)])
    answer = client.post("/v1/events", json=shop.envelope(shop.request(
        sold["picking"], [(sold["products"][0], 3)], reason="other")), headers=bearer()).json
    link = next(link for link in answer["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["reject_token"], "decision": "reject", "comment": "used goods"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert shop.returns(sold["picking"]) == []
    assert any("used goods" in (m["body"] or "") for m in shop.messages(sold["picking"]))


def test_a_return_after_the_window_is_rejected_with_a_note(client, worker, shop):
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(2, 20.0)])
    shop.delivered_days_ago(sold["picking"], 60)
    answer = client.post("/v1/events", json=shop.envelope(shop.request(
        sold["picking"], [(sold["products"][0], 1)], reason="no_longer_needed")), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "reject", answer.json
    worker.drain()
    assert shop.returns(sold["picking"]) == []
    [note] = notes(shop, sold["picking"])
    assert "rejected" in note and "return window" in note


def test_a_delivery_not_done_or_a_receipt_is_not_decided(client, worker, shop):
    customer = shop.customer("Gold")
    product = shop.seed.product(cost=5, price=10, on_hand=10)
    order = shop.seed.quotation(customer, [(product, 1, 10.0)], state="sale")
    [picking] = shop.seed.read("sale.order", [order], ["picking_ids"])[0]["picking_ids"]
    answer = client.post("/v1/events", json=shop.envelope(shop.request(picking, [(product, 1)])), headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "not_decidable", answer.json
    sold = shop.delivered(customer, [(1, 20.0)])
    event = shop.envelope(shop.request(sold["picking"], [(sold["products"][0], 1)], resolution="return_only"))
    assert client.post("/v1/events", json=event, headers=bearer()).status_code == 201
    worker.drain()
    [receipt] = shop.returns(sold["picking"])
    answer = client.post("/v1/events", json=shop.envelope(shop.request(receipt["id"], [(sold["products"][0], 1)])),
                         headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "not_submitted", answer.json


def test_a_delivery_odoo_does_not_have_is_a_404_and_a_bad_request_a_400(client, shop):
    event = shop.envelope(shop.request(2_000_000_000, [(1, 1)]))
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 404 and answer.json["error"]["code"] == "document_not_found", answer.json
    bad = shop.envelope({**shop.request(1, [(1, 1)]), "reason": "changed_mind", "refund_to": "my card"})
    answer = client.post("/v1/events", json=bad, headers=bearer())
    assert answer.status_code == 400, answer.json  # contract errors, with their pointers; nothing read from Odoo
    assert {d["pointer"] for d in answer.json["error"]["details"]} >= {"/data/reason", "/data"}
