"""Procurement exception: facts read from Odoo, the policy's decisions and the write-backs each outcome queues,
on the double and on a real Odoo 17 (SIDECAR_LIVE=1). Expected values come from Odoo (read back as the
administrator): its agreement lines' qty_ordered, vendor prices, order states and activities."""
from __future__ import annotations

import copy
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from sidecar import contracts
from sidecar.flows import registry
from sidecar.flows import procurement_exception as flow
from sidecar.odoo import writeback
from sidecar.odoo.errors import STATE_CONFLICT, OdooError
from sidecar.policy import load_policy
from sidecar.policy.engine import evaluate
from sidecar.policy.loader import build_policy
from tests.support.procurement_seed import ProcurementSeed

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
DEMO_POLICY = registry.POLICIES_DIR / "procurement-exception.demo.json"


@pytest.fixture
def procurement(odoo_seed):
    seed = ProcurementSeed(odoo_seed)
    yield seed
    seed.close()


@pytest.fixture
def agreed(procurement):
    """An approved vendor's confirmed blanket order: 100 x A at 60.00 (25 already bought), B at 10.00 by its price list."""
    vendor = procurement.vendor(classes=["Approved"])
    first, second = procurement.product(), procurement.product()
    requisition = procurement.blanket_order(vendor, [(first, 100, 60.0)])
    bought = procurement.rfq(vendor, [(first, 25, 60.0)], requisition_id=requisition)
    procurement.confirm(bought)
    procurement.vendor_price(vendor, second, 10.0, min_qty=5)
    return {"vendor": vendor, "products": (first, second), "requisition": requisition}


class _Services:
    def __init__(self, gateway):
        self.odoo = gateway


def _facts(gateway, order_id):
    return flow.read_procurement_facts(_Services(gateway), order_id)


def _decide(facts, policy=None):
    return evaluate(facts, policy or load_policy(DEMO_POLICY), now=NOW)


def _rfq(procurement, agreed, qty_a=10, price_a=60.0, qty_b=5, price_b=10.0, vendor=None):
    first, second = agreed["products"]
    return procurement.rfq(vendor or agreed["vendor"], [(first, qty_a, price_a), (second, qty_b, price_b)],
                           requisition_id=agreed["requisition"])


def _failed(decision):
    return [r["rule"] for r in decision["reasons"] if not r["passed"]]


# -- facts ---------------------------------------------------------------------------------------

def test_facts_are_what_odoo_shows(gateway, procurement, agreed):
    order_id = _rfq(procurement, agreed, qty_a=80, price_a=61.5, qty_b=6)
    procurement.request_check(order_id)
    facts = _facts(gateway, order_id)
    contracts.validate(flow.FACTS_CONTRACT, facts)
    odoo = procurement.order(order_id, ["name", "state", "amount_total", "write_date", "company_id", "write_uid"])
    [requisition_line] = procurement.seed.search_read("purchase.requisition.line",
                                                      [("requisition_id", "=", agreed["requisition"])],
                                                      ["product_qty", "qty_ordered", "price_unit"])
    assert requisition_line["qty_ordered"] == 25.0  # the confirmed order, as Odoo counts it
    order = facts["order"]
    assert (order["name"], order["state"], order["amount_total"], order["write_date"]) == (
        odoo["name"], "draft", odoo["amount_total"], odoo["write_date"])
    assert facts["site"]["company_id"] == odoo["company_id"][0]
    assert facts["requested_by"]["user_id"] == odoo["write_uid"][0]
    requisition = procurement.seed.read("purchase.requisition", [agreed["requisition"]], ["name", "state"])[0]
    assert facts["agreement"]["name"] == requisition["name"] and facts["agreement"]["state"] == requisition["state"]
    assert facts["agreement"]["in_force"] and facts["agreement"]["vendor_matches"] is True
    line_a, line_b = facts["lines"]
    remaining = requisition_line["product_qty"] - requisition_line["qty_ordered"]
    assert (line_a["agreement_kind"], line_a["agreement"]) == ("agreement", requisition["name"])
    assert (line_a["agreed_price"], line_a["remaining"], line_a["qty_beyond"]) == (
        requisition_line["price_unit"], remaining, 80 - remaining)
    assert line_a["price_deviation"] == 1.5 and line_a["price_deviation_amount"] == 120.0
    assert line_a["price_deviation_percent"] == 2.5 and line_a["qty_beyond_percent"] == round(5 / 75 * 100, 4)
    assert (line_b["agreement_kind"], line_b["agreed_price"], line_b["price_deviation"]) == ("vendor_price", 10.0, 0.0)
    assert line_a["vendor_listed"] and line_b["vendor_listed"]
    assert facts["deviation"] == {"price_percent": 2.5, "price_amount": 120.0, "qty_percent": line_a["qty_beyond_percent"],
                                  "off_agreement_lines": 0, "unlisted_lines": 0}
    assert facts["vendor"]["approved"] and facts["vendor"]["classes"] == ["Approved"]


