"""Return requests: facts read from Odoo, the policy's decisions and the write-backs each outcome queues, on the
double and on a real Odoo 17 (SIDECAR_LIVE=1). Expected values come from Odoo (read back as the administrator):
what its moves delivered, what its return wizard made, its sale line prices, invoices and credit notes."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import pytest

from sidecar import contracts
from sidecar.errors import PolicyInvalid
from sidecar.flows import registry
from sidecar.flows import return_request as flow
from sidecar.odoo import writeback
from sidecar.odoo.errors import STATE_CONFLICT, OdooError
from sidecar.policy import load_policy
from sidecar.policy.engine import evaluate
from tests.support.return_seed import ReturnSeed

DEMO_POLICY = registry.POLICIES_DIR / "return-request.demo.json"


@pytest.fixture
def shop(odoo_seed):
    return ReturnSeed(odoo_seed)


@pytest.fixture
def gold(shop):
    return shop.customer("Gold")


@pytest.fixture
def delivered(shop, gold):
    """A Gold customer's order of 3 x 20.00 and 2 x 15.00, delivered."""
    return {"customer": gold, **shop.delivered(gold, [(3, 20.0), (2, 15.0)])}


class _Services:
    def __init__(self, gateway):
        self.odoo = gateway


def _facts(gateway, data):
    request = flow.return_request(data)
    return flow.read_return_facts(_Services(gateway), request["id"], request)


def _decide(facts):
    return evaluate(facts, load_policy(DEMO_POLICY), now=datetime.now(timezone.utc))


def _ref():
    return f"test:return:{uuid.uuid4().hex[:12]}"


def _run(gateway, operations, ref):
    """Each job with its own ref, as the pipeline queues them."""
    return [writeback.run(gateway, op, {"ref": f"{ref}.{op}", **payload}) for op, payload in operations]


# -- facts ---------------------------------------------------------------------------------------

def test_facts_are_what_odoo_shows(gateway, shop, delivered):
    first, second = delivered["products"]
    facts = _facts(gateway, shop.request(delivered["picking"], [(first, 2), (second, 1)], message="Box was wet"))
    contracts.validate(flow.FACTS_CONTRACT, facts)
    odoo = shop.seed.read("stock.picking", [delivered["picking"]], ["name", "state", "write_date", "date_done",
                                                                      "company_id", "sale_id"])[0]
    moves = {row["id"]: row for row in shop.seed.read("stock.move", delivered["moves"], ["product_id", "quantity"])}
    prices = {row["id"]: row for row in shop.seed.read("sale.order.line", delivered["sale_lines"],
                                                        ["price_reduce_taxexcl"])}
    picking = facts["picking"]
    assert (picking["name"], picking["state"], picking["write_date"], picking["date_done"]) == (
        odoo["name"], "done", odoo["write_date"], odoo["date_done"])
    assert picking["sale_order_id"] == odoo["sale_id"][0] and facts["site"]["company_id"] == odoo["company_id"][0]
    assert facts["customer"]["tier"] == "Gold" and facts["requested_by"] == {"user_id": None, "login": None}
    line_a, line_b = facts["lines"]
    assert line_a["delivered"] == moves[line_a["move_id"]]["quantity"] == 3.0
    assert line_a["unit_price"] == prices[line_a["sale_line_id"]]["price_reduce_taxexcl"] == 20.0
    assert (line_a["quantity"], line_a["value"], line_b["quantity"], line_b["value"]) == (2.0, 40.0, 1.0, 15.0)
    assert facts["return"]["value"] == 55.0 and 0 <= facts["return"]["days_since_delivery"] < 1
    assert facts["request"]["message"] == "Box was wet" and facts["request"]["reason"] == "damaged"
    # nothing invoiced yet: a refund is asked but no credit note can be made
    assert facts["refund"]["asked"] and not facts["refund"]["possible"] and facts["refund"]["amount"] == 55.0
    assert "no posted customer invoice" in facts["refund"]["why_not"]


def test_the_posted_invoice_is_the_one_credited(gateway, shop, delivered):
    invoice = shop.invoice(delivered["customer"], delivered)
    shop.invoice(delivered["customer"], delivered, post=False)  # a draft invoice is not credited
    first, _second = delivered["products"]
    refund = _facts(gateway, shop.request(delivered["picking"], [(first, 1)]))["refund"]
    assert (refund["possible"], refund["invoice_id"]) == (True, invoice)
    assert refund["invoice_name"] == shop.seed.read("account.move", [invoice], ["name"])[0]["name"]
    assert refund["lines"] == [{"sale_line_id": delivered["sale_lines"][0], "quantity": 1.0}]


