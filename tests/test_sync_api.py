"""POST /v1/sync/{target}: canonical records into Odoo in batches, once, with an answer per record; then
the outbox worker against Odoo (the double, or a real Odoo 17 with SIDECAR_LIVE=1 as the integration user).
Expected values are read back from Odoo as admin."""
from __future__ import annotations

import dataclasses
import random

import pytest

from sidecar.odoo import OdooError, writeback
from sidecar.store import jobs
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.support.odoo_seed import unique


# The systems of record the sync writes for (SIDECAR_AUTHORITY): Odoo owns whatever is not listed.
AUTHORITY = {"orders": {"*": "shop-eu"}, "prices": {"*": "pim"}, "stock": {"*": "wms-main"},
             "receipts": {"*": "acme-supplies"}}


@pytest.fixture(autouse=True)
def authority(services, monkeypatch):
    monkeypatch.setattr(services, "settings", dataclasses.replace(services.settings, authority=AUTHORITY))


def product_ref(product_id, sku="SKU"):
    return {"sku": sku, "product_id": product_id, "default_code": None}


def order(external_id, partner_id, lines, channel="web"):
    """A canonical.order.v1 record as an adapter writes it (products and partner mapped)."""
    return {"source": {"system": "shop-eu", "ref": external_id}, "external_id": external_id, "channel": channel,
            "partner": {"external_id": f"cust-{partner_id}", "partner_id": partner_id}, "currency": "USD",
            "date_order": "2026-12-01T09:30:00Z", "requested_date": "2026-12-10",
            "lines": [{"sku": "SKU", "product": product_ref(product), "quantity": qty, "uom": {"id": 1, "name": "Units"},
                       "price_unit": price, "discount": 0, "taxes": [], "requested_date": None}
                      for product, qty, price in lines],
            "shipping_address": None, "note": "Leave at the door"}


def orders_in_odoo(seed, refs):
    rows = seed.search_read("sale.order", [("client_order_ref", "in", refs)],
                            ["client_order_ref", "partner_id", "order_line", "commitment_date", "state"])
    return {row["client_order_ref"]: row for row in rows}


@pytest.fixture
def catalogue(odoo_seed):
    customer = odoo_seed.customer()
    first = odoo_seed.product(cost=5.0, price=12.0)
    second = odoo_seed.product(cost=7.0, price=20.0)
    return customer, first, second


def test_orders_are_created_in_one_batch_with_an_answer_per_record(client, worker, odoo_seed, catalogue):
    customer, first, second = catalogue
    a, b = unique("SO-A").replace(" ", ""), unique("SO-B").replace(" ", "")
    unmapped = order(unique("SO-C").replace(" ", ""), customer, [(first, 1, 9.0)])
    unmapped["lines"][0]["product"]["product_id"] = None
    negative = order(unique("SO-D").replace(" ", ""), customer, [(first, -3, 9.0)])
    body = {"source": "shop-eu", "records": [order(a, customer, [(first, 2, 11.5), (second, 1, 19.0)]), unmapped,
                                             order(b, customer, [(second, 4, 18.0)]), negative]}
    answer = client.post("/v1/sync/orders", json=body, headers=bearer())
    assert answer.status_code == 200, answer.json
    records = answer.json["records"]
    assert [r["status"] for r in records] == ["accepted", "rejected", "accepted", "rejected"]
    assert records[1]["error"]["code"] == "invalid_payload"  # a canonical product reference is always mapped
    assert records[1]["error"]["details"][0]["pointer"] == "/records/1/lines/0/product/product_id"
    assert records[3]["error"]["code"] == "invalid_payload"
    assert records[3]["error"]["details"][0]["pointer"] == "/records/3/lines/0/quantity"
    job_id = answer.json["job"]["id"]
    assert records[0]["job_id"] == records[2]["job_id"] == job_id
    assert orders_in_odoo(odoo_seed, [f"shop-eu:{a}", f"shop-eu:{b}"]) == {}  # queued, not written yet
    worker.drain()
    found = orders_in_odoo(odoo_seed, [f"shop-eu:{a}", f"shop-eu:{b}"])
    assert set(found) == {f"shop-eu:{a}", f"shop-eu:{b}"}
    lines = odoo_seed.read("sale.order.line", found[f"shop-eu:{a}"]["order_line"],
                           ["product_id", "product_uom_qty", "price_unit"])
    assert sorted((l["product_id"][0], l["product_uom_qty"], l["price_unit"]) for l in lines) == sorted(
        [(first, 2.0, 11.5), (second, 1.0, 19.0)])
    assert found[f"shop-eu:{a}"]["commitment_date"] == "2026-12-10 00:00:00"
    # The same records again: they join the job already queued, and Odoo gets nothing twice.
    again = client.post("/v1/sync/orders", json=body, headers=bearer())
    assert again.json["job"]["id"] == job_id and again.json["job"]["state"] == "done"
    worker.drain()
    assert len(odoo_seed.search_read("sale.order", [("client_order_ref", "in", [f"shop-eu:{a}", f"shop-eu:{b}"])],
                                     ["id"])) == 2