def test_a_line_below_the_vendors_minimum_has_no_agreed_price(gateway, procurement, agreed):
    line_b = _facts(gateway, _rfq(procurement, agreed, qty_b=4))["lines"][1]
    assert line_b["off_agreement"] and line_b["off_agreement_reason"] == "below the vendor's minimum quantity of 5"


def test_an_expired_vendor_price_is_no_agreement(gateway, procurement, agreed):
    vendor, product = agreed["vendor"], procurement.product()
    last_week = (date.today() - timedelta(days=7)).isoformat()
    procurement.vendor_price(vendor, product, 9.0, date_end=last_week)
    [line] = _facts(gateway, procurement.rfq(vendor, [(product, 3, 9.0)]))["lines"]
    assert line["off_agreement"] and line["off_agreement_reason"].startswith("no price of the vendor is valid on")
    assert line["vendor_listed"]


def test_another_vendor_is_neither_listed_nor_the_agreements(gateway, procurement, agreed):
    other = procurement.vendor(classes=["Approved"])
    facts = _facts(gateway, _rfq(procurement, agreed, vendor=other))
    assert facts["agreement"]["vendor_matches"] is False
    assert facts["deviation"]["unlisted_lines"] == 2
    assert [line["vendor_listed"] for line in facts["lines"]] == [False, False]


def test_facts_take_one_call(gateway, procurement, agreed, odoo_double):
    order_id = _rfq(procurement, agreed)
    gateway.read("res.users", [1], ["login"])  # logged in before counting
    before = len(odoo_double.calls)
    _facts(gateway, order_id)
    calls = [(call[0], call[1]) for call in odoo_double.calls[before:]]
    assert [call for call in calls if call[0] != "res.users"] == [("purchase.order", "web_read")]


# -- decisions -------------------------------------------------------------------------------------

def test_an_rfq_within_its_agreement_is_confirmed(gateway, procurement, agreed):
    decision = _decide(_facts(gateway, _rfq(procurement, agreed)))
    assert decision["outcome"] == flow.PASSING_OUTCOME, decision["summary"]


def test_a_deviation_within_tolerance_passes_for_an_approved_vendor_and_says_why(gateway, procurement, agreed):
    # 78 x 60.50: 0.83 % and 39.00 more, within 2 % and 50.00; 78 ordered where 75 remain: 4 %, within 5 %
    decision = _decide(_facts(gateway, _rfq(procurement, agreed, qty_a=78, price_a=60.5)))
    assert decision["outcome"] == flow.PASSING_OUTCOME, decision["summary"]
    tolerated = {r["rule"]: r for r in decision["reasons"] if r["code"].endswith("_within_tolerance")}
    assert set(tolerated) == {"price_deviation_percent", "price_deviation_amount", "quantity_beyond_agreement"}
    assert "because the vendor is approved" in tolerated["price_deviation_percent"]["message"]


