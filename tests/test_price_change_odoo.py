"""Price change against Odoo: the facts, the price Odoo applies, the item written once and read back, the rights;
on the double and on a real Odoo 17 (SIDECAR_LIVE=1). Expected values come from Odoo (read back as the administrator)."""
from __future__ import annotations

import pytest

from sidecar.errors import InvalidPayload, NotFound
from sidecar.flows import price_change as flow
from sidecar.odoo import price_change as odoo_price
from sidecar.odoo import writeback
from sidecar.odoo.errors import STATE_CONFLICT, OdooError
from tests.support.odoo_seed import OdooRPCError, OdooSeed
from tests.support.price_seed import PriceSeed, moment


@pytest.fixture
def prices(odoo_seed):
    return PriceSeed(odoo_seed)


class _Services:
    def __init__(self, gateway):
        self.odoo = gateway


def ask(template, pricelist, price, **extra):
    return flow.price_request({"product_tmpl_id": template, "pricelist_id": pricelist, "fixed_price": price,
                               "date_start": moment(1), "reason": "supplier price list", **extra})


def facts_of(gateway, request):
    return flow.read_price_facts(_Services(gateway), request["id"], request)


def test_facts_are_what_odoo_shows(gateway, prices):
    category, complete = prices.category()
    template, variant = prices.product(cost=40.0, price=100.0, category=category)
    pricelist = prices.pricelist()
    prices.item(pricelist, template, 90.0)  # Odoo applies 90 now on this pricelist
    facts = facts_of(gateway, ask(template, pricelist, 72.0, min_quantity=2))
    change = facts["price_change"]
    assert change["current_price"] == prices.price(pricelist, variant, quantity=2) == 90.0
    shown = prices.seed.read("product.pricelist", [pricelist], ["display_name", "currency_id", "company_id"])[0]
    assert change["pricelist"] == shown["display_name"] and change["currency"] == shown["currency_id"][1]
    assert facts["product"]["company_id"] == shown["company_id"][0] == facts["site"]["company_id"]
    assert change["cost"] == prices.seed.read("product.product", [variant], ["standard_price"])[0]["standard_price"]
    assert change["markdown"] is True and change["markdown_percent"] == pytest.approx(20.0)
    assert change["margin_percent"] == pytest.approx((72 - 40) / 72 * 100) and change["below_cost"] is False
    assert change["category"] == complete and {"name": complete} in change["categories"]
    assert [item["fixed_price"] for item in change["items"]] == [90.0]
    assert facts["product"]["product_id"] == variant and facts["product"]["state"] == "for sale"
    assert facts["requested_by"] == {"user_id": None, "login": None}  # a pricing tool: nobody to exclude


def test_the_proposer_is_the_odoo_user_the_ask_names(gateway, prices):
    template, _variant = prices.product(cost=10.0, price=20.0)
    facts = facts_of(gateway, ask(template, prices.pricelist(), 19.0, proposed_by="demo"))
    assert facts["requested_by"] == {"user_id": prices.seed.user_id("demo"), "login": "demo"}
    unknown = facts_of(gateway, ask(template, prices.pricelist(), 19.0, proposed_by="nobody-such"))
    assert unknown["requested_by"]["login"] is None


def test_without_an_item_odoo_applies_the_sales_price_and_a_window_starts_later(gateway, prices):
    template, variant = prices.product(cost=10.0, price=25.0)
    pricelist = prices.pricelist()
    assert facts_of(gateway, ask(template, pricelist, 20.0))["price_change"]["current_price"] == 25.0
    prices.item(pricelist, template, 22.0, date_start=moment(10))
    assert facts_of(gateway, ask(template, pricelist, 20.0))["price_change"]["current_price"] == 25.0
    assert prices.price(pricelist, variant, date=moment(11)) == 22.0


def test_a_missing_pricelist_or_a_foreign_variant_is_refused(gateway, prices):
    template, _variant = prices.product(cost=10.0, price=25.0)
    _other, foreign = prices.product(cost=10.0, price=25.0)
    with pytest.raises(NotFound) as missing:
        facts_of(gateway, ask(template, 999999, 20.0))
    assert missing.value.code == "pricelist_not_found"
    with pytest.raises(InvalidPayload) as wrong:
        facts_of(gateway, ask(template, prices.pricelist(), 20.0, product_id=foreign))
    assert wrong.value.code == "not_a_variant"
    with pytest.raises(InvalidPayload) as window:
        ask(template, 1, 20.0, date_end="2020-01-01 00:00:00")
    assert window.value.code == "invalid_window"


