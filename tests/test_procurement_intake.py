"""What Odoo posts when an RFQ is sent to the procurement check, and the records `sidecar odoo provision` makes for it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sidecar import contracts
from sidecar.errors import InvalidPayload
from sidecar.flows import registry
from sidecar.flows.procurement_exception import CONTRACT, EVENT_TYPE, FLOW
from sidecar.odoo import OdooGateway
from sidecar.odoo.procurement_setup import ACTION_NAME, ACTIVITY_TYPE_NAME, RULE_NAME, request_procurement_check
from sidecar.policy import load_policy
from tests.support.odoo_seed import OdooRPCError
from tests.support.procurement_seed import ProcurementSeed
from tests.support.provisioning import provision_flow
from tests.test_purchase_intake import _Receiver

# Recorded from a real Odoo 17: the rule `sidecar odoo provision` makes, admin running
# "Request procurement check" on the draft RFQ P00016.
RECORDED = json.loads((Path(__file__).parent / "data" / "odoo17-procurement-check-webhook.json").read_text())


def test_the_recorded_webhook_matches_the_contract_and_names_the_rfq():
    contracts.validate(CONTRACT, RECORDED)
    assert FLOW.request(RECORDED) == {"id": RECORDED["_id"], "write_date": RECORDED["write_date"]}
    envelope = {"id": "odoo:purchase.order:16:x", "type": EVENT_TYPE, "source": "odoo", "data": RECORDED}
    assert registry.validate_event(envelope) is FLOW


@pytest.mark.parametrize("body, pointer", [
    ({**RECORDED, "_model": "sale.order"}, "/_model"),
    ({**RECORDED, "_id": 0}, "/_id"),
    ({**RECORDED, "write_date": "yesterday"}, "/write_date"),
])
def test_bad_webhooks_break_the_contract(body, pointer):
    with pytest.raises(InvalidPayload) as caught:
        contracts.validate(CONTRACT, body)
    assert pointer in [d["pointer"] for d in caught.value.details]


def test_the_intake_domain_tests_the_marker_the_setup_installs():
    domain = load_policy(registry.POLICIES_DIR / "procurement-exception.json", require_approvers=False).data["intake"]
    assert ["activity_ids.activity_type_id.name", "=", ACTIVITY_TYPE_NAME] in domain["domain"]


def test_odoo_posts_an_rfq_sent_to_the_procurement_check(real_odoo, odoo_seed):
    """Installed twice (idempotent), the action submits an RFQ once per request; other saves post nothing."""
    admin = OdooGateway(real_odoo.url, real_odoo.db, real_odoo.admin_login, real_odoo.admin_password)
    receiver, procurement = _Receiver("procurement-exception"), ProcurementSeed(odoo_seed)
    ids = provision_flow(admin, "procurement-exception", receiver.url)
    first = {"action_id": ids["procurement-exception/action"], "rule_id": ids["procurement-exception/rule"]}
    try:
        vendor, product = procurement.vendor(), procurement.product()
        order_id = procurement.rfq(vendor, [(product, 2, 10.0)])
        request_procurement_check(admin, order_id)
        [body] = [b for b in receiver.wait(1) if b.get("_id") == order_id]
        contracts.validate(CONTRACT, body)
        assert (body["_model"], body["state"]) == ("purchase.order", "draft")
        assert body["write_uid"] == procurement.seed.user_id(real_odoo.admin_login)
        assert len(body["write_date"]) > 19  # microseconds: read inside the writing transaction
        assert len(procurement.markers(order_id)) == 1
        domain = load_policy(registry.POLICIES_DIR / "procurement-exception.json",
                             require_approvers=False).data["intake"]["domain"]
        assert procurement.seed.call("purchase.order", "search_count", [["id", "=", order_id], *domain]) == 1
        procurement.seed.call("purchase.order", "write", [order_id], {"notes": "<p>a later save</p>"})
        # A buyer (Purchase / User) asks again: admin's marker is replaced, the RFQ posted again, naming the buyer.
        buyer_id, login, password = procurement.seed.user(["purchase.group_purchase_user"])
        buyer = OdooGateway(real_odoo.url, real_odoo.db, login, password)
        try:
            # as the Action menu does (/web/action/run): a buyer may run the action, not search for it
            buyer.execute("ir.actions.server", "run", [first["action_id"]], context={
                "active_model": "purchase.order", "active_id": order_id, "active_ids": [order_id]})
        finally:
            buyer.close()
        bodies = [b for b in receiver.wait(2) if b.get("_id") == order_id]
        assert len(bodies) == 2 and bodies[1]["write_uid"] == buyer_id
        assert len(procurement.markers(order_id)) == 1
        procurement.confirm(order_id)
        with pytest.raises(OdooRPCError, match="Only requests for quotation"):
            procurement.seed.call("ir.actions.server", "run", [first["action_id"]], context={
                "active_model": "purchase.order", "active_id": order_id, "active_ids": [order_id]})
        action = admin.read("ir.actions.server", [first["action_id"]], ["name", "binding_model_id"])[0]
        assert action["name"] == ACTION_NAME and action["binding_model_id"]
        rule = admin.read("base.automation", [first["rule_id"]], ["name", "trigger"])[0]
        assert (rule["name"], rule["trigger"]) == (RULE_NAME, "on_create_or_write")
    finally:
        admin.execute("base.automation", "write", [first["rule_id"]], {"active": False})
        receiver.server.shutdown()
        procurement.close()
        admin.close()