def test_the_same_deviation_needs_a_procurement_manager_for_a_vendor_not_approved(gateway, procurement):
    vendor = procurement.vendor(classes=["New"])
    product = procurement.product()
    requisition = procurement.blanket_order(vendor, [(product, 100, 60.0)])
    decision = _decide(_facts(gateway, procurement.rfq(vendor, [(product, 10, 61.0)], requisition_id=requisition)))
    assert decision["outcome"] == "approve" and decision["route"]["role"] == "procurement-manager"
    assert _failed(decision) == ["price_deviation_percent", "price_deviation_amount"]


def test_a_deviation_beyond_tolerance_needs_a_procurement_manager(gateway, procurement, agreed):
    decision = _decide(_facts(gateway, _rfq(procurement, agreed, qty_a=90, price_a=63.0)))  # 5 % dearer, 20 % beyond
    assert decision["outcome"] == "approve"
    assert _failed(decision) == ["price_deviation_percent", "price_deviation_amount", "quantity_beyond_agreement"]


def test_another_vendor_or_a_line_without_agreement_needs_a_procurement_manager(gateway, procurement, agreed):
    other = procurement.vendor(classes=["Approved"])
    decision = _decide(_facts(gateway, _rfq(procurement, agreed, vendor=other)))
    assert decision["outcome"] == "approve"
    assert _failed(decision) == ["supplier_not_agreement", "vendor_not_listed", "off_agreement"]


def test_a_blocked_vendor_is_rejected(gateway, procurement):
    vendor, product = procurement.vendor(classes=["Blocked"]), procurement.product()
    procurement.vendor_price(vendor, product, 10.0)
    decision = _decide(_facts(gateway, procurement.rfq(vendor, [(product, 1, 10.0)])))
    assert decision["outcome"] == "reject" and _failed(decision) == ["blocked_vendor"]


def test_a_restricted_category_needs_a_procurement_manager(gateway, procurement, agreed):
    category, name = procurement.purchase.category("Restricted")
    product = procurement.product(categ_id=category)
    procurement.vendor_price(agreed["vendor"], product, 10.0)
    facts = _facts(gateway, procurement.rfq(agreed["vendor"], [(product, 1, 10.0)]))
    data = copy.deepcopy(load_policy(DEMO_POLICY).data)
    data["parameters"]["restricted_categories"]["value"] = [name]
    decision = _decide(facts, build_policy(data))
    assert decision["outcome"] == "approve" and _failed(decision) == ["restricted_category"]


def test_a_site_may_widen_its_tolerance(gateway, procurement, agreed):
    facts = _facts(gateway, _rfq(procurement, agreed, price_a=62.4))  # 4 %, 24.00 more
    policy = load_policy(DEMO_POLICY)
    assert evaluate(facts, policy, now=NOW)["outcome"] == "approve"
    widened = evaluate({**facts, "site": {"company_id": 2, "warehouse_id": None}}, policy, now=NOW)
    assert widened["outcome"] == flow.PASSING_OUTCOME
    reason = next(r for r in widened["reasons"] if r["rule"] == "price_deviation_percent")
    assert reason["parameters"]["price_tolerance_percent"] == {"value": 5, "layer": "company:2"}


@pytest.mark.parametrize("name", ["procurement-exception.json", "procurement-exception.demo.json"])
def test_the_policies_govern_this_flow(name):
    policy = load_policy(registry.POLICIES_DIR / name, require_approvers=False)
    assert policy.name == flow.NAME and policy.data["decision"]["pass_outcome"] == flow.PASSING_OUTCOME


# -- write-backs -------------------------------------------------------------------------------------

def _ref():
    return f"test:procurement:{uuid.uuid4().hex[:12]}"


def _run(gateway, operations, ref):
    return [writeback.run(gateway, op, {"ref": f"{ref}.{op}", **payload}) for op, payload in operations]