def test_facts_take_one_call(gateway, shop, delivered, odoo_double):
    gateway.read("res.users", [1], ["login"])  # logged in before counting
    before = len(odoo_double.calls)
    _facts(gateway, shop.request(delivered["picking"], [(delivered["products"][0], 1)]))
    calls = [(call[0], call[1]) for call in odoo_double.calls[before:]]
    assert [call for call in calls if call[0] != "res.users"] == [("stock.picking", "web_read")]


def test_asking_more_than_delivered_names_the_line(gateway, shop, delivered):
    first, second = delivered["products"]
    with pytest.raises(PolicyInvalid) as caught:
        _facts(gateway, shop.request(delivered["picking"], [(first, 1), (second, 3)]))
    assert caught.value.status == 422 and caught.value.code == "return_not_possible"
    assert caught.value.details[0]["pointer"] == "/data/lines/1"
    assert "2 delivered, 0 already returned: at most 2" in caught.value.details[0]["message"]


def test_what_was_returned_before_counts(gateway, shop, delivered):
    first, _second = delivered["products"]
    facts = _facts(gateway, shop.request(delivered["picking"], [(first, 2)]))
    _run(gateway, flow.making(facts), _ref())
    [made] = shop.returns(delivered["picking"])
    assert made["moves"][0]["product_uom_qty"] == 2.0
    again = _facts(gateway, shop.request(delivered["picking"], [(first, 1)]))
    assert (again["lines"][0]["returned_before"], again["lines"][0]["returnable"]) == (2.0, 1.0)
    with pytest.raises(PolicyInvalid, match="3 delivered, 2 already returned: at most 1"):
        _facts(gateway, shop.request(delivered["picking"], [(first, 2)]))


def test_a_product_or_move_not_in_the_delivery_is_refused(gateway, shop, delivered):
    with pytest.raises(PolicyInvalid, match="was not delivered with this picking"):
        _facts(gateway, shop.request(delivered["picking"], [(shop.seed.product(cost=1, price=2), 1)]))
    with pytest.raises(PolicyInvalid, match="is not a move of this delivery"):
        _facts(gateway, shop.request(delivered["picking"], [{"move_id": max(delivered["moves"]) + 10000,
                                                              "quantity": 1}]))


# -- decisions -------------------------------------------------------------------------------------

def test_a_small_return_from_a_gold_customer_is_accepted(gateway, shop, delivered):
    decision = _decide(_facts(gateway, shop.request(delivered["picking"], [(delivered["products"][0], 1)],
                                                    reason="no_longer_needed")))
    assert decision["outcome"] == flow.PASSING_OUTCOME, decision["summary"]


def test_an_untiered_customer_beyond_a_small_value_needs_a_manager(gateway, shop):
    customer = shop.customer()
    sold = shop.delivered(customer, [(5, 30.0)])
    facts = _facts(gateway, shop.request(sold["picking"], [(sold["products"][0], 2)], reason="no_longer_needed"))
    decision = _decide(facts)
    assert decision["outcome"] == "approve" and decision["route"]["role"] == "customer-service-manager"
    assert [r["rule"] for r in decision["reasons"] if not r["passed"]] == ["customer_not_trusted"]
    # the same return for a fault of the goods passes
    damaged = _decide({**facts, "request": {**facts["request"], "reason": "defective"}})
    assert damaged["outcome"] == flow.PASSING_OUTCOME


def test_any_trusted_tier_of_the_customer_counts(gateway, shop):
    customer = shop.customer("Bronze", "Silver")
    sold = shop.delivered(customer, [(5, 30.0)])
    facts = _facts(gateway, shop.request(sold["picking"], [(sold["products"][0], 2)], reason="no_longer_needed"))
    assert facts["customer"]["tiers"] == ["Bronze", "Silver"] and facts["customer"]["tier"] == "Bronze"
    assert _decide(facts)["outcome"] == flow.PASSING_OUTCOME


def test_a_refund_above_the_threshold_needs_a_manager_and_a_site_may_lower_it(gateway, shop, gold):
    sold = shop.delivered(gold, [(4, 80.0)])
    facts = _facts(gateway, shop.request(sold["picking"], [(sold["products"][0], 4)]))  # 320.00
    decision = _decide(facts)
    assert [r["rule"] for r in decision["reasons"] if not r["passed"]] == ["refund_over_threshold"]
    return_only = _decide(_facts(gateway, shop.request(sold["picking"], [(sold["products"][0], 4)],
                                                       resolution="return_only")))
    assert return_only["outcome"] == flow.PASSING_OUTCOME
    smaller = _facts(gateway, shop.request(sold["picking"], [(sold["products"][0], 2)]))  # 160.00
    assert _decide(smaller)["outcome"] == flow.PASSING_OUTCOME
    chicago = _decide({**smaller, "site": {"company_id": 2, "warehouse_id": None}})
    reason = next(r for r in chicago["reasons"] if r["rule"] == "refund_over_threshold")
    assert chicago["outcome"] == "approve" and reason["parameters"]["refund_threshold"] == {
        "value": 100, "layer": "company:2"}


