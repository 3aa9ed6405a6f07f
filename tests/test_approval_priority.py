"""Approvals waiting for a person carry priority advice when listed (time left to the SLA, the document's value
from what Odoo said, the customer tier), `sort=priority` ranks them by it, and a failing advisor leaves the list
as it was. The values a factor must show are read back from Odoo as admin."""
from __future__ import annotations

from datetime import datetime

from sidecar.advisory import approval_queue
from tests.conftest import bearer
from tests.test_approvals import OPS, event_for


def submitted(odoo_seed, quantity: float) -> int:
    """A sent quotation at a 5 % margin (it asks for approval), submitted by admin."""
    product = odoo_seed.product(cost=190.0, price=200.0, on_hand=quantity + 10)
    order_id = odoo_seed.quotation(odoo_seed.customer(), lines=[(product, quantity, 200.0)], state="sent")
    odoo_seed.request_release(order_id)
    return order_id


def asked(client, odoo_seed, order_id: int) -> dict:
    answer = client.post("/v1/events", json=event_for(order_id, odoo_seed.user_id("admin")), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "approve", answer.json
    return answer.json


def factors(item: dict) -> dict:
    return {f["factor"]: f for f in item["advice"]["priority"]["factors"]}


def test_listed_approvals_carry_priority_and_sort_by_it(client, odoo_seed):
    large, small = submitted(odoo_seed, 40), submitted(odoo_seed, 1)
    large_id, small_id = asked(client, odoo_seed, large)["approval_id"], asked(client, odoo_seed, small)["approval_id"]
    totals = {row["id"]: row["amount_total"] for row in odoo_seed.read("sale.order", [large, small], ["amount_total"])}

    newest = client.get("/v1/approvals", query_string={"status": "pending"}, headers=OPS).json["items"]
    mine = {item["id"]: item for item in newest if item["id"] in (large_id, small_id)}
    assert [item["id"] for item in newest if item["id"] in mine] == [small_id, large_id]  # newest first
    for approval_id, order_id in ((large_id, large), (small_id, small)):
        item = mine[approval_id]
        assert item["advice"]["advisory_only"] is True and item["advice"]["backend"] == "local"
        assert factors(item)["amount"]["value"] == totals[order_id]
        due = datetime.fromisoformat(item["due_at"].replace("Z", "+00:00")).timestamp()
        created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")).timestamp()
        assert 0 < factors(item)["hours_to_sla"]["value"] <= (due - created) / 3600 + 0.01
    assert factors(mine[large_id])["amount"]["points"] > factors(mine[small_id])["amount"]["points"]

    ranked = client.get("/v1/approvals", query_string={"status": "pending", "sort": "priority"},
                        headers=OPS).json["items"]
    assert [item["id"] for item in ranked if item["id"] in mine] == [large_id, small_id]
    scores = [item["advice"]["priority"]["score"] for item in ranked]
    assert scores == sorted(scores, reverse=True)


def test_a_failing_advisor_lists_the_approvals_without_advice(client, odoo_seed, monkeypatch):
    approval_id = asked(client, odoo_seed, submitted(odoo_seed, 1))["approval_id"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("advisor down")
    monkeypatch.setattr(approval_queue, "advise_approvals", broken)
    for sort in ("newest", "priority"):
        answer = client.get("/v1/approvals", query_string={"sort": sort}, headers=OPS)
        assert answer.status_code == 200
        [item] = [item for item in answer.json["items"] if item["id"] == approval_id]
        assert item["advice"] is None and item["status"] == "pending"


def test_an_unknown_sort_is_a_400(client):
    answer = client.get("/v1/approvals", query_string={"sort": "loudest"}, headers=OPS)
    assert answer.status_code == 400 and "sort" in answer.json["error"]["message"]