def test_the_price_is_written_once_as_an_item_odoo_applies_from_its_start(gateway, prices):
    template, variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    start, end = moment(2), moment(30)
    facts = facts_of(gateway, ask(template, pricelist, 95.0, date_start=start, date_end=end, min_quantity=5))
    [(operation, payload)] = flow.on_approved(facts)
    done = writeback.run(gateway, operation, {"ref": "pc-1", **payload})
    assert done["effect"] == "applied"
    [item] = prices.items(pricelist)
    assert item["id"] == done["item_id"] and item["product_tmpl_id"][0] == template
    assert (item["applied_on"], item["fixed_price"], item["min_quantity"]) == ("1_product", 95.0, 5.0)
    assert (item["date_start"], item["date_end"]) == (start, end)
    again = writeback.run(gateway, operation, {"ref": "pc-1", **payload})
    assert again == {"effect": "already_done", "order_id": template, "item_id": item["id"]}
    assert len(prices.items(pricelist)) == 1
    assert prices.price(pricelist, variant, quantity=5) == 100.0  # not yet: the window starts later
    assert prices.price(pricelist, variant, quantity=5, date=start) == 95.0
    assert prices.price(pricelist, variant, quantity=4, date=start) == 100.0  # below its minimum quantity
    back = odoo_price.read_back(gateway, item["id"], facts["proposal"], facts["product"]["company_id"])
    assert back["price_at_start"] == 95.0 and back["item"]["id"] == item["id"]


def test_a_variant_price_is_a_variant_item(gateway, prices):
    template, variant = prices.product(cost=10.0, price=30.0)
    pricelist = prices.pricelist()
    prices.item(pricelist, template, 28.0)  # the template's item; the variant's comes first in Odoo's order
    facts = facts_of(gateway, ask(template, pricelist, 26.0, product_id=variant, date_start=moment(-1)))
    [(operation, payload)] = flow.on_approved(facts)
    writeback.run(gateway, operation, {"ref": "pc-v", **payload})
    written = prices.items(pricelist)[-1]
    assert written["applied_on"] == "0_product_variant" and written["product_id"][0] == variant
    assert prices.price(pricelist, variant) == 26.0


def test_a_price_decided_on_another_cost_is_not_written(gateway, prices):
    template, variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    facts = facts_of(gateway, ask(template, pricelist, 95.0))
    prices.seed.call("product.product", "write", [variant], {"standard_price": 97.0})  # cost changed after the decision
    [(operation, payload)] = flow.on_approved(facts)
    with pytest.raises(OdooError) as err:
        writeback.run(gateway, operation, {"ref": "pc-2", **payload})
    assert err.value.category == STATE_CONFLICT and "cost changed" in err.value.message
    assert prices.items(pricelist) == []


def test_odoo_refuses_a_window_that_ends_before_it_starts(gateway, prices):
    template, _variant = prices.product(cost=10.0, price=30.0)
    with pytest.raises(OdooError) as err:
        gateway.execute("product.pricelist.item", "create", {
            "pricelist_id": prices.pricelist(), "applied_on": "1_product", "product_tmpl_id": template,
            "fixed_price": 1.0, "date_start": "2030-01-01 00:00:00", "date_end": "2029-01-01 00:00:00"})
    assert "end date (Jan 1, 2029, 12:00:00 AM) should be greater than start date (Jan 1, 2030, 12:00:00 AM)" \
        in err.value.message


def test_a_sales_user_may_not_write_pricelist_items(odoo_seed, prices):
    """Writing items takes an administrator of Sales, Inventory or Purchase (sale, stock, purchase
    ir.model.access.csv); the integration user is one (test_the_price_is_written_once...)."""
    _uid, login, password = odoo_seed.user(["sales_team.group_sale_salesman_all_leads"])
    salesman = OdooSeed(odoo_seed.url, odoo_seed.db, login, password)
    template, _variant = prices.product(cost=10.0, price=30.0)
    try:
        with pytest.raises(OdooRPCError) as err:
            salesman.call("product.pricelist.item", "create", {"pricelist_id": prices.pricelist(),
                                                               "product_tmpl_id": template, "fixed_price": 1.0})
        assert "You are not allowed to create 'Pricelist Rule' (product.pricelist.item) records" in str(err.value)
    finally:
        salesman.close()


def test_category_discounts_and_formulas_price_as_odoo_does(prices):
    """The double's pricelist computation against Odoo's: a category's discount, a cost-based formula, min quantity."""
    category, _name = prices.category()
    template, variant = prices.product(cost=20.0, price=50.0, category=category)
    pricelist = prices.pricelist()
    prices.seed.call("product.pricelist.item", "create", {
        "pricelist_id": pricelist, "applied_on": "2_product_category", "categ_id": category,
        "compute_price": "percentage", "percent_price": 10.0})
    assert prices.price(pricelist, variant) == pytest.approx(45.0)
    prices.seed.call("product.pricelist.item", "create", {
        "pricelist_id": pricelist, "applied_on": "2_product_category", "categ_id": category, "min_quantity": 10,
        "compute_price": "formula", "base": "standard_price", "price_discount": -50.0, "price_surcharge": 1.5})
    assert prices.price(pricelist, variant, quantity=10) == pytest.approx(31.5)  # cost 20 + 50 %, + 1.50
    assert prices.price(pricelist, variant, quantity=9) == pytest.approx(45.0)
    prices.item(pricelist, template, 44.0)  # a product's item comes before a category's
    assert prices.price(pricelist, variant, quantity=10) == 44.0
