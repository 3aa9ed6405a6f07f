"""Replenishment exception: facts read from Odoo and the write-backs each proposal makes, on the double and on a
real Odoo 17 (SIDECAR_LIVE=1). Expected values come from Odoo (read back as the administrator)."""
from __future__ import annotations

import pytest

from sidecar.flows import replenishment_exception as flow
from sidecar.odoo import writeback
from sidecar.odoo.replenishment import customer_moves, since
from sidecar.transform import replenishment as transform
from tests.support.odoo_seed import unique
from tests.support.replenishment_seed import ReplenishmentSeed


@pytest.fixture
def repl(odoo_seed):
    return ReplenishmentSeed(odoo_seed)


class _Services:
    def __init__(self, gateway):
        self.odoo = gateway


def _facts(gateway, rule):
    return flow.read_replenishment_facts(_Services(gateway), rule)


def test_facts_are_what_odoo_shows_and_spare_stock_elsewhere_is_a_transfer(gateway, repl):
    product = repl.product(cost=7.5, main_stock=2, second_stock=30)
    rule = repl.rule(product, minimum=10, maximum=20)
    repl.rule(product, minimum=4, maximum=8, warehouse=repl.second_warehouse())  # its own minimum stays
    facts = _facts(gateway, rule)
    shown = repl.shown(rule)
    assert facts["orderpoint"]["state"] == "below minimum" and facts["orderpoint"]["reference"] == shown["name"]
    assert facts["shortfall"]["forecast"] == shown["qty_forecast"] == 2
    assert facts["shortfall"]["minimum"] == 10 and facts["shortfall"]["on_hand"] == shown["qty_on_hand"]
    assert facts["site"] == {"company_id": shown["company_id"][0], "warehouse_id": shown["warehouse_id"][0]}
    second = repl.second_warehouse()
    [source] = [s for s in facts["sources"] if s["warehouse_id"] == second["id"]]
    assert (source["free_qty"], source["own_minimum"], source["spare"]) == (30, 4, 26)
    proposal = facts["proposal"]
    assert proposal["kind"] == "transfer" and proposal["from_warehouse_id"] == second["id"]
    assert proposal["quantity"] == facts["shortfall"]["to_order"] == 18  # up to the maximum
    assert proposal["value"] == 135.0 and proposal["from_picking_type_id"] == second["int_type_id"][0]
    assert facts["requested_by"]["login"] == gateway.login


def test_the_quantity_to_order_is_odoos_once_odoo_recomputes_it(gateway, repl):
    """Odoo stores qty_to_order and recomputes it when the rule's minimum or maximum is written."""
    product = repl.product(cost=3.0, main_stock=1)
    rule = repl.rule(product, minimum=5, maximum=11, qty_multiple=4)
    repl.seed.call("stock.warehouse.orderpoint", "write", [rule], {"product_max_qty": 12.0})
    facts = _facts(gateway, rule)
    assert facts["shortfall"]["to_order"] == repl.shown(rule)["qty_to_order"] == 12  # 12 - 1 = 11, up to 3 x 4


def test_without_spare_stock_the_preferred_vendor_gets_an_rfq_of_at_least_its_minimum(gateway, repl):
    product = repl.product(cost=4.0, main_stock=1)
    rule = repl.rule(product, minimum=5, maximum=6)
    first = repl.vendor(price=3.5, product=product, min_qty=10, delay=4)
    repl.vendor(price=2.0, product=product, min_qty=1)  # listed later: not the preferred one
    facts = _facts(gateway, rule)
    assert facts["supplier"]["vendor_id"] == first and facts["supplier"]["delay"] == 4
    assert facts["supplier"]["approved"] is False  # no 'Vendor class / Approved' tag
    proposal = facts["proposal"]
    assert (proposal["kind"], proposal["vendor_id"], proposal["quantity"], proposal["value"]) == (
        "rfq", first, 10, 35.0)