def test_nothing_is_queued_when_every_record_is_bad_and_a_key_answers_the_same(client, services, catalogue):
    customer, first, _second = catalogue
    bad = order("X-1", customer, [(first, 1, 1.0)])
    bad["lines"] = []
    headers = {**bearer(), "Idempotency-Key": unique("sync-key").replace(" ", "-")}
    answer = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": [bad]}, headers=headers)
    assert answer.status_code == 200 and answer.json["job"] is None and answer.json["rejected"] == 1
    with services.db.read() as conn:
        assert jobs.count_by_state(conn) == {}
    again = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": [bad]}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == answer.json
    other = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": [bad, bad]}, headers=headers)
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("body, status, code", [
    ({"source": "shop-eu", "records": []}, 400, "invalid_payload"),
    ({"source": "", "records": [{}]}, 400, "invalid_payload"),
    ({"records": [{}]}, 400, "invalid_payload"),
    ({"source": "shop-eu", "records": [{}] * 1001}, 413, "too_many_records"),
    ({"source": " Odoo ", "records": [{}]}, 400, "invalid_source"),  # would pass every authority check
    # Whitespace to one regex dialect only (U+FEFF to ECMA-262, U+001F to Python): still blank, still odoo.
    ({"source": "\ufeff\x1f", "records": [{}]}, 400, "invalid_payload"),
    ({"source": "\ufeff\tODOo\x1f", "records": [{}]}, 400, "invalid_source"),
])
def test_a_request_that_cannot_be_read_is_a_clear_4xx(client, body, status, code):
    answer = client.post("/v1/sync/orders", json=body, headers=bearer())
    assert answer.status_code == status and answer.json["error"]["code"] == code


def test_an_ingest_cannot_claim_to_come_from_odoo(client):
    answer = client.post("/v1/ingest/wms-stock?source=odoo", data=b"{}", headers=bearer(),
                         content_type="application/json")
    assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid_source"


def test_an_unknown_target_is_a_404_naming_the_known_ones(client):
    answer = client.post("/v1/sync/planets", json={"source": "x", "records": [{}]}, headers=bearer())
    assert answer.status_code == 404 and "orders" in answer.json["error"]["details"][0]["known"]


def test_a_twin_record_in_one_request_is_rejected(client, catalogue):
    customer, first, _second = catalogue
    record = order(unique("SO-T").replace(" ", ""), customer, [(first, 1, 1.0)])
    answer = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": [record, record]}, headers=bearer())
    assert [r["status"] for r in answer.json["records"]] == ["accepted", "rejected"]
    assert answer.json["records"][1]["error"]["code"] == "duplicate_record"


def test_a_worker_crash_mid_batch_creates_no_duplicate(client, services, worker, odoo_seed, catalogue):
    customer, first, second = catalogue
    refs = [unique("SO-K").replace(" ", "") for _ in range(3)]
    body = {"source": "shop-eu", "records": [order(ref, customer, [(first, 1, 3.0), (second, 2, 4.0)]) for ref in refs]}
    answer = client.post("/v1/sync/orders", json=body, headers=bearer())
    with services.db.transaction() as conn:
        job = jobs.claim_next(conn, lambda operation: 0.0)  # a worker takes it and its lease ends at once
    assert job["id"] == answer.json["job"]["id"]
    writeback.run(services.odoo, job["operation"], job["payload"])  # Odoo wrote; the worker died before recording
    worker.drain()  # another worker takes the job back and runs it again
    with services.db.read() as conn:
        done = jobs.get(conn, job["id"])
    assert done["state"] == "done" and done["crashes"] == 1 and done["result"]["effect"] == "already_done"
    assert len(orders_in_odoo(odoo_seed, [f"shop-eu:{ref}" for ref in refs])) == 3


