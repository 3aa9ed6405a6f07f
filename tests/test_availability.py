"""The channel availability feed (GET/POST /v1/availability) on the double or a real Odoo 17 (SIDECAR_LIVE=1): each
warehouse's free quantity is what Odoo itself answers for the product in that warehouse, read back as admin."""
from __future__ import annotations

import dataclasses
import math

import pytest

from sidecar.channels import Channel, parse_channels
from sidecar.flows.availability import channel_skus
from sidecar.mapping.resolver import Mapper, ProductRef
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.support.replenishment_seed import ReplenishmentSeed


@pytest.fixture
def stock(odoo_seed, services):
    """Two warehouses of the seeding company; channel web sells from both (2 units + 10 %), shop from the first."""
    repl = ReplenishmentSeed(odoo_seed)
    main, second = repl.main_warehouse(), repl.second_warehouse()
    codes = {w["id"]: row["code"] for w in (main, second)
             for row in odoo_seed.read("stock.warehouse", [w["id"]], ["code"])}
    repl.codes = (codes[main["id"]], codes[second["id"]])
    channels = parse_channels(f'{{"web": {{"warehouses": ["{repl.codes[0]}", "{repl.codes[1]}"], "buffer_units": 2, '
                              f'"buffer_percent": 10}}, "shop": {{"warehouses": ["{repl.codes[0]}"]}}}}', [])
    services.settings = dataclasses.replace(services.settings, channels=channels)
    repl.main, repl.second = main, second
    return repl


def odoo_says(seed, product, warehouse_id) -> dict:
    """What Odoo computes for the product in the warehouse, asked as admin."""
    return seed.call("product.product", "read", [product], ["free_qty", "qty_available"],
                     context={"warehouse": warehouse_id})[0]


def test_each_channel_gets_odoos_free_quantity_of_its_warehouses_less_its_buffer(client, stock, odoo_target):
    seed = stock.seed
    product = stock.product(cost=1.0, main_stock=20, second_stock=7)
    other = stock.product(cost=1.0, main_stock=1)
    seed.quotation(seed.customer(), lines=[(product, 5, 10.0)], state="sale")  # Odoo reserves 5 in the main one
    if odoo_target.is_double:
        odoo_target.double.calls.clear()
    answer = client.post("/v1/availability", json={"product_ids": [product, other, 2147483000]},
                         headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 200, answer.json
    main, second = odoo_says(seed, product, stock.main["id"]), odoo_says(seed, product, stock.second["id"])
    assert main["qty_available"] == 20 and main["free_qty"] == 15 and second["free_qty"] == 7
    shop, web = answer.json["channels"]  # by name
    assert (shop["channel"], web["channel"]) == ("shop", "web")
    item = next(i for i in web["items"] if i["product_id"] == product)
    assert [(w["code"], w["free_qty"], w["qty_available"]) for w in item["warehouses"]] == [
        (stock.codes[0], main["free_qty"], main["qty_available"]),
        (stock.codes[1], second["free_qty"], second["qty_available"])]
    free = main["free_qty"] + second["free_qty"]
    assert item["free_qty"] == free and item["buffer"] == 2 + math.ceil(free * 0.10)
    assert item["available_to_promise"] == free - item["buffer"] == 22 - 5
    assert item["default_code"] == seed.read("product.product", [product], ["default_code"])[0]["default_code"]
    assert next(i for i in shop["items"] if i["product_id"] == product)["available_to_promise"] == main["free_qty"]
    low = next(i for i in web["items"] if i["product_id"] == other)
    assert low["free_qty"] == 1 and low["available_to_promise"] == 0  # never below zero
    assert answer.json["unknown_products"] == [2147483000]
    if odoo_target.is_double:  # one read of the warehouses, then one of every product per warehouse
        assert len(odoo_target.double.calls_to("stock.warehouse", "search_read")) == 1
        assert len(odoo_target.double.calls_to("product.product", "search_read")) == 2


def test_get_gives_one_channel_and_refuses_what_is_not_configured(client, stock, services):
    product = stock.product(cost=1.0, main_stock=4)
    mapped = client.put("/v1/mappings/skus", json={"source": "shop", "mappings": [
        {"sku": f"SHOP-{product}", "product_id": product}]}, headers=bearer(ALL_SCOPES_KEY))
    assert mapped.status_code in (200, 201), mapped.json
    answer = client.get(f"/v1/availability?channel=shop&product_ids={product}", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 200, answer.json
    [shop] = answer.json["channels"]
    assert [i["sku"] for i in shop["items"]] == [f"SHOP-{product}"]  # the channel's own cross-reference
    assert [i["available_to_promise"] for i in shop["items"]] == [
        odoo_says(stock.seed, product, stock.main["id"])["free_qty"]] == [4]
    unknown = client.get("/v1/availability?channel=nowhere", headers=bearer(ALL_SCOPES_KEY))
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "channel_not_found"
    bad = client.get("/v1/availability?product_ids=1,x", headers=bearer(ALL_SCOPES_KEY))
    assert bad.status_code == 400
    services.settings = dataclasses.replace(services.settings, channels=parse_channels(
        '{"ghost": {"warehouses": ["NOWH9"]}}', []))
    missing = client.get("/v1/availability", headers=bearer(ALL_SCOPES_KEY))
    assert missing.status_code == 422 and missing.json["error"]["code"] == "warehouse_not_found"
    services.settings = dataclasses.replace(services.settings, channels={})
    none = client.post("/v1/availability", headers=bearer(ALL_SCOPES_KEY))
    assert none.status_code == 422 and none.json["error"]["code"] == "channels_not_configured"


@pytest.mark.parametrize("units, percent, free, promised", [
    (0, 0, 7, 7), (2, 0, 7, 5), (0, 10, 7, 6), (2, 10, 22, 17), (5, 0, 3, 0), (0, 50, 0, 0), (1, 0, -2, 0),
])
def test_the_buffer_holds_back_units_and_a_rounded_up_percent_never_below_zero(units, percent, free, promised):
    assert Channel("c", ("WH",), units, percent).promise(free) == promised


@pytest.mark.parametrize("raw, problem", [
    ("{", "not valid JSON"), ('{"a": {"warehouses": []}}', "non-empty list"), ('{"a": {"warehouses": ["WH"], "x": 1}}',
                                                                         "must be an object of"),
    ('{"a": {"warehouses": ["WH"], "buffer_percent": 120}}', "from 0 to 100"), ("/no/such/file.json", "no file"),
])
def test_bad_channel_configuration_is_named_at_start(raw, problem):
    problems = []
    parse_channels(raw, problems)
    assert problem in problems[0]


def test_the_sku_is_the_channels_own_cross_reference_first():
    ref = ProductRef(7, "P7", {"id": 1})
    mapper = Mapper(skus={("*", "ANY-7"): ref, ("web", "WEB-7"): ref, ("shop", "SHOP-7"): ref,
                          ("*", "ANY-8"): ProductRef(8, None, {"id": 1})})
    assert channel_skus(mapper, "web") == {7: "WEB-7", 8: "ANY-8"}
    assert channel_skus(None, "web") == {}
