"""The canonical models: valid JSON Schemas, a realistic record of each passes, a broken one names its field."""
import copy
import json

import pytest
from jsonschema import Draft202012Validator

from sidecar import contracts

MODELS = ["product", "price", "inventory_position", "order", "shipment", "asn", "return_request", "vendor_bill"]

DESK = {"sku": "DESK-OAK-160", "product_id": 41, "default_code": "FURN_0160"}
UNITS = {"id": 1, "name": "Units"}

EXAMPLES = {
    "product": {
        "source": {"system": "pim", "ref": "prod-88213"},
        "sku": "DESK-OAK-160", "product": DESK, "name": "Oak desk 160 x 80 cm", "barcode": "4006381333931",
        "uom": UNITS, "list_price": 459.0, "currency": "EUR", "category": "All / Saleable / Office Furniture",
        "active": True,
    },
    "price": {
        "source": {"system": "acme-supplies", "ref": "row 3"},
        "kind": "supplier", "product": DESK, "pricelist": {"id": None, "name": None}, "partner_id": 14,
        "price": 212.5, "currency": "EUR", "uom": UNITS, "min_quantity": 48, "date_start": "2027-01-01",
        "date_end": "2027-06-30", "supplier_code": "AC-DSK-160", "delay": 12,
    },
    "inventory_position": {
        "source": {"system": "wms-main", "ref": "snap-2026-12-06/17"},
        "product": DESK, "warehouse": {"code": "WH2", "id": None}, "location": {"code": "A-01-02", "id": None},
        "lot": "L2026-118", "state": "quality_hold", "quantity": 96, "uom": UNITS, "mode": "snapshot",
        "as_of": "2026-12-06T05:00:00Z",
    },
    "order": {
        "source": {"system": "shop-eu", "ref": "5841032773689"},
        "external_id": "#1042", "channel": "web", "partner": {"external_id": "7240981217337", "partner_id": 26},
        "currency": "EUR", "date_order": "2026-12-05T16:42:10Z", "requested_date": None,
        "lines": [{"ref": "13620544487481", "sku": "DESK-OAK-160", "product": DESK, "name": "Oak desk",
                   "quantity": 2, "uom": UNITS, "price_unit": 382.5, "discount": 10.0,
                   "taxes": [{"name": "DE VAT 19%", "rate": 19.0}], "requested_date": None}],
        "shipping_address": {"name": "Lena Vogt", "street": "Torstrasse 140", "street2": None, "city": "Berlin",
                             "zip": "10119", "state_code": None, "country_code": "DE", "phone": "+49 30 1234567",
                             "email": "lena.vogt@example.de"},
        "note": "Please call before delivery", "amount_total": 819.36, "warehouse": None,
    },
    "shipment": {
        "source": {"system": "easypost", "ref": "trk_c8e0edb5bb284caa934a0d3db23a148z"},
        "tracking_code": "1Z999AA10123456784", "carrier": "UPS", "status": "delivered", "carrier_status": "delivered",
        "picking": {"name": "WH/OUT/00012", "origin": "S00042"},
        "estimated_delivery": "2026-12-08T00:00:00Z", "delivered_at": "2026-12-08T10:14:00Z",
        "events": [
            {"at": "2026-12-06T14:03:00Z", "status": "pre_transit", "message": "Shipping label created",
             "location": None},
            {"at": "2026-12-08T10:14:00Z", "status": "delivered", "message": "Delivered, front desk",
             "location": {"city": "Berlin", "state": None, "country": "DE", "zip": "10119"}},
        ],
    },
    "asn": {
        "source": {"system": "acme-supplies", "ref": "SHP-778102"},
        "asn_id": "SHP-778102", "supplier": {"external_id": "ACME", "partner_id": 14}, "purchase_order": "P00042",
        "shipped_at": "2026-12-04T15:30:00Z", "expected_at": "2026-12-09T00:00:00Z", "carrier": "DHL Freight",
        "tracking_code": "BOL-55102",
        "lines": [{"sku": "AC-DSK-160", "product": {**DESK, "sku": "AC-DSK-160"}, "quantity": 48, "uom": UNITS,
                   "lot": "L2026-118"}],
    },
    "return_request": {
        "source": {"system": "shop-eu", "ref": "RMA-3310"},
        "external_id": "RMA-3310", "partner": {"external_id": "7240981217337", "partner_id": 26},
        "picking": {"id": None, "name": "WH/OUT/00012", "origin": "S00042"},
        "lines": [{"sku": "DESK-OAK-160", "product": DESK, "quantity": 1, "uom": UNITS}],
        "reason": "damaged", "resolution": "refund", "message": "The top is scratched.",
        "requested_at": "2026-12-10T09:00:00Z",
    },
    "vendor_bill": {
        "source": {"system": "acme-supplies", "ref": "INV-2026-9921"},
        "bill_ref": "INV-2026-9921", "supplier": {"external_id": "ACME", "partner_id": 14},
        "purchase_orders": ["P00042"], "invoice_date": "2026-12-10", "due_date": "2027-01-09", "currency": "EUR",
        "lines": [{"sku": "AC-DSK-160", "product": {**DESK, "sku": "AC-DSK-160"}, "name": "Oak desk 160",
                   "quantity": 48, "uom": UNITS, "price_unit": 212.5, "taxes": [{"name": "VAT 19%", "rate": 19}],
                   "purchase_order": "P00042"}],
        "amount_untaxed": 10200.0, "amount_tax": 1938.0, "amount_total": 12138.0,
    },
}


