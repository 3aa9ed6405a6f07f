"""An inventory count checked against the product's latest adjustments at its location (Odoo's inventory moves):
an unusual one carries advice (robust z-score, the series) in its decision and its chatter note, and the outcome
stays what the policy says, with or without advice, and when the check fails. On the double, and on a real Odoo
17 with SIDECAR_LIVE=1; the series expected is what Odoo shows the administrator."""
from __future__ import annotations

import statistics

import pytest

from sidecar.advisory import piece
from sidecar.flows import inventory_adjustment, registry
from sidecar.odoo import inventory as odoo_inventory
from sidecar.policy import load_policy
from sidecar.store import audit
from tests.conftest import bearer
from tests.support.inventory_seed import InventorySeed

DEMO_POLICY = registry.POLICIES_DIR / "inventory-adjustment.demo.json"
USUAL_COUNTS = (99, 101, 98, 100, 102)  # applied one after the other on 100 on hand: -1, +2, -3, +2, +2


@pytest.fixture
def inventory(odoo_seed, services):
    services.policies[inventory_adjustment.FLOW.name] = load_policy(DEMO_POLICY)
    seed = InventorySeed(odoo_seed)
    yield seed
    seed.close()


def with_history(inventory) -> tuple[int, int]:
    """A product at 100 on hand whose latest adjustments at the stock location were small."""
    product, quant = inventory.stocked(cost=10.0, on_hand=100)
    for counted in USUAL_COUNTS:
        inventory.seed.set_on_hand(product, counted)
    return product, quant


def decide(client, inventory, quant):
    write_date = inventory.quant(quant)["write_date"]
    answer = client.post("/v1/events", headers=bearer(), json={
        "id": f"odoo:stock.quant:{quant}:{write_date}", "type": inventory_adjustment.EVENT_TYPE, "source": "odoo",
        "data": {"_model": "stock.quant", "_id": quant, "write_date": write_date}})
    assert answer.status_code == 201, answer.json
    return answer.json


def odoo_series(inventory, product) -> list[float]:
    """The product's done inventory moves at the stock location as the administrator reads them, signed."""
    stock = inventory.seed.stock_location_id()
    moves = inventory.seed.search_read("stock.move", [("product_id", "=", product), ("is_inventory", "=", True),
                                                      ("state", "=", "done")],
                                       ["quantity", "location_id", "location_dest_id"], order="date asc, id asc")
    return [m["quantity"] if m["location_dest_id"][0] == stock else -m["quantity"]
            for m in moves if stock in (m["location_id"][0], m["location_dest_id"][0])]


def robust_z(values: list[float], x: float) -> float:
    """Iglewicz and Hoaglin's modified z-score, worked out here from its definition."""
    median = statistics.median(values)
    mad = statistics.median([abs(v - median) for v in values])
    return 0.6745 * (x - median) / mad


def outcome_of(answer: dict) -> tuple:
    decision = answer["decision"]
    return (answer["outcome"], [(r["code"], r["passed"]) for r in decision["reasons"]],
            [tier["role"] for tier in decision.get("tiers") or []])


def test_an_unusual_count_carries_advice_in_its_decision_and_note_and_changes_no_outcome(
        client, worker, services, inventory, monkeypatch):
    product, quant = with_history(inventory)
    twin_product, twin_quant = with_history(inventory)
    inventory.count(quant, 40)
    inventory.count(twin_quant, 40)
    variance = inventory.seed.read("stock.quant", [quant], ["inventory_diff_quantity"])[0]["inventory_diff_quantity"]
    series = odoo_series(inventory, product)
    assert series[-len(USUAL_COUNTS):] == [-1, 2, -3, 2, 2]

    answer = decide(client, inventory, quant)
    advice = answer["decision"]["advice"]
    check = advice["check"]
    assert advice["kind"] == "anomalies" and advice["advisory_only"] is True and advice["backend"] == "local"
    assert check["unusual"] is True and check["value"] == variance == -62 and check["direction"] == "low"
    assert [move["quantity"] for move in check["compared_with"]] == series
    assert check["z"] == pytest.approx(robust_z(series + [variance], variance), abs=0.01)
    assert abs(check["z"]) >= services.settings.advisory.anomaly_z

    def odoo_refuses(*_args, **_kwargs):
        raise RuntimeError("stock.move could not be read")
    monkeypatch.setattr(inventory_adjustment, "read_adjustment_history", odoo_refuses)
    without = decide(client, inventory, twin_quant)  # the check fails: the decision goes out all the same
    assert piece(without["decision"], "anomalies") is None
    assert outcome_of(answer) == outcome_of(without)  # the rules decide; the advice only stands beside them

    # The count asks for approval: the approver's summary comes after the check and names it; the twin's does not.
    assert answer["outcome"] == "approve"
    summary = piece(answer["decision"], "summary")["result"]["summary"]
    assert "Unusual" in summary and "-62" in summary
    assert "Unusual" not in piece(without["decision"], "summary")["result"]["summary"]

    with services.db.read() as conn:
        given = [e for e in audit.entries(conn, subject=answer["release_id"]) if e["kind"] == "advice.given"]
    assert [e["data"]["kind"] for e in given] == ["anomalies", "summary"]
    assert given[0]["data"]["input_sha256"] == advice["input_sha256"]
    worker.drain()
    [note] = [m["body"] for m in inventory.messages(product) if "Inventory adjustment" in (m["body"] or "")]
    assert "decides nothing" in note and "this count is unusual" in note and "-62" in note
    [twin_note] = [m["body"] for m in inventory.messages(twin_product) if "Inventory adjustment" in (m["body"] or "")]
    assert "this count is unusual" not in twin_note


def test_a_usual_count_and_a_product_without_history_get_no_advice(client, inventory):
    _product, quant = with_history(inventory)
    inventory.count(quant, 103)  # +1: like the counts before it
    assert piece(decide(client, inventory, quant)["decision"], "anomalies") is None
    _fresh, new_quant = inventory.stocked(cost=10.0, on_hand=100)
    inventory.count(new_quant, 5)  # far off, but one adjustment before it is too few to judge
    assert piece(decide(client, inventory, new_quant)["decision"], "anomalies") is None


def test_the_history_is_one_call_to_odoo(gateway, inventory, monkeypatch):
    product, quant = with_history(inventory)
    facts = inventory_adjustment.read_inventory_facts(type("S", (), {"odoo": gateway})(), quant)
    calls = []
    original = gateway.search_read
    monkeypatch.setattr(gateway, "search_read", lambda *a, **k: calls.append(a[0]) or original(*a, **k))
    history = odoo_inventory.read_adjustment_history(gateway, product, facts["quant"]["location_id"],
                                                     facts["quant"]["company_id"], limit=3)
    assert calls == ["stock.move"] and [move["quantity"] for move in history] == [-3, 2, 2]  # the latest 3


def test_a_count_that_confirms_what_is_on_hand_is_a_zero_in_the_history(gateway, inventory):
    """Odoo moves even a count equal to the quantity on hand ("Product Quantity Confirmed", quantity 0)."""
    product, quant = inventory.stocked(cost=10.0, on_hand=7)
    inventory.seed.set_on_hand(product, 7)
    facts = inventory_adjustment.read_inventory_facts(type("S", (), {"odoo": gateway})(), quant)
    history = odoo_inventory.read_adjustment_history(gateway, product, facts["quant"]["location_id"],
                                                     facts["quant"]["company_id"], limit=10)
    assert [move["quantity"] for move in history] == odoo_series(inventory, product) == [7, 0]