def price(product_id, pricelist_id, amount, min_quantity=0, start=None, end=None, kind="customer"):
    return {"source": {"system": "pim", "ref": None}, "kind": kind, "product": product_ref(product_id),
            "pricelist": {"id": pricelist_id, "name": None}, "partner_id": None, "price": amount, "currency": "USD",
            "min_quantity": min_quantity, "date_start": start, "date_end": end}


def items_in_odoo(seed, pricelist_id):
    rows = seed.search_read("product.pricelist.item", [("pricelist_id", "=", pricelist_id)],
                            ["product_id", "min_quantity", "fixed_price", "date_start", "date_end"], order="id")
    return [(r["product_id"][0], r["min_quantity"], r["fixed_price"], r["date_start"], r["date_end"]) for r in rows]


def vendor_prices(seed, product_ids):
    rows = seed.search_read("product.supplierinfo", [("product_id", "in", product_ids)],
                            ["partner_id", "product_id", "product_tmpl_id", "min_qty", "price", "currency_id",
                             "date_start"], order="id")
    return [(r["partner_id"][0], r["product_id"][0], r["min_qty"], r["price"], r["currency_id"][1], r["date_start"])
            for r in rows]


def test_prices_are_written_once_by_their_key_and_a_new_price_updates_the_item(client, worker, odoo_seed, catalogue):
    _customer, first, second = catalogue
    pricelist = odoo_seed.pricelist("USD", 1.0)
    vendor = odoo_seed.customer("Vendor")
    supplier = {**price(second, None, 3.5, min_quantity=12, start="2027-01-01", kind="supplier"),
                "pricelist": {"id": None, "name": None}, "partner_id": vendor}
    body = {"source": "pim", "records": [price(first, pricelist, 10.0), price(first, pricelist, 9.0, min_quantity=10),
                                         price(second, pricelist, 15.0, start="2027-01-01", end="2027-02-01"),
                                         supplier, {**supplier, "partner_id": None}]}
    answer = client.post("/v1/sync/prices", json=body, headers=bearer())
    assert [r["status"] for r in answer.json["records"]] == ["accepted"] * 4 + ["rejected"]
    assert answer.json["records"][4]["error"]["details"][0]["pointer"] == "/records/4/partner_id"
    worker.drain()
    assert items_in_odoo(odoo_seed, pricelist) == [(first, 0.0, 10.0, False, False), (first, 10.0, 9.0, False, False),
                                                   (second, 0.0, 15.0, "2027-01-01 00:00:00", "2027-02-01 00:00:00")]
    assert vendor_prices(odoo_seed, [second]) == [(vendor, second, 12.0, 3.5, "USD", "2027-01-01")]
    body["records"][0]["price"] = 11.0
    body["records"][3]["price"] = 3.25
    client.post("/v1/sync/prices", json=body, headers=bearer())
    worker.drain()
    assert items_in_odoo(odoo_seed, pricelist)[0] == (first, 0.0, 11.0, False, False)
    assert len(items_in_odoo(odoo_seed, pricelist)) == 3
    assert vendor_prices(odoo_seed, [second]) == [(vendor, second, 12.0, 3.25, "USD", "2027-01-01")]


def test_a_batch_odoo_refuses_writes_nothing_and_waits_as_a_dead_letter(client, worker, services, odoo_seed, catalogue):
    _customer, first, second = catalogue
    pricelist = odoo_seed.pricelist("EUR", 1.0)
    body = {"source": "pim", "records": [price(first, pricelist, 10.0), {**price(second, pricelist, 2.0),
                                                                          "currency": "EUR"}]}
    answer = client.post("/v1/sync/prices", json=body, headers=bearer())
    assert answer.json["accepted"] == 2
    worker.drain()
    with services.db.read() as conn:
        job = jobs.get(conn, answer.json["job"]["id"])
    assert job["state"] == "dead" and job["category"] == "validation_error" and "is in EUR" in job["last_error"]
    assert items_in_odoo(odoo_seed, pricelist) == []  # the price in EUR is not written either
    [letter] = client.get("/v1/dead-letters?category=validation_error", headers=bearer(ALL_SCOPES_KEY)).json["items"]
    assert letter["ref"] == job["id"]


