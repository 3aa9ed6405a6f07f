"""Purchase approval: facts read from Odoo and the write-backs each outcome queues, on the double and
on a real Odoo 17 (SIDECAR_LIVE=1). Expected values come from Odoo (read back as the administrator)."""
from __future__ import annotations

import json
import uuid

import pytest

from sidecar import contracts
from sidecar.flows import purchase_approval as flow
from sidecar.odoo import OdooGateway, writeback
from sidecar.odoo.errors import STATE_CONFLICT, VALIDATION, OdooError
from sidecar.odoo.purchase import read_purchase_bundle
from sidecar.policy import DEMO_POLICY_PATH
from sidecar.transform.purchase_order import build_purchase_facts
from tests.support.purchase_seed import PurchaseSeed

POLICIES = DEMO_POLICY_PATH.parent


@pytest.fixture
def purchase(odoo_seed):
    seed = PurchaseSeed(odoo_seed)
    yield seed
    seed.close()


@pytest.fixture
def waiting(purchase):
    """A purchase order in `to approve`: a new vendor, two lines of one category, 1,500.00 untaxed."""
    vendor = purchase.vendor(classes=["New"])
    categ_id, categ_name = purchase.category("Test Purchase Category")
    product = purchase.product(cost=100.0, categ_id=categ_id)
    order_id = purchase.to_approve(vendor, [(product, 10, 100.0), (product, 5, 100.0)])
    return {"order_id": order_id, "vendor": vendor, "category": categ_name}


def _facts(gateway, order_id):
    return build_purchase_facts(read_purchase_bundle(gateway, order_id))


class _Services:
    def __init__(self, gateway):
        self.odoo = gateway


# -- facts ---------------------------------------------------------------------------------------

def test_facts_are_what_odoo_shows(gateway, purchase, waiting):
    facts = flow.read_purchase_facts(_Services(gateway), waiting["order_id"])
    contracts.validate(flow.FACTS_CONTRACT, facts)
    odoo = purchase.order(waiting["order_id"], ["name", "amount_untaxed", "amount_total", "write_date", "company_id",
                                                "picking_type_id", "user_id", "write_uid"])
    warehouse = purchase.seed.read("stock.picking.type", [odoo["picking_type_id"][0]], ["warehouse_id"])[0]
    order = facts["order"]
    assert (order["name"], order["state"]) == (odoo["name"], "to approve")
    assert (order["amount_untaxed"], order["amount_total"]) == (odoo["amount_untaxed"], odoo["amount_total"])
    assert order["amount_untaxed_company"] == odoo["amount_untaxed"]  # the company's own currency
    assert order["write_date"] == odoo["write_date"]
    assert facts["site"] == {"company_id": odoo["company_id"][0], "warehouse_id": warehouse["warehouse_id"][0]}
    # the buyer confirmed it: Odoo's committed write_uid, and the buyer of the order
    assert odoo["write_uid"][0] == odoo["user_id"][0]
    assert facts["requested_by"]["login"] == purchase.buyer_login == order["buyer_login"]
    assert facts["vendor"]["classes"] == ["New"] and facts["vendor"]["approved"] is False
    assert facts["categories"] == [waiting["category"]]
    assert [line["category"] for line in facts["lines"]] == [waiting["category"]] * 2


def test_vendor_classes_come_from_the_commercial_entity_tags(gateway, purchase):
    vendor = purchase.vendor(classes=["Approved", "Preferred"])
    purchase.seed.call("res.partner", "write", [vendor], {"category_id": [(4, purchase.tag("Unrelated tag"))]})
    contact = purchase.seed.call("res.partner", "create", {"name": "Buyer contact", "parent_id": vendor})
    order_id = purchase.rfq(contact, [(purchase.product(), 1, 10.0)])
    facts = _facts(gateway, order_id)
    assert facts["vendor"]["id"] == vendor
    assert facts["vendor"]["classes"] == ["Approved", "Preferred"] and facts["vendor"]["approved"] is True