def test_nothing_to_propose_without_spare_stock_or_vendor(gateway, repl):
    product = repl.product(cost=4.0, main_stock=0)
    rule = repl.rule(product, minimum=3, maximum=3)
    assert _facts(gateway, rule)["proposal"]["kind"] == "none"


def test_a_rule_at_its_minimum_is_not_below_it(gateway, repl):
    product = repl.product(cost=4.0, main_stock=5)
    rule = repl.rule(product, minimum=5, maximum=9)
    assert _facts(gateway, rule)["orderpoint"]["state"] == "not below minimum"


def test_waiting_customer_deliveries_count_in_the_risk(gateway, repl):
    product = repl.product(cost=4.0, main_stock=3)
    customer = repl.seed.customer()
    repl.seed.quotation(customer, lines=[(product, 2, 10.0)], state="sale")
    repl.seed.quotation(customer, lines=[(product, 1, 10.0)], state="sale")
    rule = repl.rule(product, minimum=5, maximum=10)
    facts = _facts(gateway, rule)
    shown = repl.shown(rule)
    assert facts["shortfall"]["forecast"] == shown["qty_forecast"] == 0  # 3 on hand, 3 promised
    assert facts["demand"]["waiting_deliveries"] == 2 and facts["demand"]["waiting_qty"] == 3
    factors = {f["factor"]: f["points"] for f in facts["risk"]["factors"]}
    assert factors == {"shortfall": 40.0, "cover": 0.0, "waiting": 10.0}  # 3 on hand cover 14 days of 3 waiting
    assert facts["risk"]["score"] == 50.0
    moves = customer_moves(gateway, [product], since())
    assert {m["state"] for m in moves} <= set(transform.PENDING_MOVE_STATES) and len(moves) == 2


def _job(facts, ref):
    [(operation, payload)] = flow.on_approved(facts)
    return operation, {"ref": ref, **payload}


def test_a_transfer_is_created_confirmed_once_and_fills_the_forecast(gateway, repl):
    product = repl.product(cost=2.0, main_stock=0, second_stock=40)
    rule = repl.rule(product, minimum=10, maximum=15)
    ref = unique("repl-t").replace(" ", "-")
    operation, payload = _job(_facts(gateway, rule), ref)
    assert operation == "create_transfer"
    result = writeback.run(gateway, operation, payload)
    assert result["effect"] == "applied"
    [picking] = repl.pickings(f"Ref: {ref}")
    second, main = repl.second_warehouse(), repl.main_warehouse()
    assert picking["picking_type_id"][0] == second["int_type_id"][0]
    assert (picking["location_id"][0], picking["location_dest_id"][0]) == (second["lot_stock_id"][0],
                                                                            main["lot_stock_id"][0])
    assert picking["state"] == "assigned"  # reserved at confirm: the second warehouse has the stock
    [move] = repl.moves(picking["id"])
    assert move["product_uom_qty"] == 15 and move["product_id"][0] == product
    assert repl.shown(rule)["qty_forecast"] == 15  # Odoo counts the incoming transfer
    again = writeback.run(gateway, operation, payload)
    assert again["effect"] == "already_done" and again["picking_id"] == picking["id"]
    assert len(repl.pickings(f"Ref: {ref}")) == 1


def test_an_rfq_is_a_draft_for_the_vendor_made_once_and_linked_to_the_rule(gateway, repl):
    product = repl.product(cost=4.0, main_stock=1)
    rule = repl.rule(product, minimum=5, maximum=9)
    vendor = repl.vendor(price=3.25, product=product, min_qty=2)
    ref = unique("repl-r").replace(" ", "-")
    operation, payload = _job(_facts(gateway, rule), ref)
    assert operation == "create_rfq"
    assert writeback.run(gateway, operation, payload)["effect"] == "applied"
    [order] = repl.rfqs(f"Ref: {ref}")
    assert order["state"] == "draft" and order["partner_id"][0] == vendor
    assert order["picking_type_id"][0] == repl.main_warehouse()["in_type_id"][0]
    [line] = repl.rfq_lines(order["id"])
    assert (line["product_id"][0], line["product_qty"], line["price_unit"], line["orderpoint_id"][0]) == (
        product, 8, 3.25, rule)
    assert repl.shown(rule)["qty_forecast"] == 9  # Odoo counts a draft RFQ linked to the rule
    assert writeback.run(gateway, operation, payload)["effect"] == "already_done"
    assert len(repl.rfqs(f"Ref: {ref}")) == 1


