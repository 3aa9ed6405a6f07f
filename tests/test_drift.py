"""Drift reconciliation (POST /v1/drift/stock and /v1/drift/prices) on the double or a real Odoo 17 (SIDECAR_LIVE=1):
Odoo's values in each answer are what Odoo shows the administrator (quants, pricelist items, vendor prices)."""
from __future__ import annotations

import pytest

from sidecar import contracts
from tests.conftest import bearer
from tests.support.price_seed import PriceSeed, moment
from tests.support.replenishment_seed import ReplenishmentSeed


def position(product, warehouse, quantity, state="available", **extra):
    return {"source": {"system": "wms-main", "ref": None}, "product": {"sku": f"S{product}", "product_id": product,
                                                                       "default_code": None},
            "warehouse": {"code": warehouse, "id": None}, "location": {"code": None, "id": None}, "lot": None, "state": state,
            "quantity": quantity, "uom": {"id": 1, "name": "Units"}, "mode": "snapshot",
            "as_of": "2026-12-06T08:00:00Z", **extra}


def canonical(name, record):
    """The record, once it is a valid canonical record of `name`: drift takes what the adapters answer."""
    contracts.validate(name, record)
    return record


def drift(client, domain, **body):
    answer = client.post(f"/v1/drift/{domain}", json=body, headers=bearer())
    assert answer.status_code == 200, answer.json
    return answer.json


def quants_as_admin(seed, product, warehouse_id) -> dict:
    rows = seed.search_read("stock.quant", [("product_id", "=", product), ("location_id", "child_of",
                            seed.read("stock.warehouse", [warehouse_id], ["view_location_id"])[0]["view_location_id"][0])],
                            ["quantity", "reserved_quantity"])
    return {"on_hand": sum(r["quantity"] for r in rows), "reserved": sum(r["reserved_quantity"] for r in rows)}


@pytest.fixture
def stock(odoo_seed):
    repl = ReplenishmentSeed(odoo_seed)
    repl.main, repl.second = repl.main_warehouse(), repl.second_warehouse()
    repl.main_code, repl.second_code = (odoo_seed.read("stock.warehouse", [w["id"]], ["code"])[0]["code"]
                                        for w in (repl.main, repl.second))
    return repl


def test_a_stock_snapshot_is_compared_with_odoos_quants_in_two_reads(client, stock, odoo_target):
    seed, second, main = stock.seed, stock.second_code, stock.main_code
    same, fewer, missing, extra, reserved, close = (stock.product(cost=1.0) for _ in range(6))
    for product, quantity in ((same, 10), (fewer, 4), (extra, 8), (close, 100)):
        seed.set_on_hand(product, quantity, stock.second["lot_stock_id"][0])
    seed.set_on_hand(reserved, 20)
    seed.quotation(seed.customer(), lines=[(reserved, 5, 10.0)], state="sale")  # Odoo reserves 5 of the 20
    records = [position(same, second, 10), position(fewer, second, 6), position(missing, second, 5),
               position(extra, main, 0), position(reserved, main, 15), position(reserved, main, 5, state="reserved"),
               position(reserved, main, 7, state="shipped"), position(close, second, 101)]
    if odoo_target.is_double:
        odoo_target.double.calls.clear()
    records = [canonical("canonical.inventory_position.v1", record) for record in records]
    answer = drift(client, "stock", records=records, tolerance={"percent": 1}, include_matches=True)
    calls = [call[:2] for call in odoo_target.double.calls if call[0] != "res.users"] \
        if odoo_target.is_double else None  # (the login reads the user and its companies once)
    by_product = {(item["product_id"], item["warehouse"]): item for item in answer["items"]}
    assert by_product[(same, second)]["status"] == "match"
    assert by_product[(same, second)]["odoo"] == quants_as_admin(seed, same, stock.second["id"])
    wrong = by_product[(fewer, second)]
    assert wrong["status"] == "different" and wrong["odoo"] == quants_as_admin(seed, fewer, stock.second["id"])
    assert wrong["differences"] == [{"measure": "on_hand", "snapshot": 6, "odoo": 4, "difference": 2}]
    assert by_product[(missing, second)]["status"] == "snapshot_only" and by_product[(missing, second)]["odoo"] is None
    assert by_product[(extra, second)]["status"] == "odoo_only"
    assert by_product[(extra, second)]["odoo"] == quants_as_admin(seed, extra, stock.second["id"]) == \
        {"on_hand": 8, "reserved": 0}
    assert by_product[(extra, main)]["status"] == "match" and by_product[(extra, main)]["odoo"] is None  # 0 and none
    assert by_product[(reserved, main)]["status"] == "match"  # shipped units are no longer on hand
    assert by_product[(reserved, main)]["odoo"] == quants_as_admin(seed, reserved, stock.main["id"]) == \
        {"on_hand": 20, "reserved": 5}
    assert by_product[(close, second)]["status"] == "within_tolerance"
    assert answer["totals"] == {"records": 7, "match": 3, "within_tolerance": 1, "different": 1, "snapshot_only": 1,
                                "odoo_only": 1}
    assert answer["drift"] is True and answer["odoo_reads"] == ["stock.warehouse", "stock.quant"]
    if odoo_target.is_double:  # the sidecar's own reads: the warehouses, then every quant at once
        assert calls == [("stock.warehouse", "search_read"), ("stock.quant", "search_read")]
    quiet = drift(client, "stock", records=[position(same, second, 10)])
    assert quiet["drift"] is False and quiet["items"] == [] and quiet["totals"]["match"] == 1