def position(product_id, quantity, mode="snapshot", ref="1", location_id=None, code="WH"):
    return {"source": {"system": "wms-main", "ref": ref}, "product": product_ref(product_id),
            "warehouse": {"code": code, "id": None}, "location": {"code": None, "id": location_id}, "lot": None,
            "state": "available", "quantity": quantity, "uom": {"id": 1, "name": "Units"}, "mode": mode,
            "as_of": "2026-12-06T08:00:00Z"}


def on_hand(seed, product_id, location_id):
    rows = seed.search_read("stock.quant", [("product_id", "=", product_id), ("location_id", "=", location_id)],
                            ["quantity"])
    return sum(r["quantity"] for r in rows)


def test_stock_snapshot_and_delta_are_applied_once(client, services, worker, odoo_seed):
    location = odoo_seed.stock_location_id()
    counted, moved = odoo_seed.product(cost=1.0, price=2.0, on_hand=5), odoo_seed.product(cost=1.0, price=2.0, on_hand=8)
    code = odoo_seed.search_read("stock.warehouse", [("lot_stock_id", "=", location)], ["code"])[0]["code"]
    body = {"source": "wms-main", "records": [position(counted, 12, location_id=location),
                                              {**position(counted, 3, location_id=location), "state": "reserved"},
                                              position(moved, -3, mode="delta", code=code),
                                              {**position(moved, 1), "state": "shipped"},
                                              {**position(moved, 1, mode="delta"), "state": "reserved"}]}
    answer = client.post("/v1/sync/stock", json=body, headers=bearer())
    assert [r["status"] for r in answer.json["records"]] == ["accepted"] * 3 + ["rejected"] * 2
    assert {r["error"]["code"] for r in answer.json["records"][3:]} == {"unsupported_record"}
    with services.db.transaction() as conn:
        job = jobs.claim_next(conn, lambda operation: 0.0)
    writeback.run(services.odoo, job["operation"], job["payload"])  # applied; the worker crashed before recording
    worker.drain()
    # Odoo's on-hand holds reserved stock too: the snapshot's available and reserved add up
    assert (on_hand(odoo_seed, counted, location), on_hand(odoo_seed, moved, location)) == (15.0, 5.0)
    with services.db.read() as conn:
        assert jobs.get(conn, job["id"])["result"]["effect"] == "already_done"
    moves = odoo_seed.search_read("stock.move", [("product_id", "in", [counted, moved]), ("is_inventory", "=", True),
                                                 ("name", "like", "Stock sync (Ref:")], ["product_uom_qty"])
    assert sorted(m["product_uom_qty"] for m in moves) == [3.0, 10.0]


def asn(po_name, products, expected_at, asn_id="ASN-1"):
    return {"source": {"system": "acme-supplies", "ref": asn_id}, "asn_id": asn_id,
            "supplier": {"external_id": "ACME", "partner_id": 1}, "purchase_order": po_name,
            "shipped_at": "2026-12-06T06:00:00Z", "expected_at": expected_at,
            "lines": [{"sku": "SKU", "product": product_ref(p), "quantity": 1, "uom": {"id": 1, "name": "Units"},
                       "lot": None} for p in products]}


