"""End to end in a real n8n for WMS stock: the warehouse system's snapshot and delta -> the WMS stock workflow ->
POST /v1/ingest/wms-stock (SKUs, units and cases through the mappings; the WMS is the system of record for the
warehouse's stock) + worker -> Odoo's counted quants, applied. The stack is tests/e2e/conftest.py's; quantities
are read back from Odoo as admin."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import wait_for
from tests.e2e.ingest_support import ingested, mappings, post, refused_without_token, settle
from tests.support.odoo_seed import unique

pytestmark = pytest.mark.e2e

PATH = "ingest/wms-stock"
SOURCE = "wms-main"


def on_hand(odoo_seed, product_id, location_id):
    rows = odoo_seed.search_read("stock.quant", [("product_id", "=", product_id), ("location_id", "=", location_id)],
                                 ["quantity"])
    return sum(r["quantity"] for r in rows)


def job_of(product_id: int) -> str:
    """How a stock job's payload names the product (its items' first keys)."""
    return f'"product_id": {product_id}, "location_id"'


def inventory_moves(odoo_seed, product_id):
    return odoo_seed.search_read("stock.move", [("product_id", "=", product_id), ("is_inventory", "=", True),
                                                ("name", "like", "Stock sync (Ref:")], ["product_uom_qty"])


def test_a_snapshot_then_a_delta_posted_twice_count_the_stock_once(stack, odoo_seed):
    location = odoo_seed.stock_location_id()
    [warehouse] = odoo_seed.search_read("stock.warehouse", [("lot_stock_id", "=", location)], ["code"])
    desk = odoo_seed.product(cost=80.0, price=150.0, on_hand=5)
    paper = odoo_seed.product(cost=2.0, price=4.0, on_hand=0)
    desk_sku, paper_sku = unique("DESK").replace(" ", "-"), unique("PAPER").replace(" ", "-")
    mappings(stack, "skus", SOURCE, [{"sku": desk_sku, "product_id": desk}, {"sku": paper_sku, "product_id": paper}])
    mappings(stack, "units", SOURCE, [{"unit": "EA", "uom_id": odoo_seed.uom_id("Units")}])
    mappings(stack, "packs", SOURCE, [{"unit": "CS", "product_id": paper, "quantity": 5}])
    snapshot = {"mode": "snapshot", "warehouse": warehouse["code"], "as_of": "2026-12-06T06:00:00+01:00",
                "generated_by": "WMS 9.4 nightly export", "lines": [
                    {"id": "INV-0001", "sku": desk_sku, "location": "A-01-02", "lot": None, "state": "available",
                     "quantity": 14, "unit": "EA"},
                    {"id": "INV-0002", "sku": desk_sku, "location": "QC-01", "lot": None, "state": "quality_hold",
                     "quantity": 2, "unit": "EA"},
                    {"id": "INV-0003", "sku": paper_sku, "location": "B-07-01", "lot": None, "state": "available",
                     "quantity": 3, "unit": "CS"}]}
    delta = {"mode": "delta", "warehouse": warehouse["code"], "as_of": "2026-12-06T10:15:00Z", "lines": [
        {"sku": paper_sku, "location": "B-07-01", "state": "available", "quantity": -4, "unit": "EA"}]}
    letters_before, asked = stack.n8n_letters(), ingested(stack, "wms-stock")
    refused_without_token(stack, PATH, json.dumps(snapshot).encode(), "application/json")

    post(stack, PATH, json.dumps(snapshot).encode(), "application/json")
    settle(stack, "wms-stock", asked + 1, "sync_stock", job_of(desk))
    # Odoo's on-hand holds what the WMS has on hold too: the snapshot's on-hand states add up.
    assert (on_hand(odoo_seed, desk, location), on_hand(odoo_seed, paper, location)) == (16.0, 15.0)

    for _ in range(2):  # the WMS sends its delta again: it is counted once
        post(stack, PATH, json.dumps(delta).encode(), "application/json")
    settle(stack, "wms-stock", asked + 3, "sync_stock", job_of(paper))
    assert (on_hand(odoo_seed, desk, location), on_hand(odoo_seed, paper, location)) == (16.0, 11.0)
    assert sorted(m["product_uom_qty"] for m in inventory_moves(odoo_seed, paper)) == [4.0, 15.0]
    assert [m["product_uom_qty"] for m in inventory_moves(odoo_seed, desk)] == [11.0]
    assert stack.n8n_letters() == letters_before


def test_an_unmapped_sku_waits_as_one_dead_letter_and_is_counted_once_mapped(stack, odoo_seed):
    location = odoo_seed.stock_location_id()
    [warehouse] = odoo_seed.search_read("stock.warehouse", [("lot_stock_id", "=", location)], ["code"])
    chair = odoo_seed.product(cost=30.0, price=60.0, on_hand=1)
    sku = unique("CHAIR").replace(" ", "-")
    mappings(stack, "units", SOURCE, [{"unit": "EA", "uom_id": odoo_seed.uom_id("Units")}])
    snapshot = {"mode": "snapshot", "warehouse": warehouse["code"], "as_of": "2026-12-06T06:00:00Z", "lines": [
        {"id": "INV-0100", "sku": sku, "location": "A-02-01", "lot": None, "state": "available", "quantity": 6,
         "unit": "EA"}]}
    letters_before, asked = stack.n8n_letters(), ingested(stack, "wms-stock")
    post(stack, PATH, json.dumps(snapshot).encode(), "application/json")
    post(stack, PATH, json.dumps(snapshot).encode(), "application/json")

    def waiting():
        items = stack.sidecar("GET", "/v1/dead-letters", params={"category": "mapping_missing", "limit": 200}).json()
        return [d for d in items["items"] if sku in json.dumps(d) and d["status"] == "open"]

    wait_for(lambda: ingested(stack, "wms-stock") >= asked + 2, "both ingests", logs=stack.logs)
    [letter] = wait_for(waiting, "the mapping-missing dead letter", logs=stack.logs)  # one, though posted twice
    detail = stack.sidecar("GET", f"/v1/dead-letters/{letter['id']}").json()["detail"]
    assert (detail["source"], detail["adapter"], detail["error"]["code"]) == (SOURCE, "wms-stock", "mapping_missing")
    assert on_hand(odoo_seed, chair, location) == 1.0
    assert stack.n8n_letters() == letters_before  # waiting for a mapping is not an n8n failure

    mappings(stack, "skus", SOURCE, [{"sku": sku, "product_id": chair}])
    replayed = stack.sidecar("POST", f"/v1/dead-letters/{letter['id']}/replay")
    assert replayed.status_code == 202 and replayed.json()["result"]["accepted"] == 1, replayed.text
    settle(stack, "wms-stock", asked + 2, "sync_stock", job_of(chair))
    assert on_hand(odoo_seed, chair, location) == 6.0
    again = stack.sidecar("POST", f"/v1/dead-letters/{letter['id']}/replay")
    assert again.status_code == 409, again.text  # replayed once: a second replay is refused
    assert on_hand(odoo_seed, chair, location) == 6.0