def test_unclassified_vendor_is_not_approved(gateway, purchase):
    order_id = purchase.rfq(purchase.vendor(), [(purchase.product(), 1, 10.0)])
    assert _facts(gateway, order_id)["vendor"] == {**_facts(gateway, order_id)["vendor"], "classes": [],
                                                   "approved": False}


def test_facts_take_one_call_whatever_the_lines(gateway, purchase, odoo_double):
    product = purchase.product()
    order_id = purchase.rfq(purchase.vendor(classes=["New"]), [(product, qty, 10.0) for qty in range(1, 8)])
    gateway.read("res.users", [1], ["login"])  # logged in before counting
    before = len(odoo_double.calls)
    _facts(gateway, order_id)
    calls = [(call[0], call[1]) for call in odoo_double.calls[before:]]
    # one web_read of the order with everything related, after the user's companies (asked once per login)
    assert [call for call in calls if call[0] != "res.users"] == [("purchase.order", "web_read")]
    assert len(calls) <= 2


# -- write-backs ----------------------------------------------------------------------------------

def waiting_ref() -> str:
    """A reference no other test run used (a real database keeps every run's notes)."""
    return uuid.uuid4().hex[:10]


def _decision(outcome, **extra):
    return {"outcome": outcome, "summary": "Untaxed amount 1,500.00 is at or above 1,000.00",
            "reasons": [{"rule": "amount_tier1", "passed": outcome == "approve_now",
                         "message": "Untaxed amount 1,500.00 is at or above 1,000.00."}],
            "policy": {"name": "purchase-approval", "version": "2026.11.1"}, **extra}


def test_passing_decision_notes_the_reasons_and_approves_in_odoo(gateway, purchase, waiting):
    facts = _facts(gateway, waiting["order_id"])
    operations = flow.purchase_writebacks(facts, _decision("approve_now"), [])
    assert [op for op, _ in operations] == ["post_message", "approve_purchase"]
    ref = waiting_ref()
    results = [writeback.run(gateway, op, {"ref": ref, **payload}) for op, payload in operations]
    assert [r["effect"] for r in results] == ["applied", "applied"]
    assert purchase.state(waiting["order_id"]) == "purchase"
    notes = [m for m in purchase.messages(waiting["order_id"]) if f"Ref: {ref}" in (m["body"] or "")]
    assert len(notes) == 1 and "amount_tier1" in notes[0]["body"]
    again = [writeback.run(gateway, op, {"ref": ref, **payload}) for op, payload in operations]
    assert [r["effect"] for r in again] == ["already_done", "already_done"]


def test_rejection_cancels_and_an_approved_order_is_never_cancelled(gateway, purchase, waiting):
    facts = _facts(gateway, waiting["order_id"])
    (_, note), (op, payload) = flow.purchase_writebacks(facts, _decision("reject"), [])
    assert op == "cancel_purchase"
    assert writeback.run(gateway, op, {"ref": "r1", **payload})["effect"] == "applied"
    assert purchase.state(waiting["order_id"]) == "cancel"
    assert writeback.run(gateway, op, {"ref": "r1", **payload})["effect"] == "already_done"
    # Odoo's button_approve would approve a cancelled order: the write-back refuses
    with pytest.raises(OdooError) as refused:
        writeback.run(gateway, "approve_purchase", {"ref": "r2", **flow.on_approved(facts)[0][1]})
    assert refused.value.category == STATE_CONFLICT and purchase.state(waiting["order_id"]) == "cancel"


def test_cancel_refuses_an_approved_order(gateway, purchase, waiting):
    facts = _facts(gateway, waiting["order_id"])
    writeback.run(gateway, "approve_purchase", {"ref": "a", **flow.on_approved(facts)[0][1]})
    with pytest.raises(OdooError) as refused:
        writeback.run(gateway, "cancel_purchase", {"ref": "c", **flow.on_rejected(facts)[0][1]})
    assert refused.value.category == STATE_CONFLICT and purchase.state(waiting["order_id"]) == "purchase"


