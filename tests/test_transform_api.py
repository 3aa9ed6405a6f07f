"""POST /v1/transform/{adapter} and GET /v1/transform: pure, per-record answers, clear refusals."""
import json
from pathlib import Path

import pytest

from sidecar import adapters
from sidecar.api import transform as transform_api
from tests.conftest import ALL_SCOPES_KEY, READONLY_KEY, bearer
from tests.support.adapter_mapping import ACME, sample_mapper

SAMPLES = Path(__file__).parent / "samples" / "adapters"
JSON = {"Content-Type": "application/json"}
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def samples_client(app_without_odoo, monkeypatch):
    """The app with the sample cross-references, and no write possible: a transform that wrote would fail."""
    services = app_without_odoo.extensions["sidecar"]

    def no_write():
        raise AssertionError("a transform opened a write transaction")

    monkeypatch.setattr(services.db, "transaction", no_write)
    monkeypatch.setattr(transform_api, "load_mapper", lambda services, source: sample_mapper())
    return app_without_odoo.test_client()


def post(client, adapter, body, headers=JSON, query=""):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"/v1/transform/{adapter}{query}", data=data, headers={**bearer(ALL_SCOPES_KEY), **headers})


def test_the_adapters_are_listed_with_their_model_and_media_types(samples_client):
    answer = samples_client.get("/v1/transform", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 200
    listed = {a["name"]: a for a in answer.json["adapters"]}
    assert set(listed) == {"shop-order", "carrier-tracking", "supplier-asn", "supplier-asn-csv", "wms-stock",
                           "pos-sales", "supplier-pricelist"}
    assert listed["supplier-pricelist"]["model"] == "canonical.price.v1"
    assert listed["supplier-pricelist"]["media_types"] == ["text/csv", "application/json"]
    assert listed["carrier-tracking"]["media_types"] == ["application/json"]
    assert all(a["description"] for a in listed.values())


def test_a_sample_order_is_transformed_without_odoo_or_a_write(samples_client):
    """The app's Odoo is a closed port and its store refuses writes: a 200 shows neither was needed."""
    answer = post(samples_client, "shop-order", (SAMPLES / "shop-order" / "eu-taxes-included.json").read_bytes(),
                  query="?source=shop-eu")
    assert answer.status_code == 200, answer.json
    assert (answer.json["adapter"], answer.json["model"], answer.json["source"]) == (
        "shop-order", "canonical.order.v1", "shop-eu")
    [item] = answer.json["records"]
    assert item["record"]["partner"]["partner_id"] == 26 and len(item["record"]["lines"]) == 3
    assert answer.json["rejected"] == []


def test_csv_price_list_with_its_charset(samples_client):
    body = "sku,unit,price,currency,min_quantity,date_start,date_end,product_code\n" \
           "AC-DSK-160,EA,212.50,EUR,1,,,Schreibtisch Eiche 160 – grün\n".encode("cp1252")
    answer = post(samples_client, "supplier-pricelist", body, {"Content-Type": "text/csv; charset=windows-1252"},
                  "?source=acme-supplies")
    assert answer.status_code == 200, answer.json
    [item] = answer.json["records"]
    assert item["record"]["supplier_code"] == "Schreibtisch Eiche 160 – grün" and item["record"]["partner_id"] == ACME
    assert item["ref"] == "/row/2"


def test_source_defaults_to_the_adapter_name(samples_client):
    answer = post(samples_client, "wms-stock", {"mode": "delta", "warehouse": "WH2", "as_of": "2026-12-06T10:00:00Z",
                                        "lines": [{"sku": "PAPER-A4", "state": "available", "quantity": 1}]})
    assert answer.status_code == 200 and answer.json["source"] == "wms-stock"
    assert answer.json["records"][0]["record"]["source"]["system"] == "wms-stock"


def test_an_unmapped_sku_is_one_rejection_naming_it_the_other_records_go_on(samples_client):
    body = {"mode": "snapshot", "warehouse": "WH2", "as_of": "2026-12-06T10:00:00Z", "lines": [
        {"sku": "PAPER-A4", "state": "available", "quantity": 3, "unit": "CS"},
        {"sku": "NOT-MAPPED-9", "state": "available", "quantity": 1},
        {"sku": "PAPER-A4", "state": "available", "quantity": 1, "unit": "BARREL", "location": "X"}]}
    answer = post(samples_client, "wms-stock", body, query="?source=wms-main")
    assert answer.status_code == 200
    assert [r["index"] for r in answer.json["records"]] == [0]
    missing = {r["index"]: r["error"] for r in answer.json["rejected"]}
    assert missing[1]["code"] == "mapping_missing"
    assert missing[1]["details"] == [{"kind": "sku", "source": "wms-main", "value": "NOT-MAPPED-9",
                                      "pointer": "/lines/1/sku"}]
    assert missing[2]["details"][0]["kind"] == "unit" and missing[2]["details"][0]["value"] == "BARREL"


def test_without_mappings_nothing_is_mapped(app_without_odoo):
    """An empty mapping store maps nothing: every SKU is mapping_missing, never a guessed Odoo id."""
    answer = app_without_odoo.test_client().post(
        "/v1/transform/wms-stock?source=wms-main", headers={**bearer(ALL_SCOPES_KEY), **JSON},
        data=(SAMPLES / "wms-stock" / "delta.json").read_bytes())
    assert answer.status_code == 200 and answer.json["records"] == []
    assert {r["error"]["code"] for r in answer.json["rejected"]} == {"mapping_missing"}


@pytest.mark.parametrize("adapter, headers, body, status, code", [
    ("shop-order", CSV, b"sku,quantity\nA,1\n", 415, "unsupported_media_type"),
    ("shop-order", {"Content-Type": "text/plain"}, b"{}", 415, "unsupported_media_type"),
    ("supplier-pricelist", {"Content-Type": "application/xml"}, b"<a/>", 415, "unsupported_media_type"),
    ("supplier-pricelist", {"Content-Type": "text/csv; charset=ebcdic"}, b"sku\n", 415, "unsupported_media_type"),
    ("shop-order", JSON, b"", 400, "malformed_json"),
    ("shop-order", JSON, b"{\"id\": 1,", 400, "malformed_json"),
    ("shop-order", JSON, b"\"an order\"", 400, "malformed_json"),
    ("shop-order", JSON, b"[1e999]", 400, "malformed_json"),
    ("carrier-tracking", JSON, b"{\"status\": NaN}", 400, "malformed_json"),
    ("supplier-asn-csv", CSV, b"", 400, "csv_empty"),
    ("supplier-asn-csv", CSV, b"asn_id,po,sku\nA,P1,X\n", 422, "csv_columns"),
    ("supplier-pricelist", CSV, b"AC-DSK-160,EA,212.50,EUR,1,,\n", 422, "csv_columns"),
    ("supplier-pricelist", CSV, "sku,unit,price,currency,min_quantity,date_start,date_end\nDÉSK,EA,1,EUR,1,,\n"
     .encode("latin-1"), 400, "csv_encoding"),
    ("supplier-pricelist", CSV, b"sku,unit,price,currency,min_quantity,date_start,date_end\nA\x00,EA,1,EUR,1,,\n",
     400, "csv_malformed"),
    ("no-such-adapter", JSON, b"{}", 404, "not_found"),
])
def test_a_body_that_cannot_be_read_is_refused_whole(samples_client, adapter, headers, body, status, code):
    answer = post(samples_client, adapter, body, headers)
    assert answer.status_code == status, answer.json
    assert answer.json["error"]["code"] == code and answer.json["error"]["message"]


@pytest.mark.parametrize("query", ["?source=", "?source=a%20b", "?source=" + "x" * 65, "?source=a&source=b"])
def test_a_bad_source_is_a_400(samples_client, query):
    answer = post(samples_client, "wms-stock", {"lines": []}, query=query)
    assert answer.status_code == 400 and answer.json["error"]["details"][0]["pointer"] == "?source"


def test_the_scope_is_transform_use(samples_client):
    listing = samples_client.get("/v1/transform", headers=bearer(READONLY_KEY))
    posted = samples_client.post("/v1/transform/shop-order", data=b"{}", headers={**bearer(READONLY_KEY), **JSON})
    assert listing.status_code == posted.status_code == 403
    assert samples_client.get("/v1/transform").status_code == 401


def test_the_answer_keeps_the_shape_of_transform(samples_client):
    body = (SAMPLES / "supplier-asn" / "856-two-notices.json").read_bytes()
    answer = post(samples_client, "supplier-asn", body, query="?source=acme-supplies")
    assert answer.json == json.loads(json.dumps(
        adapters.transform("supplier-asn", body, "application/json", sample_mapper(), "acme-supplies")))


def test_the_readme_section_names_every_adapter_and_model():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Transforming payloads", 1)[1].split("\n## ", 1)[0]
    assert readme.index("## Transforming payloads") < readme.index("## Add a flow")
    for adapter in adapters.ADAPTERS.values():
        assert f"| `{adapter.name}` |" in section and adapter.canonical in section


def test_the_spec_names_every_adapter():
    from sidecar.specs import load_specs
    specs = {s["operation"]: s for s in load_specs()}
    assert specs["transformPayload"]["path_parameters"]["adapter"]["enum"] == sorted(adapters.ADAPTERS)
    listed = specs["getManyAdapters"]["responses"]["200"]["properties"]["adapters"]["items"]["properties"]
    assert listed["name"]["enum"] == sorted(adapters.ADAPTERS)


def test_mappings_made_through_the_api_feed_the_transform(client, odoo_seed):
    """Mappings checked against Odoo (the double, or a real Odoo 17 with SIDECAR_LIVE=1) then a POS day through them:
    the product, its unit and the store's partner are Odoo's, read back as the administrator."""
    from tests.support.mapping_seed import MappingSeed

    odoo = MappingSeed(odoo_seed)
    units = odoo_seed.uom_id("Units")
    product, partner = odoo.product(units), odoo.partner()
    shown = odoo.read_product(product)
    ops = bearer(ALL_SCOPES_KEY)
    for kind, entry in [("skus", {"sku": "4006381333931", "product_id": product}),
                        ("packs", {"unit": "CS", "product_id": product, "quantity": 6}),
                        ("partners", {"external_id": "12", "partner_id": partner})]:
        answer = client.put(f"/v1/mappings/{kind}", json={"mappings": [entry], "source": "pos-store-12"}, headers=ops)
        assert answer.status_code == 200, answer.json
    day = {"store": "12", "business_date": "2026-12-05", "currency": "EUR", "lines": [
        {"sku": "4006381333931", "quantity": 2, "unit": "CS", "net_amount": 60.0},
        {"sku": "4006381333999", "quantity": 1, "net_amount": 5.0}]}
    answer = post(client, "pos-sales", day, query="?source=pos-store-12")
    assert answer.status_code == 200, answer.json
    assert answer.json["records"] == []  # one summary, one order: a line without mapping rejects the day
    [rejected] = answer.json["rejected"]
    assert rejected["error"]["details"] == [{"kind": "sku", "source": "pos-store-12", "value": "4006381333999",
                                             "pointer": "/lines/1/sku"}]
    day["lines"].pop()
    [item] = post(client, "pos-sales", day, query="?source=pos-store-12").json["records"]
    assert item["record"]["partner"] == {"external_id": "12", "partner_id": partner}
    [line] = item["record"]["lines"]
    assert line["product"] == {"sku": "4006381333931", "product_id": product, "default_code": shown["default_code"]}
    assert line["uom"] == {"id": shown["uom_id"][0], "name": odoo.unit(shown["uom_id"][0])["name"]}
    assert (line["quantity"], line["price_unit"]) == (12, 5.0)  # 2 cases of 6 for 60.00