def test_a_passing_rfq_is_confirmed_once_and_its_marker_closed(gateway, procurement, agreed):
    order_id = _rfq(procurement, agreed)
    procurement.request_check(order_id)
    facts = _facts(gateway, order_id)
    operations = flow.procurement_writebacks(facts, _decide(facts), [])
    assert [op for op, _ in operations] == ["post_message", "confirm_rfq", "close_procurement_check"]
    ref = _ref()
    assert [r["effect"] for r in _run(gateway, operations, ref)] == ["applied", "applied", "applied"]
    assert procurement.order(order_id)["state"] == "purchase"  # one-step company: Odoo approves at once
    assert procurement.markers(order_id) == []
    [note] = [m["body"] for m in procurement.messages(order_id) if f"Ref: {ref}.post_message" in (m["body"] or "")]
    assert "within agreement, confirmed" in note
    assert [r["effect"] for r in _run(gateway, operations, ref)] == ["already_done"] * 3


def test_a_passing_rfq_of_a_two_step_company_waits_for_purchase_approval(gateway, procurement, agreed):
    order_id = _rfq(procurement, agreed)
    procurement.purchase.two_step(procurement.order(order_id, ["company_id"])["company_id"][0], amount=0.0)
    facts = _facts(gateway, order_id)
    [(op, payload)] = [item for item in flow.procurement_writebacks(facts, _decide(facts), [])
                       if item[0] == "confirm_rfq"]
    assert writeback.run(gateway, op, {"ref": _ref(), **payload})["state"] == "to approve"
    assert procurement.order(order_id)["state"] == "to approve"


@pytest.mark.parametrize("threshold_above_total", [False, True])
def test_a_passing_rfq_ends_where_odoos_own_confirm_by_a_buyer_puts_its_twin(gateway, procurement, agreed,
                                                                              threshold_above_total):
    """Two-step approval from an amount: below it Odoo approves a buyer's order, from it the order waits."""
    order_id, twin = _rfq(procurement, agreed), _rfq(procurement, agreed)
    total = procurement.order(order_id, ["amount_total"])["amount_total"]
    company = procurement.order(order_id, ["company_id"])["company_id"][0]
    procurement.purchase.two_step(company, amount=total + 1 if threshold_above_total else total)
    procurement.purchase.buyer().call("purchase.order", "button_confirm", [twin])
    odoos = procurement.order(twin)["state"]
    assert odoos == ("purchase" if threshold_above_total else "to approve")
    facts = _facts(gateway, order_id)
    [(op, payload)] = [item for item in flow.procurement_writebacks(facts, _decide(facts), [])
                       if item[0] == "confirm_rfq"]
    writeback.run(gateway, op, {"ref": _ref(), **payload})
    assert procurement.order(order_id)["state"] == odoos


def test_a_held_rfq_gets_the_deviating_lines_and_the_managers_activity(gateway, procurement, agreed):
    order_id = _rfq(procurement, agreed, qty_a=90, price_a=63.0, qty_b=4)
    procurement.request_check(order_id)
    facts = _facts(gateway, order_id)
    decision = _decide(facts)
    decision = {**decision, "route": {**decision["route"], "assignee": "admin"},
                "sla": decision.get("sla") or {"due_at": "2026-12-07T12:00:00Z"}}
    operations = flow.procurement_writebacks(facts, decision, [])
    assert [op for op, _ in operations] == ["post_message", "schedule_activity"]
    ref = _ref()
    _run(gateway, operations, ref)
    assert procurement.order(order_id)["state"] == "draft" and len(procurement.markers(order_id)) == 1
    [note] = [m["body"] for m in procurement.messages(order_id) if f"Ref: {ref}.post_message" in (m["body"] or "")]
    assert "approval needed" in note and "Lines deviating from their agreement" in note
    assert "unit price 63.00 for 60.00 agreed" in note and "still allows 75" in note
    assert "below the vendor&#39;s minimum quantity of 5" in note or "below the vendor's minimum quantity of 5" in note