def test_an_order_changed_since_the_decision_is_not_approved(gateway, purchase, waiting):
    facts = _facts(gateway, waiting["order_id"])
    line = purchase.order(waiting["order_id"], ["order_line"])["order_line"][0]
    purchase.seed.call("purchase.order.line", "write", [line], {"price_unit": 120.0})
    with pytest.raises(writeback.Superseded):
        writeback.run(gateway, "approve_purchase", {"ref": "s", **flow.on_approved(facts)[0][1]})
    assert purchase.state(waiting["order_id"]) == "to approve"


def test_approval_without_purchase_manager_rights_is_a_clear_error(odoo_target, purchase, waiting):
    """Odoo's button_approve answers {} and leaves the order waiting when its caller may not approve it."""
    facts = build_purchase_facts(read_purchase_bundle(_admin(odoo_target), waiting["order_id"]))
    buyer = purchase.buyer()
    gw = OdooGateway(odoo_target.url, odoo_target.db, buyer.login, buyer.password)
    try:
        with pytest.raises(OdooError) as refused:
            writeback.run(gw, "approve_purchase", {"ref": "n", **flow.on_approved(facts)[0][1]})
    finally:
        gw.close()
    assert refused.value.category == VALIDATION and "Purchase / Administrator" in refused.value.message
    assert purchase.state(waiting["order_id"]) == "to approve"


def _admin(odoo_target):
    return OdooGateway(odoo_target.url, odoo_target.db, odoo_target.admin_login, odoo_target.admin_password)


def test_approval_needed_schedules_the_approver_activity_on_the_purchase_order(gateway, purchase, waiting):
    facts = _facts(gateway, waiting["order_id"])
    decision = _decision("approve", route={"role": "purchase-manager", "assignee": "admin"},
                         sla={"due_at": "2031-01-15T12:00:00Z"})
    operations = flow.purchase_writebacks(facts, decision, [])
    assert [op for op, _ in operations] == ["post_message", "schedule_activity"]
    ref = waiting_ref()
    for op, payload in operations:
        writeback.run(gateway, op, {"ref": f"{ref}/{op}", **payload})
    activities = purchase.activities(waiting["order_id"])
    assert len(activities) == 1 and activities[0]["summary"] == f"Approve purchase of {facts['order']['name']}"
    assert activities[0]["user_id"][0] == purchase.seed.user_id("admin")
    assert purchase.state(waiting["order_id"]) == "to approve"


# -- policy files ------------------------------------------------------------------------------------

def _facts_paths(schema: dict, prefix: str = "") -> set[str]:
    paths = set()
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        paths.add(path)
        paths |= _facts_paths(sub, f"{path}.")
    return paths


def _conditions(condition):
    if "all" in condition or "any" in condition:
        for part in condition.get("all") or condition.get("any"):
            yield from _conditions(part)
    elif "not" in condition:
        yield from _conditions(condition["not"])
    else:
        yield condition


@pytest.mark.parametrize("name", ["purchase-approval.json", "purchase-approval.demo.json"])
def test_policy_rules_name_facts_the_flow_exposes(name):
    policy = json.loads((POLICIES / name).read_text())
    facts = contracts.schema(flow.FACTS_CONTRACT)
    paths = _facts_paths(facts)
    line_paths = _facts_paths(facts["properties"]["lines"]["items"])
    assert policy["flow"] == flow.NAME and policy["intake"]["domain"] == [["state", "=", "to approve"]]
    roles = {route["role"] for route in policy["routing"]["routes"]}
    for rule in policy["rules"]:
        assert rule["effect"] in ("pass", "approve", "reject")
        assert rule["effect"] != "approve" or rule["route"] in roles
        for condition in _conditions(rule["when"]):
            if "some" in condition:
                assert condition["some"] in paths
                assert {c["fact"] for c in _conditions(condition["where"])} <= line_paths
            else:
                assert condition["fact"] in paths
            value = (condition.get("where") or condition).get("value")
            if isinstance(value, dict) and "param" in value:
                assert value["param"] in policy["parameters"]
    for site in policy["sites"].values():
        assert all(policy["parameters"][p]["overridable"] for p in site.get("parameters", {}))