def test_the_sidecars_own_positions_are_compared_with_odoo(client, stock):
    product = stock.product(cost=1.0, second_stock=9)
    receipt = client.post("/v1/inventory/positions", json={"product_id": product, "warehouse": stock.second_code,
                                                             "quantity": 9}, headers=bearer()).json
    client.post(f"/v1/inventory/positions/{receipt['id']}/transitions",
                json={"from": "received", "to": "available", "quantity": 7}, headers=bearer())
    answer = drift(client, "stock", from_positions=True, warehouse=stock.second_code, include_matches=True)
    [item] = [i for i in answer["items"] if i["product_id"] == product]
    assert item["status"] == "match" and item["snapshot"] == {"on_hand": 9, "reserved": 0}
    client.post(f"/v1/inventory/positions/{receipt['id']}/adjustments",
                json={"state": "available", "quantity": -2, "reason": "damaged"}, headers=bearer())
    [item] = [i for i in drift(client, "stock", from_positions=True, warehouse=stock.second_code)["items"]
              if i["product_id"] == product]
    assert item["status"] == "different" and item["differences"][0]["difference"] == -2


def test_a_delta_or_a_malformed_record_is_a_400_naming_it(client):
    answer = client.post("/v1/drift/stock", json={"records": [position(1, "WH", 1, mode="delta")]}, headers=bearer())
    assert answer.status_code == 400
    assert {d["pointer"] for d in answer.json["error"]["details"]} == {"/records/0/mode"}
    broken = client.post("/v1/drift/prices", json={"records": [{"kind": "customer", "product": {"product_id": 1},
                                                                "price": 3}]}, headers=bearer())
    assert broken.status_code == 400 and broken.json["error"]["details"][0]["pointer"] == "/records/0"


def price(kind, product, amount, **extra):
    return canonical("canonical.price.v1", {"source": {"system": "pim", "ref": None}, "kind": kind,
            "product": {"sku": f"S{product}", "product_id": product, "default_code": None},
            "pricelist": extra.pop("pricelist", {"id": None, "name": None}), "partner_id": extra.pop("partner_id", None),
            "price": amount, "currency": "USD", "uom": {"id": 1, "name": "Units"},
            "min_quantity": extra.pop("min_quantity", 0), "date_start": extra.pop("date_start", None),
            "date_end": extra.pop("date_end", None), **extra})


