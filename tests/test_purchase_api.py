"""Purchase approval through POST /v1/events, for each outcome, then the outbox worker against Odoo
(the double, or a real Odoo 17 with SIDECAR_LIVE=1). Odoo's state and chatter are the expected values."""
from __future__ import annotations

import pytest

from sidecar.errors import ConfigError
from sidecar.flows import purchase_approval, registry
from sidecar.policy import load_policy
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.support.purchase_seed import PurchaseSeed

DEMO_POLICY = registry.POLICIES_DIR / "purchase-approval.demo.json"


@pytest.fixture
def purchase(odoo_seed, services):
    """Purchase seeding, and the demo policy (approvers admin, demo) in force for the flow."""
    try:
        services.policies[purchase_approval.FLOW.name] = load_policy(DEMO_POLICY)
    except ConfigError as err:  # the release-only loader reads no rules-as-data policy
        pytest.skip(f"needs the rules-as-data policy engine to load {DEMO_POLICY.name}: {err.problems[:1]}")
    seed = PurchaseSeed(odoo_seed)
    yield seed
    seed.close()


def event(purchase, order_id, event_id=None):
    """What n8n forwards for the Automation Rule's webhook of this order."""
    write_date = purchase.order(order_id, ["write_date"])["write_date"]
    return {"id": event_id or f"odoo:purchase.order:{order_id}:{write_date}", "type": purchase_approval.EVENT_TYPE,
            "source": "odoo", "data": {"_model": "purchase.order", "_id": order_id, "write_date": write_date,
                                       "state": "to approve"}}


def waiting(purchase, classes, price=100.0, qty=10):
    """An order of 10 x `price` from a vendor of `classes`, confirmed by a buyer: `to approve`."""
    return purchase.to_approve(purchase.vendor(classes=classes), [(purchase.product(), qty, price)])


def notes(purchase, order_id):
    return [m["body"] for m in purchase.messages(order_id) if "Purchase approval" in (m["body"] or "")]


def test_a_passing_order_is_approved_in_odoo_with_the_reasons_in_its_chatter(client, worker, purchase):
    order_id = waiting(purchase, ["Approved"])
    delivered = event(purchase, order_id)
    answer = client.post("/v1/events", json=delivered, headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] not in ("approve", "reject")
    assert [job["operation"] for job in answer.json["jobs"]] == ["post_message", "approve_purchase"]
    worker.drain()
    assert purchase.state(order_id) == "purchase"
    [note] = notes(purchase, order_id)
    assert "amount_tier1" in note and "vendor_not_approved" in note
    again = client.post("/v1/events", json=delivered, headers=bearer())  # the same delivery, repeated
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == answer.json


def test_a_new_vendor_waits_for_the_purchase_manager_who_approves(client, worker, purchase):
    order_id = waiting(purchase, ["New"])
    answer = client.post("/v1/events", json=event(purchase, order_id), headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "approve" and answer.json["decision"]["route"]["role"] == "purchase-manager"
    worker.drain()
    assert purchase.state(order_id) == "to approve"
    [activity] = purchase.activities(order_id)
    assert activity["user_id"][0] == purchase.seed.user_id("admin")
    link = next(link for link in answer.json["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer.json['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve"}, headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert purchase.state(order_id) == "purchase"


def test_the_approver_rejects_and_odoo_cancels(client, worker, purchase):
    order_id = waiting(purchase, [])
    answer = client.post("/v1/events", json=event(purchase, order_id), headers=bearer()).json
    link = next(link for link in answer["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["reject_token"], "decision": "reject", "comment": "no budget"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert purchase.state(order_id) == "cancel"


def test_a_blocked_vendor_is_rejected_and_cancelled(client, worker, purchase):
    order_id = waiting(purchase, ["Blocked"])
    answer = client.post("/v1/events", json=event(purchase, order_id), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "reject", answer.json
    worker.drain()
    assert purchase.state(order_id) == "cancel"
    [note] = notes(purchase, order_id)
    assert "blocked" in note


def test_an_order_not_waiting_for_approval_is_not_decided(client, purchase):
    order_id = purchase.rfq(purchase.vendor(classes=["Approved"]), [(purchase.product(), 1, 10.0)])
    answer = client.post("/v1/events", json=event(purchase, order_id), headers=bearer())
    assert answer.status_code == 409, answer.json
    assert purchase.state(order_id) == "draft"


# -- the approval's notes speak of a purchase order, not of a quotation's release ----------------------

OPS = bearer(ALL_SCOPES_KEY)


def _chatter(purchase, order_id):
    return [m["body"] or "" for m in purchase.messages(order_id) if m["message_type"] != "user_notification"]


def _speaks_of_purchase(texts):
    return not any("Release" in text or "release" in text or "quotation" in text for text in texts)


def test_the_approvers_decision_is_noted_in_purchase_words(client, worker, purchase):
    order_id = waiting(purchase, ["New"])
    answer = client.post("/v1/events", json=event(purchase, order_id), headers=bearer()).json
    link = next(link for link in answer["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve", "comment": "within budget"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    chatter = _chatter(purchase, order_id)
    assert sum("Purchase approved by admin: within budget" in body for body in chatter) == 1
    assert _speaks_of_purchase(chatter)


def test_a_rerouted_then_cancelled_approval_is_noted_in_purchase_words(client, worker, purchase):
    order_id = waiting(purchase, ["New"])
    answer = client.post("/v1/events", json=event(purchase, order_id), headers=bearer()).json
    rerouted = client.post(f"/v1/approvals/{answer['approval_id']}/reroute",
                           json={"assignee": "demo", "reason": "admin is away"}, headers=OPS)
    assert rerouted.status_code == 200, rerouted.json
    worker.drain()
    name = purchase.order(order_id, ["name"])["name"]
    [activity] = [a for a in purchase.activities(order_id) if a["user_id"][0] == purchase.seed.user_id("demo")]
    assert activity["summary"] == f"Approve purchase of {name}"
    cancelled = client.post(f"/v1/approvals/{answer['approval_id']}/cancel",
                            json={"reason": "the vendor withdrew its offer"}, headers=OPS)
    assert cancelled.status_code == 200, cancelled.json
    worker.drain()
    assert purchase.state(order_id) == "to approve"  # a cancelled approval leaves the order as it is
    chatter = _chatter(purchase, order_id)
    assert sum("Purchase approval re-routed to demo (purchase-manager) by ops: admin is away" in body
               for body in chatter) == 1
    assert sum("Purchase approval cancelled by ops: the vendor withdrew its offer. "
               "The purchase order was not approved." in body for body in chatter) == 1
    assert _speaks_of_purchase(chatter + [a["summary"] or "" for a in purchase.activities(order_id)])