def test_an_asn_moves_the_expected_arrival_of_its_lines_and_receipt(client, worker, odoo_seed):
    vendor = odoo_seed.customer("Vendor")
    shipped, other = odoo_seed.product(cost=3.0, price=5.0), odoo_seed.product(cost=3.0, price=5.0)
    po = odoo_seed.call("purchase.order", "create", {"partner_id": vendor, "order_line": [
        (0, 0, {"product_id": shipped, "product_qty": 5.0, "price_unit": 3.0}),
        (0, 0, {"product_id": other, "product_qty": 2.0, "price_unit": 3.0})]})
    odoo_seed.call("purchase.order", "button_confirm", [po])
    name = odoo_seed.read("purchase.order", [po], ["name"])[0]["name"]
    before = {l["product_id"][0]: l["date_planned"] for l in odoo_seed.search_read(
        "purchase.order.line", [("order_id", "=", po)], ["product_id", "date_planned"])}
    body = {"source": "acme-supplies", "records": [asn(name, [shipped], "2027-03-04T10:00:00Z"),
                                                   asn("NO-SUCH-PO", [shipped], "bad date", asn_id="ASN-2")]}
    answer = client.post("/v1/sync/receipts", json=body, headers=bearer())
    assert [r["status"] for r in answer.json["records"]] == ["accepted", "rejected"]
    assert answer.json["records"][1]["error"]["details"][0]["pointer"] == "/records/1/expected_at"
    worker.drain()
    lines = {l["product_id"][0]: l["date_planned"] for l in odoo_seed.search_read(
        "purchase.order.line", [("order_id", "=", po)], ["product_id", "date_planned"])}
    assert lines == {shipped: "2027-03-04 10:00:00", other: before[other]}
    [receipt] = odoo_seed.search_read("stock.picking", [("origin", "=", name)], ["scheduled_date", "picking_type_code"])
    assert receipt["picking_type_code"] == "incoming" and receipt["scheduled_date"] == "2027-03-04 10:00:00"


def shipment(picking=None, origin=None, code="1Z999", status="in_transit", events=()):
    return {"source": {"system": "easypost", "ref": code}, "tracking_code": code, "carrier": "UPS", "status": status,
            "picking": {"name": picking, "origin": origin}, "estimated_delivery": "2026-12-09T18:00:00Z",
            "events": [{"at": at, "status": st, "message": msg,
                        "location": {"city": "Lyon", "state": None, "country": "FR", "zip": None}}
                       for at, st, msg in events]}


def test_tracking_sets_the_delivery_reference_and_notes_each_status_once(client, worker, odoo_seed, catalogue):
    customer, first, _second = catalogue
    odoo_seed.set_on_hand(first, 10)
    order_id = odoo_seed.quotation(customer, [(first, 1)], state="sale")
    order_name = odoo_seed.read("sale.order", [order_id], ["name"])[0]["name"]
    [delivery] = odoo_seed.search_read("stock.picking", [("origin", "=", order_name)], ["name"])
    code = unique("1Z").replace(" ", "")
    moving = shipment(origin=order_name, code=code, events=[("2026-12-06T07:00:00Z", "in_transit", "Departed")])
    answer = client.post("/v1/sync/tracking", json={"source": "easypost", "records": [moving]}, headers=bearer())
    assert answer.json["accepted"] == 1, answer.json
    worker.drain()
    delivered = shipment(picking=delivery["name"], code=code, status="delivered",
                         events=[("2026-12-06T07:00:00Z", "in_transit", "Departed"),
                                 ("2026-12-07T15:00:00Z", "delivered", "Left at front door")])
    client.post("/v1/sync/tracking", json={"source": "easypost", "records": [delivered]}, headers=bearer())
    client.post("/v1/sync/tracking", json={"source": "easypost", "records": [delivered]}, headers=bearer())
    worker.drain()
    returned = shipment(code=code, status="returned", events=[("2026-12-09T09:00:00Z", "returned", "Refused")])
    answer = client.post("/v1/sync/tracking", json={"source": "easypost", "records": [returned]}, headers=bearer())
    assert answer.json["accepted"] == 1  # no delivery named: the one carrying the tracking code
    worker.drain()
    row = odoo_seed.read("stock.picking", [delivery["id"]], ["carrier_tracking_ref"])[0]
    assert row["carrier_tracking_ref"] == code
    notes = [m["body"] for m in odoo_seed.search_read("mail.message", [("model", "=", "stock.picking"),
                                                                      ("res_id", "=", delivery["id"]),
                                                                      ("body", "ilike", code)], ["body"], order="id")]
    assert len(notes) == 3
    assert "in transit" in notes[0] and "delivered" in notes[1] and "Left at front door" in notes[1]
    assert "returned" in notes[2] and "Refused" in notes[2]


