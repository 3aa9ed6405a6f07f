"""Inventory adjustment: facts read from Odoo and the write-backs each outcome queues, on the double and on a
real Odoo 17 (SIDECAR_LIVE=1). Expected values come from Odoo (read back as the administrator)."""
from __future__ import annotations

import pytest

from sidecar.flows import inventory_adjustment as flow
from sidecar.odoo import OdooGateway, writeback
from sidecar.odoo.errors import STATE_CONFLICT, OdooError
from tests.support.inventory_seed import InventorySeed


@pytest.fixture
def inventory(odoo_seed):
    seed = InventorySeed(odoo_seed)
    yield seed
    seed.close()


class _Services:
    def __init__(self, gateway):
        self.odoo = gateway


def _facts(gateway, quant_id):
    return flow.read_inventory_facts(_Services(gateway), quant_id)


def test_facts_are_what_odoo_shows(gateway, inventory):
    product, quant = inventory.stocked(cost=12.5, on_hand=40)
    inventory.count(quant, 37)
    facts = _facts(gateway, quant)
    shown = inventory.seed.read("stock.quant", [quant], ["inventory_diff_quantity", "company_id", "warehouse_id"])[0]
    assert facts["quant"]["state"] == "counted" and facts["quant"]["product_id"] == product
    assert facts["count"]["on_hand"] == 40 and facts["count"]["counted"] == 37
    assert facts["count"]["variance"] == shown["inventory_diff_quantity"] == -3
    assert facts["count"]["value"] == -37.5 and facts["count"]["write_off"] is True
    assert facts["site"] == {"company_id": shown["company_id"][0], "warehouse_id": shown["warehouse_id"][0]}
    assert facts["requested_by"]["login"] == inventory.counter_login  # who set the count: the committed writer


def test_an_applied_count_is_applied_once_and_its_move_carries_the_ref(gateway, inventory):
    product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 23)
    [(operation, payload)] = flow.on_approved(_facts(gateway, quant))
    assert writeback.run(gateway, operation, {"ref": "inv-1", **payload})["effect"] == "applied"
    assert inventory.quant(quant)["quantity"] == 23
    again = writeback.run(gateway, operation, {"ref": "inv-1", **payload})
    assert again["effect"] == "already_done" and inventory.quant(quant)["quantity"] == 23
    [move] = inventory.seed.search_read("stock.move", [("product_id", "=", product), ("is_inventory", "=", True),
                                                      ("name", "=", writeback.inventory_move_name("inv-1"))],
                                        ["quantity"])
    assert move["quantity"] == 3


def test_a_rejected_count_is_cleared_without_a_move(gateway, inventory):
    product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 2)
    [(operation, payload)] = flow.on_rejected(_facts(gateway, quant))
    assert writeback.run(gateway, operation, {"ref": "rej", **payload})["effect"] == "applied"
    after = inventory.quant(quant)
    assert (after["quantity"], after["inventory_quantity"], after["inventory_quantity_set"]) == (20, 0, False)
    assert writeback.run(gateway, operation, {"ref": "rej", **payload})["effect"] == "already_done"
    # a cleared count is never applied afterwards
    with pytest.raises(OdooError) as err:
        writeback.run(gateway, "apply_inventory", {"ref": "late", **flow.on_approved(_facts(gateway, quant))[0][1]})
    assert err.value.category == STATE_CONFLICT


def test_a_count_changed_since_the_decision_is_not_applied(gateway, inventory):
    _product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 18)
    facts = _facts(gateway, quant)
    inventory.count(quant, 15)  # recounted after the decision
    with pytest.raises(writeback.Superseded, match=r"stock.quant \d+ changed since the decision"):
        writeback.run(gateway, "apply_inventory", {"ref": "s", **flow.on_approved(facts)[0][1]})
    assert inventory.quant(quant)["quantity"] == 20


def test_applying_needs_a_stock_manager(odoo_target, inventory):
    """Odoo's _apply_inventory: 'Only a stock manager can validate an inventory adjustment.'"""
    _product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, 21)
    counter = inventory.counter()
    gw = OdooGateway(odoo_target.url, odoo_target.db, counter.login, counter.password)
    try:
        facts = _facts(gw, quant)
        with pytest.raises(OdooError) as err:
            writeback.run(gw, "apply_inventory", {"ref": "m", **flow.on_approved(facts)[0][1]})
    finally:
        gw.close()
    assert "Only a stock manager can validate an inventory adjustment." in err.value.message
    assert inventory.quant(quant)["quantity"] == 20


@pytest.mark.parametrize("counted, code, observed, threshold, passed", [
    (32, "variance_tier1", 12, 10, False),      # 12 units (120.00): the quantity reaches tier 1
    (28, "variance_tier1_ok", 80.0, 1000, True),  # 8 units worth 80.00: below both; the value is shown last
    (20 + 150, "variance_tier2", 150, 100, False),
])
def test_a_tier_names_what_reached_it_quantity_or_value(gateway, inventory, counted, code, observed, threshold, passed):
    from datetime import datetime, timezone
    from sidecar.flows import registry
    from sidecar.policy import load_policy, evaluate
    _product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.count(quant, counted)
    decision = evaluate(_facts(gateway, quant), load_policy(registry.POLICIES_DIR / "inventory-adjustment.demo.json"),
                        datetime(2026, 12, 6, tzinfo=timezone.utc))
    reason = next(r for r in decision["reasons"] if r["code"].startswith(code.removesuffix("_ok")))
    assert (reason["code"], reason["observed"], reason["threshold"], reason["passed"]) == \
        (code, observed, threshold, passed)


def test_a_count_made_by_a_named_counter_is_found_applied_on_replay(gateway, inventory):
    product, quant = inventory.stocked(cost=10.0, on_hand=20)
    inventory.counter().call("stock.quant", "create", {  # the Physical Inventory's own count: the quant keeps its counter
        "product_id": product, "location_id": inventory.seed.stock_location_id(), "inventory_quantity": 24.0},
        context={"inventory_mode": True})
    [(operation, payload)] = [op for op in flow.on_approved(_facts(gateway, quant)) if op[0] == "apply_inventory"]
    assert writeback.run(gateway, operation, {"ref": "inv-named", **payload})["effect"] == "applied"
    [move] = inventory.seed.search_read("stock.move", [("product_id", "=", product), ("is_inventory", "=", True),
                                                      ("name", "like", "inv-named")], ["name"])
    assert move["name"].startswith(writeback.inventory_move_name("inv-named") + " (")  # Odoo added the counter
    again = writeback.run(gateway, operation, {"ref": "inv-named", **payload})
    assert again["effect"] == "already_done" and inventory.quant(quant)["quantity"] == 24
