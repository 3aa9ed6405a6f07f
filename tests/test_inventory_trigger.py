"""What Odoo posts when a quant's count is set, and the Automation Rule that posts it (made by
`sidecar odoo provision`): it fires when a count is set, never for the sidecar's own apply or clear."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sidecar import contracts
from sidecar.errors import InvalidPayload
from sidecar.flows import inventory_adjustment, registry
from sidecar.odoo import OdooGateway
from sidecar.odoo import desired_state, provision
from sidecar.odoo.inventory_trigger import RULE_NAME
from sidecar.policy import load_policy
from tests.conftest import bearer
from tests.support.inventory_seed import InventorySeed
from tests.support.provisioning import WEBHOOK_AUTH, provision_flow, webhooks_for
from tests.support.webhook_receiver import WebhookReceiver

FLOW = inventory_adjustment.FLOW
# Recorded from a real Odoo 17: the rule `sidecar odoo provision` makes, an Inventory / User
# (uid 9) writing inventory_quantity 18 on a quant of 20 (Inventory > Physical Inventory).
RECORDED = json.loads((Path(__file__).parent / "data" / "odoo17-quant-count-set-webhook.json").read_text())
DEMO_POLICY = registry.POLICIES_DIR / "inventory-adjustment.demo.json"


def test_the_recorded_webhook_matches_the_contract():
    contracts.validate(FLOW.contract, RECORDED)
    assert FLOW.request(RECORDED) == {"id": 41, "write_date": "2026-12-06 05:24:01.103281"}
    envelope = {"id": "odoo:stock.quant:41:x", "type": FLOW.event_type, "source": "odoo", "data": RECORDED}
    assert registry.validate_event(envelope) is FLOW


@pytest.mark.parametrize("body, pointer", [
    ({**RECORDED, "_model": "stock.move"}, "/_model"),
    ({**RECORDED, "_id": 0}, "/_id"),
    ({**RECORDED, "write_date": "today"}, "/write_date"),
])
def test_bad_webhooks_break_the_contract(body, pointer):
    with pytest.raises(InvalidPayload) as caught:
        contracts.validate(FLOW.contract, body)
    assert pointer in [d["pointer"] for d in caught.value.details]


@pytest.fixture
def quant_rule(real_odoo, odoo_seed, client, services):
    """The rule installed (twice: idempotent) on the real Odoo, posting to a receiver that forwards to the sidecar."""
    services.policies[FLOW.name] = load_policy(DEMO_POLICY)
    admin = OdooGateway(real_odoo.url, real_odoo.db, real_odoo.admin_login, real_odoo.admin_password)

    def forward(body):
        event = {"id": f"odoo:stock.quant:{body['_id']}:{body['write_date']}", "type": FLOW.event_type,
                 "source": "odoo", "data": body}
        answer = client.post("/v1/events", json=event, headers=bearer())
        return {"status": answer.status_code, "json": answer.json}

    inventory = InventorySeed(odoo_seed)
    product, quant = inventory.stocked(cost=10.0, on_hand=20.0)  # set and applied by the seed: before the rule
    receiver = WebhookReceiver("odoo/inventory-adjustment", forward)
    first = provision_flow(admin, FLOW.name, receiver.url)
    rule_id = first[f"{FLOW.name}/rule"]
    try:
        admin.execute("base.automation", "write", [rule_id], {"filter_pre_domain": False})  # broken by hand
        repaired = provision.apply(admin, desired_state.records([FLOW.name]), webhooks_for(FLOW.name, receiver.url))
        assert repaired.actions() == {f"{FLOW.name}/rule": "update", f"{FLOW.name}/webhook": "unchanged"}
        assert repaired.ids() == first
        yield inventory, product, quant, receiver, admin, rule_id
    finally:
        admin.execute("base.automation", "write", [rule_id], {"active": False})
        receiver.stop()
        inventory.close()
        admin.close()


def test_odoo_posts_a_count_once_and_not_the_sidecars_apply(quant_rule, worker):
    inventory, _product, quant, receiver, admin, installed = quant_rule
    inventory.count(quant, 21)  # one unit found, worth 10: the demo policy applies it
    [record] = receiver.wait(1)
    body = record["body"]
    contracts.validate(FLOW.contract, body)
    assert set(body) == set(RECORDED)
    # the credentials in the rule's URL arrive as HTTP Basic auth, what n8n's Webhook node verifies
    assert record["authorization"] == "Basic " + base64.b64encode(WEBHOOK_AUTH.encode()).decode()
    assert record["path"] == "/webhook/odoo/inventory-adjustment"
    assert (body["_id"], body["inventory_quantity"], body["inventory_quantity_set"]) == (quant, 21.0, True)
    assert body["write_uid"] == inventory.seed.user_id(inventory.counter_login)
    assert len(body["write_date"]) > 19  # microseconds: read inside the writing transaction
    assert record["answer"]["status"] == 201, record["answer"]
    assert record["answer"]["json"]["outcome"] == "apply_now"
    worker.drain()
    applied = inventory.quant(quant)
    assert (applied["quantity"], applied["inventory_quantity_set"]) == (21.0, False)
    assert len(receiver.quiet()) == 1  # Odoo's apply (inventory_quantity 0, then the flag False) posts nothing
    inventory.count(quant, 21)  # a new count after the apply is a new submission
    assert len(receiver.wait(2)) == 2
    rule = admin.read("base.automation", [installed], ["name", "trigger", "filter_pre_domain"])[0]
    assert (rule["name"], rule["trigger"]) == (RULE_NAME, "on_create_or_write")


def test_a_recount_is_not_posted_again_nor_the_sidecars_clear(quant_rule, worker):
    inventory, _product, quant, receiver, _admin, _installed = quant_rule
    inventory.count(quant, 5)  # 15 units written off, worth 150: an inventory manager approves
    [record] = receiver.wait(1)
    assert record["answer"]["status"] == 201 and record["answer"]["json"]["outcome"] == "approve", record["answer"]
    inventory.count(quant, 6)  # still counted: the flag stays True, nothing is posted
    assert len(receiver.quiet()) == 1
    inventory.seed.call("stock.quant", "action_clear_inventory_quantity", [quant])  # as the rejection's reset does
    assert len(receiver.quiet()) == 1
    assert inventory.quant(quant)["inventory_quantity_set"] is False