@pytest.mark.parametrize("model", MODELS)
def test_each_canonical_model_is_a_valid_versioned_schema(model):
    name = f"canonical.{model}.v1"
    schema = contracts.schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == name
    assert schema["additionalProperties"] is False and schema["description"]
    assert "source" in schema["required"]


@pytest.mark.parametrize("model", MODELS)
def test_a_realistic_record_of_each_model_validates(model):
    assert contracts.problems(f"canonical.{model}.v1", EXAMPLES[model]) == []


def _set(record, pointer, value):
    *parents, last = pointer.strip("/").split("/")
    for part in parents:
        record = record[int(part) if isinstance(record, list) else part]
    if value is KeyError:
        del record[last]
    else:
        record[int(last) if isinstance(record, list) else last] = value


@pytest.mark.parametrize("model, pointer, value", [
    ("product", "/sku", ""),
    ("product", "/currency", "eur"),
    ("price", "/kind", "wholesale"),
    ("price", "/price", -1),
    ("price", "/date_start", "2027-02-30"),
    ("price", "/product/product_id", 0),
    ("inventory_position", "/state", "lost"),
    ("inventory_position", "/as_of", "2026-12-06 05:00:00"),
    ("inventory_position", "/mode", "full"),
    ("order", "/lines", []),
    ("order", "/lines/0/quantity", 0),
    ("order", "/lines/0/discount", 120),
    ("order", "/lines/0/taxes/0/rate", 0.19e3),
    ("order", "/partner/partner_id", None),
    ("order", "/date_order", "2026-12-05T16:42:10+01:00"),
    ("order", "/shipping_address/country_code", "Germany"),
    ("shipment", "/status", "Delivered"),
    ("shipment", "/events/0/at", "yesterday"),
    ("asn", "/purchase_order", ""),
    ("asn", "/lines/0/uom", {"id": 1}),
    ("return_request", "/picking", {"id": None, "name": None, "origin": None}),
    ("vendor_bill", "/purchase_orders", ["P00042", "P00042"]),
    ("vendor_bill", "/invoice_date", KeyError),
])
def test_a_broken_record_names_the_field(model, pointer, value):
    record = copy.deepcopy(EXAMPLES[model])
    _set(record, pointer, value)
    found = contracts.problems(f"canonical.{model}.v1", record)
    assert found, f"{pointer} = {value!r} passed"
    assert any(p["pointer"].startswith(pointer.rsplit("/", 1)[0]) for p in found)


@pytest.mark.parametrize("model", MODELS)
def test_unknown_fields_are_refused(model):
    record = {**copy.deepcopy(EXAMPLES[model]), "odoo_id": 3}
    assert contracts.problems(f"canonical.{model}.v1", record)


def test_examples_are_plain_json():
    assert json.loads(json.dumps(EXAMPLES)) == EXAMPLES


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.mark.parametrize("model", MODELS)
def test_every_reference_resolves_and_every_definition_is_used(model):
    schema = contracts.schema(f"canonical.{model}.v1")
    used = {ref.removeprefix("#/$defs/") for ref in _refs(schema)}
    assert used == set(schema["$defs"])
