"""POST /v1/ingest/{adapter}: another system's payload through its adapter, then the sync; a record whose
mapping is missing waits as a dead letter and goes through once when replayed after the mapping is added.
Against the double, or a real Odoo 17 with SIDECAR_LIVE=1; Odoo's orders are read back as admin."""
from __future__ import annotations

import dataclasses
import json

import pytest

from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.support.odoo_seed import unique

OPS = bearer(ALL_SCOPES_KEY)


@pytest.fixture(autouse=True)
def shop_owns_its_orders(services, monkeypatch):
    monkeypatch.setattr(services, "settings", dataclasses.replace(
        services.settings, authority={"orders": {"web": "shop-eu"}, "stock": {"WH2": "wms-main"}}))


def shop_order(number, customer_id, skus):
    """A Shopify-style orders/create webhook body."""
    return {"id": number, "name": f"#{number}", "created_at": "2026-12-05T17:42:10+01:00", "currency": "USD",
            "taxes_included": False, "note": None, "customer": {"id": customer_id},
            "line_items": [{"id": number * 10 + i, "title": sku, "sku": sku, "quantity": 2, "price": "5.00",
                            "tax_lines": [], "discount_allocations": []} for i, sku in enumerate(skus)]}


def map_(client, kind, mappings):
    answer = client.put(f"/v1/mappings/{kind}", json={"source": "shop-eu", "mappings": mappings}, headers=OPS)
    assert answer.status_code == 200, answer.json


def orders_named(seed, refs):
    return seed.search_read("sale.order", [("client_order_ref", "in", refs)], ["client_order_ref", "order_line"])


def test_an_unmapped_record_waits_as_a_dead_letter_and_replays_once_mapped(client, worker, odoo_seed):
    customer = odoo_seed.customer()
    mapped, unmapped = odoo_seed.product(cost=1.0, price=5.0), odoo_seed.product(cost=1.0, price=5.0)
    sku_a, sku_b, buyer = unique("SKU-A").replace(" ", ""), unique("SKU-B").replace(" ", ""), unique("C").replace(" ", "")
    map_(client, "partners", [{"external_id": buyer, "partner_id": customer}])
    map_(client, "skus", [{"sku": sku_a, "product_id": mapped}])
    first, second = int(unique("1").split()[-1], 16) % 10 ** 9, int(unique("2").split()[-1], 16) % 10 ** 9
    body = json.dumps({"orders": [shop_order(first, buyer, [sku_a]), shop_order(second, buyer, [sku_a, sku_b])]})
    answer = client.post("/v1/ingest/shop-order?source=shop-eu", data=body,
                         headers={**bearer(), "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.json
    accepted, waiting = answer.json["records"]
    assert accepted["status"] == "accepted" and accepted["job_id"] == answer.json["job"]["id"]
    assert waiting["status"] == "rejected" and waiting["error"]["code"] == "mapping_missing"
    assert waiting["error"]["details"][0]["value"] == sku_b
    letter = client.get(f"/v1/dead-letters/{waiting['dead_letter_id']}", headers=OPS).json
    assert (letter["category"], letter["category_label"], letter["kind"]) == ("mapping_missing", "Mapping missing", "record")
    assert letter["detail"]["adapter"] == "shop-order" and letter["detail"]["source"] == "shop-eu"
    worker.drain()
    refs = [f"shop-eu:#{first}", f"shop-eu:#{second}"]
    assert [o["client_order_ref"] for o in orders_named(odoo_seed, refs)] == [refs[0]]

    still = client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=OPS)
    assert still.status_code == 422 and still.json["error"]["code"] == "mapping_missing"
    assert client.get(f"/v1/dead-letters/{letter['id']}", headers=OPS).json["status"] == "open"

    map_(client, "skus", [{"sku": sku_b, "product_id": unmapped}])
    replayed = client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=OPS)
    assert replayed.status_code == 202, replayed.json
    assert replayed.json["status"] == "replayed" and replayed.json["result"]["accepted"] == 1
    again = client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=OPS)
    assert again.status_code == 409
    client.post("/v1/ingest/shop-order?source=shop-eu", data=body,
                headers={**bearer(), "Content-Type": "application/json"})  # the shop sends it all again
    worker.drain()
    found = {o["client_order_ref"]: o for o in orders_named(odoo_seed, refs)}
    assert sorted(found) == sorted(refs)  # each order once
    lines = odoo_seed.read("sale.order.line", found[refs[1]]["order_line"], ["product_id", "product_uom_qty"])
    assert sorted((l["product_id"][0], l["product_uom_qty"]) for l in lines) == sorted([(mapped, 2.0), (unmapped, 2.0)])


def test_a_write_from_a_system_that_is_not_the_system_of_record_is_refused_and_audited(client, services, odoo_seed):
    product = odoo_seed.product(cost=1.0, price=2.0)
    record = {"source": {"system": "shop-eu", "ref": "1"}, "product": {"sku": "S", "product_id": product,
                                                                     "default_code": None},
              "warehouse": {"code": "WH2", "id": None}, "location": {"code": None, "id": None}, "lot": None,
              "state": "available", "quantity": 4, "uom": {"id": 1, "name": "Units"}, "mode": "snapshot",
              "as_of": "2026-12-06T08:00:00Z"}
    answer = client.post("/v1/sync/stock", json={"source": "shop-eu", "records": [record]}, headers=bearer())
    assert answer.status_code == 200 and answer.json["job"] is None
    [refused] = answer.json["records"]
    assert refused["error"]["status"] == 409 and refused["error"]["code"] == "not_system_of_record"
    assert refused["error"]["details"][0]["system_of_record"] == "wms-main"
    with services.db.read() as conn:
        [entry] = [e for e in audit.entries(conn) if e["kind"] == "authority.refused"]
    assert entry["data"]["domain"] == "stock" and entry["data"]["scope"] == "WH2"


def test_an_ingest_repeated_with_its_key_answers_the_same(client, odoo_seed):
    customer, product = odoo_seed.customer(), odoo_seed.product(cost=1.0, price=5.0)
    sku, buyer = unique("SKU-K").replace(" ", ""), unique("K").replace(" ", "")
    map_(client, "partners", [{"external_id": buyer, "partner_id": customer}])
    map_(client, "skus", [{"sku": sku, "product_id": product}])
    body = json.dumps(shop_order(int(unique("3").split()[-1], 16) % 10 ** 9, buyer, [sku]))
    headers = {**bearer(), "Content-Type": "application/json", "Idempotency-Key": unique("ingest").replace(" ", "-")}
    first = client.post("/v1/ingest/shop-order?source=shop-eu", data=body, headers=headers)
    again = client.post("/v1/ingest/shop-order?source=shop-eu", data=body, headers=headers)
    assert first.json["accepted"] == 1 and again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    other = client.post("/v1/ingest/shop-order?source=shop-eu", data=body.replace("5.00", "6.00"), headers=headers)
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_key_reused"


def test_an_unknown_adapter_is_a_404(client):
    answer = client.post("/v1/ingest/telex", data=b"{}", headers={**bearer(), "Content-Type": "application/json"})
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
