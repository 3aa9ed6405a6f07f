"""Replenishment exception through the scan and POST /v1/events, then the outbox worker against Odoo (the double,
or a real Odoo 17 with SIDECAR_LIVE=1). What Odoo shows (transfers, RFQs, the product's chatter) is expected."""
from __future__ import annotations

import json

import pytest

from sidecar.flows import registry, replenishment_exception
from sidecar.policy import load_policy
from tests.conftest import bearer
from tests.support.replenishment_seed import ReplenishmentSeed

DEMO_POLICY = registry.POLICIES_DIR / "replenishment-exception.demo.json"
NAME = replenishment_exception.FLOW.name


@pytest.fixture
def repl(odoo_seed, services):
    """Replenishment seeding, and the demo policy (planner demo, managers admin) in force for the flow."""
    services.policies[NAME] = load_policy(DEMO_POLICY)
    return ReplenishmentSeed(odoo_seed)


def scan(client, **body):
    answer = client.post("/v1/replenishment/scan", json=body, headers=bearer())
    assert answer.status_code == 200, answer.json
    return answer.json


def item_of(answer, rule):
    return next(item for item in answer["items"] if item["orderpoint_id"] == rule)


def notes(repl, product):
    return [m["body"] for m in repl.messages(product) if "Replenishment" in (m["body"] or "")]


def test_the_scan_ranks_rules_below_their_minimum_and_leaves_the_others(client, repl):
    warehouse = repl.second_warehouse()  # a warehouse of its own: only this test's rules are there
    calm, urgent, fine = (repl.product(cost=1.0) for _ in range(3))
    repl.seed.set_on_hand(calm, 9, warehouse["lot_stock_id"][0])
    repl.seed.set_on_hand(fine, 50, warehouse["lot_stock_id"][0])
    calm_rule = repl.rule(calm, minimum=10, maximum=20, warehouse=warehouse)
    urgent_rule = repl.rule(urgent, minimum=10, maximum=20, warehouse=warehouse)
    repl.rule(fine, minimum=10, maximum=20, warehouse=warehouse)
    repl.rule(urgent, minimum=10, maximum=20, trigger="auto")  # Odoo's scheduler orders auto rules: not scanned
    answer = scan(client, warehouse_id=warehouse["id"])
    assert [item["orderpoint_id"] for item in answer["items"]] == [urgent_rule, calm_rule]
    assert answer["checked"] == 3 and answer["below_minimum"] == 2
    top = answer["items"][0]
    assert top["rank"] == 1 and top["forecast"] == repl.shown(urgent_rule)["qty_forecast"] == 0
    assert {f["factor"] for f in top["risk"]["factors"]} == {"shortfall", "cover", "waiting"}
    assert top["risk"]["score"] == sum(f["points"] for f in top["risk"]["factors"])
    assert top["event"]["type"] == "replenishment.exception" and top["event"]["data"]["_id"] == urgent_rule


def test_a_small_transfer_is_created_at_once_and_the_same_shortfall_is_not_decided_twice(client, worker, repl):
    product = repl.product(cost=2.0, main_stock=1, second_stock=40)
    rule = repl.rule(product, minimum=10, maximum=12)
    event = item_of(scan(client, warehouse_id=repl.main_warehouse()["id"]), rule)["event"]
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "replenish"
    assert [job["operation"] for job in answer.json["jobs"]] == ["post_message", "create_transfer"]
    # while in flight, the scan offers no event and a repeat of another id is the same decision
    assert item_of(scan(client, warehouse_id=repl.main_warehouse()["id"]), rule)["in_flight"] is True
    twin = client.post("/v1/events", json={**event, "id": event["id"] + ":again"}, headers=bearer())
    assert twin.status_code == 200 and twin.json["duplicate_of"] == answer.json["release_id"]
    worker.drain()
    [picking] = repl.pickings(repl.shown(rule)["name"])
    assert picking["location_dest_id"][0] == repl.main_warehouse()["lot_stock_id"][0]
    assert repl.moves(picking["id"])[0]["product_uom_qty"] == 11
    [note] = notes(repl, product)
    assert "proposal created" in note and "transfer_value" in note and "Service risk" in note
    # the rule is no longer below its minimum: the scan leaves it
    assert rule not in [i["orderpoint_id"] for i in scan(client, warehouse_id=repl.main_warehouse()["id"])["items"]]
    again = client.post("/v1/events", json=event, headers=bearer())
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json["release_id"] == answer.json["release_id"]