def test_no_longer_needed_after_the_window_is_rejected(gateway, shop, delivered):
    shop.delivered_days_ago(delivered["picking"], 45)
    first = delivered["products"][0]
    facts = _facts(gateway, shop.request(delivered["picking"], [(first, 1)], reason="no_longer_needed"))
    assert facts["return"]["days_since_delivery"] > 44
    decision = _decide(facts)
    assert decision["outcome"] == "reject"
    assert [r["rule"] for r in decision["reasons"] if not r["passed"]] == ["outside_return_window"]
    defective = _decide(_facts(gateway, shop.request(delivered["picking"], [(first, 1)], reason="defective")))
    assert defective["outcome"] == flow.PASSING_OUTCOME


@pytest.mark.parametrize("name", ["return-request.json", "return-request.demo.json"])
def test_policy_names_the_flow(name):
    assert load_policy(registry.POLICIES_DIR / name, require_approvers=False).name == flow.NAME


# -- write-backs -------------------------------------------------------------------------------------

def test_an_accepted_refund_makes_the_return_and_a_draft_credit_note_once(gateway, shop, delivered):
    invoice = shop.invoice(delivered["customer"], delivered)
    first, second = delivered["products"]
    facts = _facts(gateway, shop.request(delivered["picking"], [(first, 2), (second, 1)]))
    decision = _decide(facts)
    operations = flow.return_writebacks(facts, decision, [])
    assert [op for op, _ in operations] == ["post_message", "create_return", "create_credit_note"]
    ref = _ref()
    assert [r["effect"] for r in _run(gateway, operations, ref)] == ["applied"] * 3
    [made] = shop.returns(delivered["picking"])
    assert made["state"] == "assigned" and f"Ref: {ref}.create_return" in made["origin"]
    assert sorted((m["origin_returned_move_id"][0], m["product_uom_qty"]) for m in made["moves"]) == sorted(
        zip(delivered["moves"], [2.0, 1.0]))
    [credit] = shop.credit_notes(invoice)
    assert (credit["state"], credit["move_type"]) == ("draft", "out_refund")
    assert f"Ref: {ref}.create_credit_note" in credit["ref"] and credit["amount_untaxed"] == 55.0
    assert sorted((line["sale_line_ids"], line["quantity"]) for line in credit["lines"]) == sorted(
        ([line], qty) for line, qty in zip(delivered["sale_lines"], [2.0, 1.0]))
    [note] = [m["body"] for m in shop.messages(delivered["picking"]) if f"Ref: {ref}.post_message" in (m["body"] or "")]
    assert "Return request: accepted" in note and "return 2 of 3 delivered" in note
    assert [r["effect"] for r in _run(gateway, operations, ref)] == ["already_done"] * 3
    assert len(shop.returns(delivered["picking"])) == 1 and len(shop.credit_notes(invoice)) == 1


def test_a_credit_note_only_credits_the_returned_line(gateway, shop, delivered):
    invoice = shop.invoice(delivered["customer"], delivered)
    facts = _facts(gateway, shop.request(delivered["picking"], [(delivered["products"][1], 2)]))
    _run(gateway, flow.making(facts), _ref())
    [credit] = shop.credit_notes(invoice)
    assert [(line["sale_line_ids"], line["quantity"]) for line in credit["lines"]] == [
        ([delivered["sale_lines"][1]], 2.0)]
    assert credit["amount_untaxed"] == 30.0


def test_a_return_cut_off_before_its_ref_is_recognised(gateway, shop, delivered):
    facts = _facts(gateway, shop.request(delivered["picking"], [(delivered["products"][0], 1)]))
    [(op, payload)] = flow.making(facts)
    ref = _ref()
    made = writeback.run(gateway, op, {"ref": ref, **payload})
    shop.seed.call("stock.picking", "write", [made["return_id"]], {"origin": f"Return of {facts['picking']['name']}"})
    again = writeback.run(gateway, op, {"ref": ref, **payload})
    assert (again["return_id"], again.get("recovered")) == (made["return_id"], True)
    [only] = shop.returns(delivered["picking"])
    assert f"Ref: {ref}" in only["origin"]


