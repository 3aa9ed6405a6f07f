"""Vendor-bill match: facts read from Odoo, the policy's decisions and the write-backs each outcome queues,
on the double and on a real Odoo 17 (SIDECAR_LIVE=1). Expected values come from Odoo (read back as the
administrator): its qty_received, qty_invoiced, prices and states."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import pytest

from sidecar import contracts
from sidecar.flows import registry
from sidecar.flows import vendor_bill_match as flow
from sidecar.odoo import writeback
from sidecar.odoo.errors import STATE_CONFLICT, OdooError
from sidecar.policy import load_policy
from sidecar.policy.engine import evaluate
from tests.support.bill_seed import BillSeed

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
DEMO_POLICY = registry.POLICIES_DIR / "vendor-bill-match.demo.json"


@pytest.fixture
def bills(odoo_seed):
    return BillSeed(odoo_seed)


@pytest.fixture
def ordered(bills):
    """A confirmed order of two services: 10 x 100.00 (8 received) and 4 x 50.00 (4 received)."""
    vendor = bills.vendor()
    first, second = bills.service(100.0), bills.service(50.0)
    order_id, (line_a, line_b) = bills.order(vendor, [(first, 10, 100.0), (second, 4, 50.0)])
    bills.receive({line_a: 8, line_b: 4})
    return {"vendor": vendor, "order_id": order_id, "lines": (line_a, line_b), "products": (first, second)}


class _Services:
    def __init__(self, gateway):
        self.odoo = gateway


def _facts(gateway, bill_id):
    return flow.read_bill_facts(_Services(gateway), bill_id)


def _decide(facts):
    return evaluate(facts, load_policy(DEMO_POLICY), now=NOW)


def _bill(bills, ordered, qty_a=8, price_a=100.0, qty_b=4, price_b=50.0, extra=()):
    (line_a, line_b), (first, second) = ordered["lines"], ordered["products"]
    return bills.bill(ordered["vendor"], [(line_a, first, qty_a, price_a), (line_b, second, qty_b, price_b), *extra])


# -- facts ---------------------------------------------------------------------------------------

def test_facts_are_what_odoo_shows(gateway, bills, ordered):
    bill_id = _bill(bills, ordered, qty_a=6, price_a=103.0)
    facts = _facts(gateway, bill_id)
    contracts.validate(flow.FACTS_CONTRACT, facts)
    odoo = bills.move(bill_id, ["name", "state", "amount_untaxed", "amount_total", "write_date", "company_id"])
    po_lines = {row["id"]: row for row in bills.po_lines(ordered["lines"], ["product_qty", "qty_received",
                                                                            "qty_invoiced", "price_unit"])}
    bill = facts["bill"]
    assert (bill["state"], bill["move_type"]) == ("draft", "in_invoice")
    assert (bill["amount_untaxed"], bill["amount_total"], bill["write_date"]) == (
        odoo["amount_untaxed"], odoo["amount_total"], odoo["write_date"])
    assert facts["site"]["company_id"] == odoo["company_id"][0]
    line_a, line_b = facts["lines"]
    odoo_a = po_lines[ordered["lines"][0]]
    # Odoo counts this draft bill's own lines in qty_invoiced: billed before is the rest
    assert odoo_a["qty_invoiced"] == 6.0
    assert (line_a["ordered"], line_a["received"], line_a["billed_before"]) == (
        odoo_a["product_qty"], odoo_a["qty_received"], odoo_a["qty_invoiced"] - 6.0)
    assert (line_a["billable"], line_a["qty_deviation"]) == (8.0, -2.0)
    assert (line_a["po_price_unit"], line_a["price_deviation"]) == (odoo_a["price_unit"], 3.0)
    assert (line_a["price_deviation_amount"], line_a["price_deviation_percent"]) == (18.0, 3.0)
    assert line_b["matched"] and line_b["qty_deviation"] == 0.0 and line_b["price_deviation"] == 0.0


def test_a_second_bill_counts_what_the_first_billed(gateway, bills, ordered):
    _bill(bills, ordered, qty_a=5, qty_b=4)
    second = _bill(bills, ordered, qty_a=5, qty_b=0)
    line_a = _facts(gateway, second)["lines"][0]
    assert (line_a["billed_before"], line_a["billable"], line_a["qty_deviation"]) == (5.0, 3.0, 2.0)
    assert line_a["qty_deviation_amount"] == 200.0 and round(line_a["qty_deviation_percent"], 2) == 66.67


def test_facts_take_one_call(gateway, bills, ordered, odoo_double):
    bill_id = _bill(bills, ordered, extra=[(None, ordered["products"][0], 1, 10.0)] * 5)
    gateway.read("res.users", [1], ["login"])  # logged in before counting
    before = len(odoo_double.calls)
    _facts(gateway, bill_id)
    calls = [(call[0], call[1]) for call in odoo_double.calls[before:]]
    assert [call for call in calls if call[0] != "res.users"] == [("account.move", "web_read")]


# -- decisions -------------------------------------------------------------------------------------

def test_a_matching_bill_passes(gateway, bills, ordered):
    decision = _decide(_facts(gateway, _bill(bills, ordered)))
    assert decision["outcome"] == flow.PASSING_OUTCOME, decision["summary"]


def test_a_price_deviation_within_tolerance_passes(gateway, bills, ordered):
    # 8 x 100.50: 4.00 more in all and 0.5 %: inside 5.00 and 2 %
    within = _decide(_facts(gateway, _bill(bills, ordered, price_a=100.5)))
    assert within["outcome"] == flow.PASSING_OUTCOME, within["summary"]


def test_a_price_deviation_beyond_one_tolerance_is_held(gateway, bills, ordered):
    # 8 x 101.00: 8.00 more (beyond 5.00) though only 1 %: held
    beyond = _decide(_facts(gateway, _bill(bills, ordered, price_a=101.0)))
    assert beyond["outcome"] == "approve" and beyond["route"]["role"] == "finance"
    failed = [r["rule"] for r in beyond["reasons"] if not r["passed"]]
    assert failed == ["price_over_tolerance"]


def test_billing_more_than_received_is_held(gateway, bills, ordered):
    decision = _decide(_facts(gateway, _bill(bills, ordered, qty_a=9)))  # 9 billed, 8 received
    assert decision["outcome"] == "approve"
    assert [r["rule"] for r in decision["reasons"] if not r["passed"]] == ["quantity_over_tolerance"]


def test_a_line_without_purchase_order_line_is_held(gateway, bills, ordered):
    extra = [(None, ordered["products"][0], 1, 10.0)]
    facts = _facts(gateway, _bill(bills, ordered, extra=extra))
    assert facts["bill"]["unmatched_count"] == 1
    decision = _decide(facts)
    assert decision["outcome"] == "approve"
    assert [r["rule"] for r in decision["reasons"] if not r["passed"]] == ["unmatched_lines"]


def test_a_site_may_widen_its_price_tolerance(gateway, bills, ordered):
    facts = _facts(gateway, _bill(bills, ordered, price_a=103.0))  # 3 %, 24.00 more
    policy = load_policy(DEMO_POLICY)
    assert evaluate(facts, policy, now=NOW)["outcome"] == "approve"
    other = {**facts, "site": {"company_id": 2, "warehouse_id": None}}
    widened = evaluate(other, policy, now=NOW)
    reason = next(r for r in widened["reasons"] if r["rule"] == "price_over_tolerance")
    assert reason["parameters"]["price_tolerance_percent"] == {"value": 5, "layer": "company:2"}


@pytest.mark.parametrize("name", ["vendor-bill-match.json", "vendor-bill-match.demo.json"])
def test_policy_rules_name_facts_the_flow_exposes(name):
    policy = load_policy(registry.POLICIES_DIR / name, require_approvers=False)
    assert policy.name == flow.NAME


# -- write-backs -------------------------------------------------------------------------------------

def _ref():
    return f"test:bill:{uuid.uuid4().hex[:12]}"


def test_a_matching_bill_is_posted_once_with_the_reasons_in_its_chatter(gateway, bills, ordered):
    bill_id = _bill(bills, ordered)
    bills.request_match(bill_id)
    facts = _facts(gateway, bill_id)
    operations = flow.bill_writebacks(facts, _decide(facts), [])
    assert [op for op, _ in operations] == ["post_message", "clear_match_request", "post_bill"]
    ref = _ref()
    results = [writeback.run(gateway, op, {"ref": ref, **payload}) for op, payload in operations]
    assert [r["effect"] for r in results] == ["applied", "applied", "applied"]
    assert bills.state(bill_id) == "posted" and bills.match_requests(bill_id) == []
    notes = [m for m in bills.messages(bill_id) if f"Ref: {ref}" in (m["body"] or "")]
    assert len(notes) == 1 and "unmatched_lines" in notes[0]["body"]
    again = [writeback.run(gateway, op, {"ref": ref, **payload}) for op, payload in operations]
    assert [r["effect"] for r in again] == ["already_done", "already_done", "already_done"]


def test_the_decision_removes_only_the_match_request_it_answered(gateway, bills, ordered):
    """A bill asked again after the decided write keeps its new marker (Odoo dates both in one transaction)."""
    bill_id = _bill(bills, ordered)
    bills.request_match(bill_id)
    decided = bills.move(bill_id, ["write_date"])["write_date"]
    time.sleep(1.1)  # the next request falls in a later second than the decided write
    bills.request_match(bill_id)  # removes nothing itself here: the action would; the seed adds a second one
    assert len(bills.match_requests(bill_id)) == 2
    done = writeback.run(gateway, "clear_match_request", {"ref": _ref(), "order_id": bill_id, "model": "account.move",
                                                          "decided_write_date": decided})
    assert done["effect"] == "applied" and len(done["activity_ids"]) == 1
    [kept] = bills.match_requests(bill_id)
    assert kept["id"] not in done["activity_ids"]


def test_a_held_bill_stays_draft_with_its_failing_lines_and_an_activity(gateway, bills, ordered):
    bill_id = _bill(bills, ordered, qty_a=9, price_a=110.0)
    facts = _facts(gateway, bill_id)
    decision = _decide(facts)
    route = decision["route"]
    decision = {**decision, "route": {**route, "assignee": "admin"},
                "sla": decision.get("sla") or {"due_at": "2026-11-26T12:00:00Z"}}
    operations = flow.bill_writebacks(facts, decision, [])
    assert [op for op, _ in operations] == ["post_message", "clear_match_request", "schedule_activity"]
    ref = _ref()
    for op, payload in operations:  # each job has its own ref, as the pipeline queues them
        writeback.run(gateway, op, {"ref": f"{ref}.{op}", **payload})
    assert bills.state(bill_id) == "draft"
    [note] = [m["body"] for m in bills.messages(bill_id) if f"Ref: {ref}.post_message" in (m["body"] or "")]
    assert "held for finance" in note and "price_over_tolerance" in note and "quantity_over_tolerance" in note
    assert "billed 9, received and not yet billed 8" in note and "unit price 110.00 for 100.00 ordered" in note
    [activity] = bills.activities(bill_id)
    assert activity["user_id"][0] == bills.seed.user_id("admin")


def test_finance_approving_posts_and_rejecting_leaves_the_bill_draft(gateway, bills, ordered):
    facts = _facts(gateway, _bill(bills, ordered, qty_a=9))
    assert [op for op, _ in flow.on_approved(facts)] == ["post_bill"]
    assert flow.on_rejected(facts) == []


def test_posting_refuses_a_cancelled_bill_and_a_changed_one(gateway, bills, ordered):
    bill_id = _bill(bills, ordered)
    facts = _facts(gateway, bill_id)
    [(_op, payload)] = flow.on_approved(facts)
    bills.seed.call("account.move.line", "write", [bills.move(bill_id, ["invoice_line_ids"])["invoice_line_ids"][0]],
                    {"price_unit": 120.0})
    with pytest.raises(writeback.Superseded):
        writeback.run(gateway, "post_bill", {"ref": _ref(), **payload})
    assert bills.state(bill_id) == "draft"
    bills.seed.call("account.move", "button_cancel", [bill_id])
    with pytest.raises(OdooError) as caught:
        writeback.run(gateway, "post_bill", {"ref": _ref(), **payload})
    assert caught.value.category == STATE_CONFLICT and bills.state(bill_id) == "cancel"


def test_odoo_refuses_to_post_a_bill_without_its_date(bills, ordered):
    (line_a, _b), (first, _s) = ordered["lines"], ordered["products"]
    bill_id = bills.bill(ordered["vendor"], [(line_a, first, 1, 100.0)], date=None)
    with pytest.raises(Exception, match="Bill/Refund date is required"):
        bills.seed.call("account.move", "action_post", [bill_id])