def test_an_rfq_to_a_vendor_that_is_not_approved_waits_for_a_purchase_manager(client, worker, repl):
    product = repl.product(cost=4.0, main_stock=0)
    rule = repl.rule(product, minimum=5, maximum=5)
    vendor = repl.vendor(price=3.0, product=product)
    event = item_of(scan(client, warehouse_id=repl.main_warehouse()["id"]), rule)["event"]
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    decision = answer.json["decision"]
    assert answer.json["outcome"] == "approve" and decision["route"]["role"] == "purchase-manager"
    assert decision["route"]["assignee"] == "admin"
    worker.drain()
    assert repl.rfqs(repl.shown(rule)["name"]) == []  # nothing before approval
    [activity] = repl.activities(product)
    assert activity["user_id"][0] == repl.seed.user_id("admin")
    link = next(link for link in answer.json["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer.json['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve"}, headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    [order] = repl.rfqs(repl.shown(rule)["name"])
    assert order["state"] == "draft" and order["partner_id"][0] == vendor
    assert repl.rfq_lines(order["id"])[0]["product_qty"] == 5


def test_an_approved_vendors_small_rfq_is_created_at_once(client, worker, repl):
    product = repl.product(cost=4.0, main_stock=0)
    rule = repl.rule(product, minimum=5, maximum=5)
    repl.vendor(price=3.0, product=product, tags=[repl.vendor_class("Approved")])
    answer = client.post("/v1/events", json=item_of(scan(client, warehouse_id=repl.main_warehouse()["id"]), rule)[
        "event"], headers=bearer())
    assert answer.json["outcome"] == "replenish", answer.json["decision"]["summary"]
    worker.drain()
    assert len(repl.rfqs(repl.shown(rule)["name"])) == 1


def test_a_rejected_proposal_leaves_a_note_and_nothing_else(client, worker, repl):
    product = repl.product(cost=400.0, main_stock=0, second_stock=100)
    rule = repl.rule(product, minimum=20, maximum=20)  # a transfer of 20 worth 8000 at cost: a manager decides
    answer = client.post("/v1/events", json=item_of(scan(client, warehouse_id=repl.main_warehouse()["id"]), rule)[
        "event"], headers=bearer())
    assert answer.json["outcome"] == "approve" and answer.json["decision"]["route"]["role"] == "inventory-manager"
    link = next(link for link in answer.json["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer.json['approval_id']}/decision",
                          json={"token": link["reject_token"], "decision": "reject", "comment": "not now"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert repl.pickings(repl.shown(rule)["name"]) == []
    assert any("Replenishment rejected by admin: not now" in body for body in notes(repl, product))


def test_nothing_to_propose_goes_to_a_planner_else_to_the_admin_route(client, services, repl, tmp_path):
    product = repl.product(cost=4.0, main_stock=0)
    first, second = repl.rule(product, minimum=3, maximum=3), None
    event = item_of(scan(client, warehouse_id=repl.main_warehouse()["id"]), first)["event"]
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "approve" and answer.json["decision"]["route"]["role"] == "planner"
    assert answer.json["decision"]["route"]["assignee"] == "demo"
    data = json.loads(DEMO_POLICY.read_text())
    for route in data["routing"]["routes"]:
        if route["role"] == "planner":  # the only planner is the scan's own user, who never approves
            route["approvers"] = [services.settings.odoo_user]
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    services.policies[NAME] = load_policy(path)
    second = repl.rule(repl.product(cost=4.0, main_stock=0), minimum=3, maximum=3)
    event = item_of(scan(client, warehouse_id=repl.main_warehouse()["id"]), second)["event"]
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    tier = answer.json["decision"]["tiers"][0]
    assert tier["role"] == "planner" and tier["admin"] is True and tier["assignee"] == "admin"


def test_a_rule_not_below_its_minimum_is_not_decided(client, repl):
    product = repl.product(cost=4.0, main_stock=8)
    rule = repl.rule(product, minimum=5, maximum=9)
    event = {"id": f"manual:{rule}", "type": "replenishment.exception", "source": "test",
             "data": {"_model": "stock.warehouse.orderpoint", "_id": rule}}
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "not_decidable"


@pytest.mark.parametrize("body", [{"limit": 0}, {"warehouse_id": "x"}, {"unknown": 1}, []])
def test_a_bad_scan_request_is_a_clear_400(client, repl, body):
    answer = client.post("/v1/replenishment/scan", json=body, headers=bearer())
    assert answer.status_code == 400 and answer.json["error"]["code"]


def test_a_scan_makes_two_odoo_calls_and_a_decision_five(client, services, repl, odoo_target):
    """The scan: rules, then their customer moves. A decision: intake's search_count, then the rule with its
    product's vendors and rules, the other warehouses, their quants, the customer moves (one call per model)."""
    product = repl.product(cost=2.0, main_stock=1, second_stock=40)
    rule = repl.rule(product, minimum=10, maximum=12)
    warehouse = repl.main_warehouse()["id"]
    scan(client, warehouse_id=warehouse)  # logs in first
    start = services.odoo.pool.stats()["requests"]
    event = item_of(scan(client, warehouse_id=warehouse), rule)["event"]
    assert services.odoo.pool.stats()["requests"] - start == 2
    start = services.odoo.pool.stats()["requests"]
    assert client.post("/v1/events", json=event, headers=bearer()).status_code == 201
    assert services.odoo.pool.stats()["requests"] - start == 5
    if odoo_target.is_double:
        assert [c[:2] for c in odoo_target.double.calls[-5:]] == [
            ("stock.warehouse.orderpoint", "search_count"), ("stock.warehouse.orderpoint", "web_read"),
            ("stock.warehouse", "search_read"), ("stock.quant", "search_read"), ("stock.move", "web_search_read")]


def test_simulate_decides_only_the_rules_below_their_minimum(services, repl, tmp_path):
    import time
    from datetime import datetime, timezone

    from sidecar.flows import simulate

    time.sleep(1.1)  # rules of earlier tests were written before `since` (Odoo reads write_date to the second)
    since = datetime.now(timezone.utc)
    below = repl.rule(repl.product(cost=2.0, main_stock=1, second_stock=40), minimum=10, maximum=12)
    repl.rule(repl.product(cost=2.0, main_stock=30), minimum=10, maximum=12)  # not below: never decided
    data = json.loads(DEMO_POLICY.read_text())
    data["parameters"]["transfer_approval_value"]["value"] = 1  # every transfer needs an inventory manager
    path = tmp_path / "candidate.json"
    path.write_text(json.dumps(data))
    report = simulate.simulate(services, replenishment_exception.FLOW, load_policy(path), since)
    assert report["checked"] == 1
    assert [(c["document_id"], c["in_force"], c["candidate"]) for c in report["changed"]] == [
        (below, "replenish", "approve")]