def test_a_shortfall_that_moved_since_the_decision_is_not_acted_on(gateway, repl):
    product = repl.product(cost=4.0, main_stock=1)
    rule = repl.rule(product, minimum=5, maximum=9)
    repl.vendor(price=3.0, product=product)
    ref = unique("repl-s").replace(" ", "-")
    operation, payload = _job(_facts(gateway, rule), ref)
    repl.seed.call("stock.warehouse.orderpoint", "write", [rule], {"product_min_qty": 7.0})
    with pytest.raises(writeback.Superseded, match=r"stock.warehouse.orderpoint \d+ changed since the decision"):
        writeback.run(gateway, operation, payload)
    assert repl.rfqs(f"Ref: {ref}") == []


def test_notes_and_activities_go_on_the_rules_product(gateway, repl):
    product = repl.product(cost=4.0, main_stock=0)
    rule = repl.rule(product, minimum=3, maximum=3)
    ref = unique("repl-n").replace(" ", "-")
    result = writeback.run(gateway, "post_message", {"order_id": rule, "model": flow.MODEL, "ref": ref,
                                                     "body": "Replenishment exception: test"})
    assert result["effect"] == "applied"
    assert any(ref in (m["body"] or "") for m in repl.messages(product))


@pytest.mark.parametrize("minimum,maximum,forecast,multiple,expected", [
    (10, 20, 2, 1, 18), (10, 5, 2, 1, 8), (5, 11, 1, 4, 12), (5, 9, 5, 1, 0), (5, 9, -3, 0, 12), (0, 4, -1, 1, 5),
])
def test_quantity_to_order_follows_odoos_formula(minimum, maximum, forecast, multiple, expected):
    """stock_orderpoint._compute_qty_to_order: up to max(min, max), rounded up to the multiple; none at the minimum."""
    assert transform.quantity_to_order(minimum, maximum, forecast, multiple, 0.01) == expected


@pytest.mark.parametrize("done,waiting,deliveries,on_hand,points", [
    (0, 0, 0, 5, {"shortfall": 20.0, "cover": 0.0, "waiting": 0.0}),           # no demand: nothing runs out
    (30, 0, 0, 7, {"shortfall": 20.0, "cover": 20.0, "waiting": 0.0}),         # 1 a day, 7 days of 14
    (60, 4, 5, 0, {"shortfall": 20.0, "cover": 40.0, "waiting": 20.0}),        # nothing on hand, many waiting
    (0, 14, 1, 7, {"shortfall": 20.0, "cover": 20.0, "waiting": 5.0}),         # demand from deliveries waiting
])
def test_risk_factors_add_up_to_the_score(done, waiting, deliveries, on_hand, points):
    seen = {"done_qty": done, "days": 30, "waiting_qty": waiting, "waiting_deliveries": deliveries}
    risk = transform.risk(minimum=10, forecast=5, on_hand=on_hand, seen=seen)
    assert {f["factor"]: f["points"] for f in risk["factors"]} == points
    assert risk["score"] == sum(points.values())


def test_ranking_puts_the_highest_risk_first():
    items = [{"orderpoint_id": i, "minimum": 10, "forecast": f, "risk": {"score": s}}
             for i, f, s in ((1, 8, 10.0), (2, 0, 70.0), (3, 5, 70.0))]
    assert [(i["rank"], i["orderpoint_id"]) for i in transform.rank(items)] == [(1, 2), (2, 3), (3, 1)]