def test_a_return_made_meanwhile_in_odoo_stops_ours(gateway, shop, delivered):
    first = delivered["products"][0]
    facts = _facts(gateway, shop.request(delivered["picking"], [(first, 3)]))
    [(op, payload)] = flow.making(facts)
    _run(gateway, flow.making(_facts(gateway, shop.request(delivered["picking"], [(first, 1)]))), _ref())
    with pytest.raises(OdooError) as caught:
        writeback.run(gateway, op, {"ref": _ref(), **payload})
    assert caught.value.category == STATE_CONFLICT and "returned meanwhile" in caught.value.message
    assert len(shop.returns(delivered["picking"])) == 1


def test_an_approval_puts_the_activity_on_the_delivery_and_a_rejection_makes_nothing(gateway, shop):
    customer = shop.customer()
    sold = shop.delivered(customer, [(5, 30.0)])
    facts = _facts(gateway, shop.request(sold["picking"], [(sold["products"][0], 2)], reason="other"))
    decision = _decide(facts)
    decision = {**decision, "route": {**decision["route"], "assignee": "admin"},
                "sla": decision.get("sla") or {"due_at": "2026-12-30T12:00:00Z"}}
    operations = flow.return_writebacks(facts, decision, [])
    assert [op for op, _ in operations] == ["post_message", "schedule_activity"]
    _run(gateway, operations, _ref())
    [activity] = shop.activities(sold["picking"])
    assert activity["user_id"][0] == shop.seed.user_id("admin") and "Approve return of" in activity["summary"]
    assert shop.returns(sold["picking"]) == []
    assert [op for op, _ in flow.on_approved(facts)] == ["create_return"]
    assert flow.on_rejected(facts) == []
    rejected = flow.return_writebacks(facts, {**decision, "outcome": "reject"}, [])
    assert [op for op, _ in rejected] == ["post_message"] and "No return is made." in rejected[0][1]["body"]


def test_odoo_refuses_the_return_of_a_delivery_not_done(shop, gold):
    product = shop.seed.product(cost=5, price=10, on_hand=10)
    order = shop.seed.quotation(gold, [(product, 1, 10.0)], state="sale")
    [picking] = shop.seed.read("sale.order", [order], ["picking_ids"])[0]["picking_ids"]
    context = {"active_model": "stock.picking", "active_id": picking, "active_ids": [picking]}
    with pytest.raises(Exception, match="You may only return Done pickings"):
        shop.seed.call("stock.return.picking", "create", {}, context=context)


def test_odoo_wants_the_reversal_journal_given(shop, delivered):
    invoice = shop.invoice(delivered["customer"], delivered)
    context = {"active_model": "account.move", "active_ids": [invoice], "active_id": invoice}
    with pytest.raises(Exception, match="mandatory field is not set"):
        shop.seed.call("account.move.reversal", "create", {"reason": "x"}, context=context)


def test_explain_reads_the_events_request_and_simulate_says_it_cannot(gateway, shop, delivered):
    from sidecar.flows import simulate

    event = shop.envelope(shop.request(delivered["picking"], [(delivered["products"][0], 1)]))
    found, facts = simulate.facts_for_event(_Services(gateway), event)
    assert found is flow.FLOW and [line["quantity"] for line in facts["lines"]] == [1.0]
    with pytest.raises(PolicyInvalid) as caught:
        simulate.simulate(_Services(gateway), flow.FLOW, None, datetime.now(timezone.utc))
    assert caught.value.code == "not_simulable"


def test_a_changed_delivery_is_decided_again_on_the_same_request(gateway, shop, delivered):
    asked = shop.request(delivered["picking"], [(delivered["products"][0], 1), {"move_id": delivered["moves"][1],
                                                                               "quantity": 2}], message="late")
    facts = _facts(gateway, asked)
    again = flow.event_data(flow.FLOW, {"order_id": delivered["picking"], "facts": facts}, {"write_date": "x"})
    contracts.validate(flow.CONTRACT, again)
    assert again == asked


def test_a_delivery_changed_since_the_decision_is_not_returned(gateway, shop, delivered):
    facts = _facts(gateway, shop.request(delivered["picking"], [(delivered["products"][0], 1)]))
    [(op, payload)] = flow.making(facts)
    time.sleep(1)  # Odoo's write_date has whole seconds over RPC
    shop.seed.call("stock.picking", "write", [delivered["picking"]], {"note": "<p>left at the neighbour's</p>"})
    with pytest.raises(writeback.Superseded):
        writeback.run(gateway, op, {"ref": _ref(), **payload})
    assert shop.returns(delivered["picking"]) == []