def test_approved_confirms_and_rejected_cancels(gateway, procurement, agreed):
    facts = _facts(gateway, _rfq(procurement, agreed, price_a=70.0))
    assert [op for op, _ in flow.on_approved(facts)] == ["confirm_rfq", "close_procurement_check"]
    assert [op for op, _ in flow.on_rejected(facts)] == ["cancel_rfq", "close_procurement_check"]


def test_a_rejected_rfq_is_cancelled_once(gateway, procurement):
    vendor, product = procurement.vendor(classes=["Blocked"]), procurement.product()
    order_id = procurement.rfq(vendor, [(product, 1, 10.0)])
    procurement.request_check(order_id)
    facts = _facts(gateway, order_id)
    operations = flow.procurement_writebacks(facts, _decide(facts), [])
    assert [op for op, _ in operations] == ["post_message", "cancel_rfq", "close_procurement_check"]
    ref = _ref()
    assert [r["effect"] for r in _run(gateway, operations, ref)] == ["applied"] * 3
    assert procurement.order(order_id)["state"] == "cancel" and procurement.markers(order_id) == []
    assert [r["effect"] for r in _run(gateway, operations, ref)] == ["already_done"] * 3


def test_acting_refuses_a_changed_rfq_and_a_confirmed_one(gateway, procurement, agreed):
    order_id = _rfq(procurement, agreed)
    facts = _facts(gateway, order_id)
    [(_op, confirm)] = [item for item in flow.on_approved(facts) if item[0] == "confirm_rfq"]
    [(_op, cancel)] = [item for item in flow.on_rejected(facts) if item[0] == "cancel_rfq"]
    line = procurement.order(order_id, ["order_line"])["order_line"][0]
    procurement.seed.call("purchase.order.line", "write", [line], {"price_unit": 99.0})
    for operation, payload in (("confirm_rfq", confirm), ("cancel_rfq", cancel)):
        with pytest.raises(writeback.Superseded):
            writeback.run(gateway, operation, {"ref": _ref(), **payload})
    assert procurement.order(order_id)["state"] == "draft"
    procurement.confirm(order_id)
    with pytest.raises(OdooError) as caught:
        writeback.run(gateway, "cancel_rfq", {"ref": _ref(), **cancel})
    assert caught.value.category == STATE_CONFLICT and procurement.order(order_id)["state"] == "purchase"


@pytest.mark.parametrize("operation", ["confirm_rfq", "cancel_rfq", "close_procurement_check"])
def test_a_payload_without_its_rfq_is_a_permanent_validation_error(gateway, operation):
    with pytest.raises(OdooError) as caught:
        writeback.run(gateway, operation, {"ref": _ref(), "order_id": "P00001"})
    assert (caught.value.category, caught.value.retryable) == ("validation_error", False)


def test_closing_the_check_leaves_the_rfqs_other_activities(gateway, procurement, agreed):
    order_id = _rfq(procurement, agreed)
    procurement.request_check(order_id)
    model_id = procurement.seed.call("ir.model", "search", [("model", "=", "purchase.order")], limit=1)[0]
    other = procurement.seed.call("mail.activity", "create", {
        "res_model_id": model_id, "res_id": order_id, "summary": "Call the vendor", "user_id": procurement.seed.uid})
    [(op, payload)] = [item for item in flow.on_rejected(_facts(gateway, order_id)) if item[0] == "close_procurement_check"]
    assert writeback.run(gateway, op, {"ref": _ref(), **payload})["effect"] == "applied"
    assert procurement.markers(order_id) == []
    left = procurement.seed.search_read("mail.activity", [("res_model", "=", "purchase.order"), ("res_id", "=", order_id)],
                                        ["id"])
    assert [row["id"] for row in left] == [other]
    done = [m["body"] for m in procurement.messages(order_id) if "deviation rejected, cancelled" in (m["body"] or "")]
    assert len(done) == 1  # Odoo logs the closed check with the outcome as its feedback