def test_stock_jobs_are_claimed_before_price_jobs_queued_earlier(client, services, odoo_seed, catalogue):
    _customer, first, _second = catalogue
    pricelist = odoo_seed.pricelist("USD", 1.0)
    priced = client.post("/v1/sync/prices", json={"source": "pim", "records": [price(first, pricelist, 4.0)]},
                         headers=bearer()).json["job"]
    counted = client.post("/v1/sync/stock", json={"source": "wms-main", "records": [
        position(first, 3, location_id=odoo_seed.stock_location_id())]}, headers=bearer()).json["job"]
    assert (priced["priority"], counted["priority"]) == (10, 40)
    with services.db.transaction() as conn:
        assert jobs.claim_next(conn, lambda operation: 60.0)["id"] == counted["id"]
        assert jobs.claim_next(conn, lambda operation: 60.0)["id"] == priced["id"]


def test_priorities_are_configurable(client, services, catalogue, monkeypatch):
    customer, first, _second = catalogue
    monkeypatch.setattr(services, "settings", dataclasses.replace(services.settings, sync_priorities={"orders": 99}))
    answer = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": [
        order(unique("SO-P").replace(" ", ""), customer, [(first, 1, 1.0)])]}, headers=bearer())
    assert answer.json["job"]["priority"] == 99


def test_batches_of_one_source_and_target_are_written_in_order(client, services, odoo_seed):
    location = odoo_seed.stock_location_id()
    product = odoo_seed.product(cost=1.0, price=2.0)
    older, newer = ({"source": source, "records": [{**position(product, qty, location_id=location),
                                                     "source": {"system": source, "ref": str(qty)}}]}
                    for source, qty in (("wms-main", 5), ("wms-main", 7)))
    first = client.post("/v1/sync/stock", json=older, headers=bearer()).json["job"]
    second = client.post("/v1/sync/stock", json=newer, headers=bearer()).json["job"]
    with services.db.transaction() as conn:
        claimed = jobs.claim_next(conn, lambda operation: 60.0)
        assert claimed["id"] == first["id"]
        assert jobs.claim_next(conn, lambda operation: 60.0) is None  # the newer snapshot waits for the older
        jobs.set_done(conn, claimed["id"], claimed["claim_token"], {})
        assert jobs.claim_next(conn, lambda operation: 60.0)["id"] == second["id"]


@pytest.fixture
def vat(odoo_seed):
    """A sales tax of a rate no other active sales tax of the company has (Odoo's demo data has 15 %; a real
    database keeps the taxes of earlier runs: archived after). Drawn from a generator of its own, so that no
    test seeding Python's shared one can make it collide."""
    taken = {round(found["amount"], 4) for found in odoo_seed.search_read(
        "account.tax", [("type_tax_use", "=", "sale"), ("company_id", "=", odoo_seed.company_id())], ["amount"])}
    draw = random.Random()
    rate = next(rate for rate in (round(draw.uniform(5.0, 30.0), 2) for _ in range(1000)) if rate not in taken)
    tax = odoo_seed.sale_tax(rate)
    yield rate, tax
    odoo_seed.call("account.tax", "write", [tax], {"active": False})


def test_order_lines_carry_the_taxes_the_shop_charged_and_odoo_totals_agree(client, worker, odoo_seed, catalogue,
                                                                             vat):
    customer, first, second = catalogue
    rate, tax = vat
    charged, default = unique("SO-T").replace(" ", ""), unique("SO-U").replace(" ", "")
    taxed = order(charged, customer, [(first, 2, 50.0), (second, 1, 20.0)])
    taxed["lines"][0]["taxes"] = [{"name": "VAT", "rate": rate}]  # the second line was sold tax-exempt: []
    untold = order(default, customer, [(first, 1, 10.0)])
    del untold["lines"][0]["taxes"]  # the record does not say: Odoo applies the product's own taxes
    shop_tax = round(100.0 * rate / 100, 2)  # what the shop charged: 2 x 50.00 at the rate, 20.00 without tax
    taxed["amount_total"] = round(120.0 + shop_tax, 2)  # a float sum such as 120.0 + 17.17 is 137.17000000000002
    answer = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": [taxed, untold]}, headers=bearer())
    assert answer.json["accepted"] == 2, answer.json
    worker.drain()
    found = orders_in_odoo(odoo_seed, [f"shop-eu:{charged}", f"shop-eu:{default}"])
    lines = odoo_seed.read("sale.order.line", found[f"shop-eu:{charged}"]["order_line"], ["product_id", "tax_id"])
    assert sorted((line["product_id"][0], line["tax_id"]) for line in lines) == sorted([(first, [tax]), (second, [])])
    [line] = odoo_seed.read("sale.order.line", found[f"shop-eu:{default}"]["order_line"], ["tax_id"])
    assert line["tax_id"] == odoo_seed.read("product.product", [first], ["taxes_id"])[0]["taxes_id"] != []
    [totals] = odoo_seed.read("sale.order", [found[f"shop-eu:{charged}"]["id"]], ["amount_tax", "amount_total"])
    assert (totals["amount_tax"], totals["amount_total"]) == (shop_tax, taxed["amount_total"])


