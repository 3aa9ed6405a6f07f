"""Inventory adjustment through POST /v1/events, for each outcome, then the outbox worker against Odoo
(the double, or a real Odoo 17 with SIDECAR_LIVE=1). Odoo's quant and the product's chatter are the expected values."""
from __future__ import annotations

import pytest

from sidecar.errors import ConfigError
from sidecar.flows import inventory_adjustment, registry
from sidecar.policy import load_policy
from tests.conftest import bearer
from tests.support.inventory_seed import InventorySeed

DEMO_POLICY = registry.POLICIES_DIR / "inventory-adjustment.demo.json"


@pytest.fixture
def inventory(odoo_seed, services):
    """Inventory seeding, and the demo policy (approvers admin, fallback demo) in force for the flow."""
    try:
        services.policies[inventory_adjustment.FLOW.name] = load_policy(DEMO_POLICY)
    except ConfigError as err:
        pytest.skip(f"needs the rules-as-data policy engine to load {DEMO_POLICY.name}: {err.problems[:1]}")
    seed = InventorySeed(odoo_seed)
    yield seed
    seed.close()


def event(inventory, quant_id, event_id=None):
    """What n8n forwards for a counted quant."""
    write_date = inventory.quant(quant_id)["write_date"]
    return {"id": event_id or f"odoo:stock.quant:{quant_id}:{write_date}", "type": inventory_adjustment.EVENT_TYPE,
            "source": "odoo", "data": {"_model": "stock.quant", "_id": quant_id, "write_date": write_date}}


def notes(inventory, product_id):
    return [m["body"] for m in inventory.messages(product_id) if "Inventory adjustment" in (m["body"] or "")]


def test_a_small_surplus_is_applied_in_odoo_with_the_reasons_on_the_product(client, worker, inventory):
    product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 22)  # +2 units worth 20: below every tier, not a write-off
    delivered = event(inventory, quant)
    answer = client.post("/v1/events", json=delivered, headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "apply_now"
    assert [job["operation"] for job in answer.json["jobs"]] == ["post_message", "apply_inventory"]
    worker.drain()
    after = inventory.quant(quant)
    assert after["quantity"] == 22 and after["inventory_quantity_set"] is False
    [note] = notes(inventory, product)
    assert "variance_tier1" in note and "write_off" in note
    again = client.post("/v1/events", json=delivered, headers=bearer())
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == answer.json


def test_a_write_off_waits_for_a_manager_who_is_not_the_counter_and_is_applied_once_approved(client, worker, inventory):
    product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 19)  # -1 unit: a write-off, below the tiers
    answer = client.post("/v1/events", json=event(inventory, quant), headers=bearer())
    assert answer.status_code == 201, answer.json
    decision = answer.json["decision"]
    assert answer.json["outcome"] == "approve" and decision["route"]["role"] == "inventory-manager"
    assert decision["route"]["assignee"] == "admin" != inventory.counter_login
    worker.drain()
    assert inventory.quant(quant)["quantity"] == 20  # nothing applied before approval
    [activity] = inventory.activities(product)
    assert activity["user_id"][0] == inventory.seed.user_id("admin")
    link = next(link for link in answer.json["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer.json['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve"}, headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    after = inventory.quant(quant)
    assert after["quantity"] == 19 and after["inventory_quantity_set"] is False


def test_a_large_variance_needs_both_tiers(client, inventory):
    _product, quant = inventory.stocked(cost=200.0, on_hand=10)
    inventory.count(quant, 70)  # +60 units worth 12000: above the second value tier
    answer = client.post("/v1/events", json=event(inventory, quant), headers=bearer())
    assert answer.status_code == 201, answer.json
    roles = [tier["role"] for tier in answer.json["decision"]["tiers"]]
    assert roles == ["inventory-manager", "inventory-controller"]


def test_a_rejected_count_is_reset_and_stock_is_unchanged(client, worker, inventory):
    _product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 5)
    answer = client.post("/v1/events", json=event(inventory, quant), headers=bearer()).json
    link = next(link for link in answer["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["reject_token"], "decision": "reject", "comment": "recount"},
                          headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    after = inventory.quant(quant)
    assert after["quantity"] == 20 and after["inventory_quantity_set"] is False and after["inventory_quantity"] == 0


def test_a_quant_without_a_count_is_not_decided(client, inventory):
    _product, quant = inventory.stocked(cost=10.0, on_hand=20)
    answer = client.post("/v1/events", json=event(inventory, quant), headers=bearer())
    assert answer.status_code == 409, answer.json
    assert answer.json["error"]["code"] == "not_submitted"


def test_the_counter_never_approves_a_write_off(client, inventory):
    """Segregation of duties: admin, the manager's first approver, counted; demo (the fallback) approves instead."""
    _product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.seed.call("stock.quant", "write", [quant], {"inventory_quantity": 12.0}, context={"inventory_mode": True})
    answer = client.post("/v1/events", json=event(inventory, quant), headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["decision"]["route"]["role"] == "inventory-manager"
    assert answer.json["decision"]["route"]["assignee"] == "demo"
    assert {link["approver"] for link in answer.json["decision_links"]} == {"demo"}


def test_marking_the_activity_on_the_product_done_approves_and_applies(client, worker, inventory, odoo_target):
    """The approval's activity sits on the quant's product: the activity pull finds it there."""
    from tests.support.odoo_seed import OdooSeed

    product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.seed.call("stock.quant", "write", [quant], {"inventory_quantity": 12.0}, context={"inventory_mode": True})
    answer = client.post("/v1/events", json=event(inventory, quant), headers=bearer()).json
    assert answer["decision"]["route"]["assignee"] == "demo"
    worker.drain()
    [activity] = [a for a in inventory.activities(product) if a["user_id"][0] == inventory.seed.user_id("demo")]
    as_demo = OdooSeed(odoo_target.url, odoo_target.db, "demo", "demo")
    try:
        as_demo.call("mail.activity", "action_feedback", [activity["id"]], feedback="counted twice")
    finally:
        as_demo.close()
    pulled = client.post("/v1/approvals/pull-activities", headers=bearer())
    assert pulled.status_code == 200, pulled.json
    assert [(item["approver"], item["status"]) for item in pulled.json["items"]] == [("demo", "approved")]
    worker.drain()
    assert inventory.quant(quant)["quantity"] == 12


def test_simulate_finds_counted_quants_and_what_a_lower_tier_would_change(services, inventory):
    """A quant has no `state` nor `name`: simulate searches `inventory_quantity_set` and names it as Odoo displays it."""
    import datetime as dt
    import json

    from sidecar.flows import simulate
    from sidecar.policy import build_policy

    _product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 24)  # +4 units worth 40: passes the demo policy
    data = json.loads(DEMO_POLICY.read_text())
    data["parameters"]["tier1_quantity"]["value"] = 3
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    report = simulate.simulate(services, inventory_adjustment.FLOW, build_policy(data, "candidate"), since)
    [change] = [c for c in report["changed"] if c["document_id"] == quant]
    assert change["document"] and (change["in_force"], change["candidate"]) == ("apply_now", "approve")