def test_prices_are_compared_with_list_prices_pricelist_items_and_vendor_prices(client, odoo_seed, odoo_target):
    prices = PriceSeed(odoo_seed)
    pricelist = prices.pricelist()
    name = odoo_seed.read("product.pricelist", [pricelist], ["name"])[0]["name"]
    (t_same, v_same), (_t_off, v_off), (_t_none, v_none), (t_extra, v_extra) = (
        prices.product(cost=10.0, price=100.0) for _ in range(4))
    start = moment(-1)
    prices.item(pricelist, t_same, 90.0, date_start=start)
    odoo_seed.call("product.pricelist.item", "create", {"pricelist_id": pricelist, "applied_on": "0_product_variant",
                                                        "product_id": v_off, "compute_price": "fixed",
                                                        "fixed_price": 50.0, "min_quantity": 10})
    prices.item(pricelist, t_extra, 70.0)
    vendor = odoo_seed.customer()
    odoo_seed.call("product.supplierinfo", "create", {"partner_id": vendor, "product_tmpl_id": t_same, "price": 8.0,
                                                      "min_qty": 5})
    records = [price("list", v_same, 100.0), price("list", v_off, 99.0),
               price("promotion", v_same, 90.0, pricelist={"id": None, "name": name},
                     date_start=start[:10]),
               price("quantity_break", v_off, 55.0, pricelist={"id": pricelist, "name": None}, min_quantity=10),
               price("customer", v_none, 30.0, pricelist={"id": pricelist, "name": None}),
               price("list", v_extra, 100.0), price("list", v_extra, 70.0, pricelist={"id": pricelist, "name": None}),
               price("supplier", v_same, 8.0, partner_id=vendor, min_quantity=5)]
    answer = drift(client, "prices", records=records, include_matches=True)
    items = {(i["kind"], i["product_id"], i.get("pricelist_id")): i for i in answer["items"]}
    as_admin = {r["id"]: r["lst_price"] for r in odoo_seed.read("product.product", [v_same, v_off], ["lst_price"])}
    assert items[("list", v_same, None)]["status"] == "match" and items[("list", v_same, None)]["odoo"]["price"] == \
        as_admin[v_same] == 100
    assert items[("list", v_off, None)]["differences"] == [{"measure": "price", "snapshot": 99, "odoo": 100,
                                                            "difference": -1}]
    odoo_items = {i["product_id"][0] if i["product_id"] else i["product_tmpl_id"][0]: i for i in prices.items(pricelist)}
    same = items[("pricelist", v_same, pricelist)]
    assert same["status"] == "match" and same["date_start"] == odoo_items[t_same]["date_start"][:10] == start[:10]
    off = items[("pricelist", v_off, pricelist)]
    assert off["status"] == "different" and off["min_quantity"] == 10
    assert off["differences"] == [{"measure": "price", "snapshot": 55, "odoo": odoo_items[v_off]["fixed_price"],
                                   "difference": 5}]
    assert items[("pricelist", v_none, pricelist)]["status"] == "snapshot_only"
    assert items[("pricelist", v_extra, pricelist)]["status"] == "match"  # a list price on a named pricelist
    assert items[("pricelist", v_extra, pricelist)]["odoo"]["price"] == odoo_items[t_extra]["fixed_price"]
    assert items[("supplier", v_same, None)]["status"] == "match"
    assert answer["odoo_reads"] == ["product.pricelist", "product.product", "product.pricelist.item",
                                    "product.supplierinfo"]
    assert answer["totals"]["records"] == 8 and answer["drift"] is True
    extra_only = drift(client, "prices", records=[price("list", v_extra, 100.0), price(
        "customer", v_same, 90.0, pricelist={"id": pricelist, "name": None}, date_start=start[:10])])
    assert [(i["kind"], i["product_id"], i["status"]) for i in extra_only["items"]] == [
        ("pricelist", v_extra, "odoo_only")]  # the pricelist is in the snapshot, the item on v_extra is not
    within = drift(client, "prices", records=[price("list", v_off, 99.0)], tolerance={"units": 1})
    assert within["items"][0]["status"] == "within_tolerance" and within["drift"] is False
    unknown = client.post("/v1/drift/prices", json={"records": [price("customer", v_same, 1.0, pricelist={
        "id": None, "name": "No such pricelist 9"})]}, headers=bearer())
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "pricelist_not_found"