def test_a_rate_without_exactly_one_odoo_tax_fails_the_job_before_anything_is_written(client, worker, services,
                                                                                     odoo_seed, catalogue, vat):
    customer, first, _second = catalogue
    rate, tax = vat
    twin = odoo_seed.sale_tax(rate, "Sales tax")
    refs = [unique("SO-V").replace(" ", "") for _ in range(2)]
    records = [order(ref, customer, [(first, 1, 10.0)]) for ref in refs]
    records[0]["lines"][0]["taxes"] = [{"name": "VAT", "rate": rate}]
    records[1]["lines"][0]["taxes"] = [{"name": "VAT", "rate": rate + 0.5}]
    answer = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": records}, headers=bearer())
    worker.drain()
    with services.db.read() as conn:
        job = jobs.get(conn, answer.json["job"]["id"])
    assert job["state"] == "dead" and job["category"] == "validation_error", job
    assert f"2 sales taxes of {rate:g}%" in job["last_error"] and f"(id {tax})" in job["last_error"]
    assert f"(id {twin})" in job["last_error"] and f"shop-eu:{refs[0]}" in job["last_error"]
    odoo_seed.call("account.tax", "write", [twin], {"active": False})  # one tax of the rate left
    with pytest.raises(OdooError) as caught:
        writeback.run(services.odoo, job["operation"], job["payload"])
    assert caught.value.category == "record_missing"
    assert f"no sales tax of {rate + 0.5:g}%" in caught.value.message and f"shop-eu:{refs[1]}" in caught.value.message
    assert orders_in_odoo(odoo_seed, [f"shop-eu:{ref}" for ref in refs]) == {}


def test_a_tax_mapping_picks_one_of_two_sales_taxes_of_the_rate_and_an_archived_one_fails_the_job(
        client, worker, services, odoo_seed, catalogue, vat):
    customer, first, _second = catalogue
    rate, _tax = vat
    twin = odoo_seed.sale_tax(rate, "Sales tax")  # the automatic match alone would find two
    try:
        mapped = client.put("/v1/mappings/taxes", json={"source": "shop-eu", "rate": rate, "tax_id": twin},
                            headers=bearer(ALL_SCOPES_KEY))
        assert mapped.status_code == 200, mapped.json
        refs = [unique("SO-M").replace(" ", "") for _ in range(2)]
        records = [order(ref, customer, [(first, 1, 10.0)]) for ref in refs]
        for record in records:
            record["lines"][0]["taxes"] = [{"name": "VAT", "rate": rate}]
        assert client.post("/v1/sync/orders", json={"source": "shop-eu", "records": records[:1]},
                           headers=bearer()).json["accepted"] == 1
        worker.drain()
        found = orders_in_odoo(odoo_seed, [f"shop-eu:{refs[0]}"])
        [line] = odoo_seed.read("sale.order.line", found[f"shop-eu:{refs[0]}"]["order_line"], ["tax_id"])
        assert line["tax_id"] == [twin]
        odoo_seed.call("account.tax", "write", [twin], {"active": False})  # the mapped tax is no longer usable
        answer = client.post("/v1/sync/orders", json={"source": "shop-eu", "records": records[1:]}, headers=bearer())
        worker.drain()
        with services.db.read() as conn:
            job = jobs.get(conn, answer.json["job"]["id"])
        assert job["state"] == "dead" and job["category"] == "validation_error", job
        assert f"tax mapping shop-eu:{rate:g}" in job["last_error"] and "archived" in job["last_error"], job
        assert orders_in_odoo(odoo_seed, [f"shop-eu:{refs[1]}"]) == {}
    finally:
        odoo_seed.call("account.tax", "write", [twin], {"active": False})
