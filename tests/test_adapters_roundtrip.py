"""Each sample of tests/samples/adapters/ through its adapter: the canonical records, written out by hand from
the sample (Odoo's unit rows, the mapped ids, the arithmetic of case and pallet sizes), each valid against its model."""
import json
from pathlib import Path

import pytest
from pytest import approx

from sidecar import contracts
from sidecar.adapters import ADAPTERS, transform
from tests.support.adapter_mapping import (ACME, ACME_US, CHAIR, COFFEE, DESK, GUEST, LENA, PAPER, PEN, STORE_12,
                                           sample_mapper)

SAMPLES = Path(__file__).parent / "samples" / "adapters"
UNITS = {"id": 1, "name": "Units"}
KG = {"id": 12, "name": "kg"}


def run(adapter: str, sample: str, source: str) -> list[dict]:
    media_type = "text/csv" if sample.endswith(".csv") else "application/json"
    answer = transform(adapter, (SAMPLES / adapter / sample).read_bytes(), media_type, sample_mapper(), source)
    assert answer["rejected"] == []
    assert (answer["adapter"], answer["source"]) == (adapter, source)
    assert [r["index"] for r in answer["records"]] == list(range(len(answer["records"])))
    for item in answer["records"]:  # transform validated them; checked here again on its own
        assert contracts.problems(ADAPTERS[adapter].canonical, item["record"]) == []
    return answer["records"]


def ref(product, sku):
    return {"sku": sku, "product_id": product.product_id, "default_code": product.default_code}


def test_every_adapter_has_samples():
    assert {path.name for path in SAMPLES.iterdir()} == set(ADAPTERS)
    for adapter in ADAPTERS:
        assert len(list((SAMPLES / adapter).iterdir())) >= 2, adapter


def test_shop_order_with_prices_including_taxes_a_discount_and_dozens():
    [item] = run("shop-order", "eu-taxes-included.json", "shop-eu")
    assert item["ref"] == "5841032773689"
    order = item["record"]
    lines = order.pop("lines")
    assert order == {
        "source": {"system": "shop-eu", "ref": "5841032773689"}, "external_id": "#1042", "channel": "web",
        "partner": {"external_id": "7240981217337", "partner_id": LENA}, "currency": "EUR",
        "date_order": "2026-12-05T16:42:10Z", "requested_date": "2026-12-12",
        "shipping_address": {"name": "Lena Vogt", "street": "Torstrasse 140", "street2": "3. OG", "city": "Berlin",
                             "zip": "10119", "state_code": None, "country_code": "DE", "phone": "+49 30 1234567",
                             "email": "lena.vogt@example.de"},
        "note": "Please call before delivery", "amount_total": 966.41, "warehouse": None,
    }
    desk, pens, coffee = lines
    # 459.00 with 19% VAT included is 385.71 before tax; 91.80 off 2 x 459.00 is 10%.
    assert desk == {"ref": "13620544487481", "sku": "DESK-OAK-160", "product": ref(DESK, "DESK-OAK-160"),
                    "name": "Oak desk 160 x 80 cm", "quantity": 2, "uom": UNITS, "price_unit": approx(385.7142857),
                    "discount": approx(10.0), "taxes": [{"name": "DE VAT", "rate": approx(19.0)}],
                    "requested_date": None}
    # 3 dozens are 36 units; 16.80 a dozen is 1.40 a unit, 1.1765 before 19% VAT.
    assert pens["quantity"] == approx(36.0) and pens["uom"] == UNITS
    assert pens["price_unit"] == approx(1.1764706) and pens["discount"] == 0.0
    assert coffee["product"] == ref(COFFEE, "COFFEE-1KG") and coffee["uom"] == KG and coffee["quantity"] == 3
    assert coffee["price_unit"] == approx(23.271028) and coffee["taxes"] == [{"name": "DE VAT reduced", "rate": approx(7.0)}]


def test_shop_order_of_a_guest_mapped_by_email_with_two_taxes_and_two_discounts():
    [item] = run("shop-order", "us-guest.json", "shop-us")
    order = item["record"]
    assert order["partner"] == {"external_id": "guest.buyer@example.com", "partner_id": GUEST}
    assert order["date_order"] == "2026-12-06T02:05:33Z" and order["currency"] == "USD"
    assert order["requested_date"] is None and order["note"] is None
    assert order["shipping_address"]["name"] == "Sam Ortiz" and order["shipping_address"]["state_code"] == "CA"
    [line] = order["lines"]
    assert line["product"] == ref(CHAIR, "CHAIR-MESH") and line["quantity"] == 4
    assert line["price_unit"] == approx(289.0) and line["discount"] == approx(5.0)  # 57.80 of 1156.00
    assert line["taxes"] == [{"name": "CA State Tax", "rate": approx(7.25)},
                             {"name": "San Francisco County Tax", "rate": approx(1.38)}]


def test_tracker_delivered_events_oldest_first_in_utc_a_repeated_event_once():
    [item] = run("carrier-tracking", "delivered.json", "easypost")
    shipment = item["record"]
    assert shipment == {
        "source": {"system": "easypost", "ref": "trk_c8e0edb5bb284caa934a0d3db23a148z"},
        "tracking_code": "1Z999AA10123456784", "carrier": "UPS", "status": "delivered", "carrier_status": "delivered",
        "picking": {"name": "WH/OUT/00012", "origin": "S00042"},
        "estimated_delivery": "2026-12-08T00:00:00Z", "delivered_at": "2026-12-08T10:14:00Z",
        "events": [
            {"at": "2026-12-06T14:03:00Z", "status": "pre_transit", "message": "Shipping label created",
             "location": None},
            {"at": "2026-12-07T02:41:00Z", "status": "in_transit", "message": "Departed from facility",
             "location": {"city": "Koeln", "state": "NW", "country": "DE", "zip": None}},
            {"at": "2026-12-08T06:02:00Z", "status": "out_for_delivery", "message": "Out for delivery",
             "location": {"city": "Berlin", "state": None, "country": "DE", "zip": "10115"}},
            {"at": "2026-12-08T10:14:00Z", "status": "delivered", "message": "Delivered, front desk",
             "location": {"city": "Berlin", "state": None, "country": "DE", "zip": "10119"}},
        ],
    }


def test_tracker_in_a_webhook_event_returned_to_sender():
    [item] = run("carrier-tracking", "event-exception.json", "easypost")
    shipment = item["record"]
    assert item["ref"] == "trk_a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert (shipment["status"], shipment["carrier_status"]) == ("returned", "return_to_sender")
    assert shipment["picking"] == {"name": None, "origin": None} and shipment["estimated_delivery"] is None
    assert [(e["at"], e["status"]) for e in shipment["events"]] == [
        ("2026-12-02T18:00:00Z", "pre_transit"), ("2026-12-03T15:30:00Z", "in_transit"),
        ("2026-12-05T19:12:00Z", "exception"), ("2026-12-09T16:02:00Z", "returned")]
    assert shipment["events"][2]["location"] == {"city": "AUSTIN", "state": "TX", "country": "US", "zip": "78701"}
    assert shipment["delivered_at"] is None


def test_trackers_in_an_array_pickup_point_is_the_last_leg():
    first, second = (item["record"] for item in run("carrier-tracking", "batch.json", "easypost"))
    assert (first["status"], first["events"], first["estimated_delivery"]) == ("pre_transit", [], "2026-12-11T16:00:00Z")
    assert (second["status"], second["carrier_status"]) == ("out_for_delivery", "available_for_pickup")
    assert second["picking"] == {"name": "WH/OUT/00019", "origin": None}
    assert second["events"][0]["at"] == "2026-12-10T08:45:00Z"


def test_asn_856_pallets_and_cases_across_packs_add_up_per_sku_and_lot():
    [item] = run("supplier-asn", "856-pallets.json", "acme-supplies")
    assert item["ref"] == "SHP-778102"
    assert item["record"] == {
        "source": {"system": "acme-supplies", "ref": "SHP-778102"}, "asn_id": "SHP-778102",
        "supplier": {"external_id": "ACME", "partner_id": ACME}, "purchase_order": "P00042",
        "shipped_at": "2026-12-04T15:30:00Z", "expected_at": "2026-12-09T08:00:00Z",
        "carrier": "DHL Freight", "tracking_code": "BOL-55102",
        "lines": [
            # 1 pallet (240 reams) on one tare, 12 boxes of 5 on the other: 300 reams.
            {"sku": "AC-PAPER-A4", "product": ref(PAPER, "AC-PAPER-A4"), "quantity": 300, "uom": UNITS, "lot": None},
            # 3 + 2 cases of 4 chairs, lot CH-2026-48, in two packs.
            {"sku": "AC-CHAIR-MESH", "product": ref(CHAIR, "AC-CHAIR-MESH"), "quantity": 20, "uom": UNITS,
             "lot": "CH-2026-48"},
        ],
    }


def test_asn_856_two_notices_time_codes_supplier_by_default_and_pounds():
    first, second = (item["record"] for item in run("supplier-asn", "856-two-notices.json",
                                                    "acme-supplies"))
    assert first["supplier"] == {"external_id": "acme-supplies", "partner_id": ACME}
    assert first["purchase_order"] == "P00051"
    assert first["shipped_at"] == "2026-12-07T14:00:00Z"        # 09:00 Eastern Standard
    assert first["expected_at"] == "2026-12-10T00:00:00Z"       # DTM 067, no time
    assert (first["carrier"], first["tracking_code"]) == ("UPSN", None)
    assert first["lines"] == [{"sku": "AC-DSK-160", "product": ref(DESK, "AC-DSK-160"), "quantity": 6, "uom": UNITS,
                               "lot": None}]
    assert second["supplier"] == {"external_id": "ACME", "partner_id": ACME}
    assert (second["shipped_at"], second["expected_at"]) == (None, None)
    # 25 lb is 11.3398 kg, rounded up to kg's 0.01; 500 g is 0.5 kg; two lots, two lines.
    assert [(line["lot"], line["quantity"], line["uom"]) for line in second["lines"]] == [
        ("RB-2611", approx(11.34), KG), ("RB-2612", approx(0.5), KG)]


def test_asn_csv_rows_grouped_per_notice():
    first, second = run("supplier-asn-csv", "two-notices.csv", "acme-supplies")
    assert (first["ref"], second["ref"]) == ("SHP-778110", "SHP-778111")
    notice = first["record"]
    assert notice["purchase_order"] == "P00044" and notice["supplier"]["partner_id"] == ACME
    assert (notice["shipped_at"], notice["expected_at"]) == ("2026-12-06T06:00:00Z", "2026-12-09T00:00:00Z")
    assert notice["carrier"] == "DHL Freight"
    # 2 pallets (480 reams) and 7 boxes (35 reams); 5 cases of 4 chairs.
    assert [(line["sku"], line["quantity"], line["lot"]) for line in notice["lines"]] == [
        ("AC-PAPER-A4", 515, None), ("AC-CHAIR-MESH", 20, "CH-2026-51")]
    other = second["record"]
    assert (other["purchase_order"], other["shipped_at"], other["expected_at"], other["carrier"]) == (
        "P00045", "2026-12-06T06:30:00Z", None, None)
    assert other["lines"][0]["quantity"] == 10


def test_asn_csv_from_a_european_spreadsheet_bom_semicolons_decimal_comma():
    [item] = run("supplier-asn-csv", "excel-semicolon-bom.csv", "acme-supplies")
    notice = item["record"]
    assert notice["asn_id"] == "LY-5521" and notice["supplier"] == {"external_id": "ACME", "partner_id": ACME}
    assert notice["lines"] == [{"sku": "AC-COFFEE", "product": ref(COFFEE, "AC-COFFEE"), "quantity": 12.5, "uom": KG,
                                "lot": "RB-2614"}]
    assert (notice["shipped_at"], notice["expected_at"]) == ("2026-12-08T00:00:00Z", "2026-12-11T00:00:00Z")


def test_wms_snapshot_one_position_per_line_pallets_and_boxes_in_reams():
    found = run("wms-stock", "snapshot.json", "wms-main")
    assert [item["ref"] for item in found] == [f"INV-000{i}" for i in range(1, 7)]
    first = found[0]["record"]
    assert first == {
        "source": {"system": "wms-main", "ref": "INV-0001"}, "product": ref(DESK, "DESK-OAK-160"),
        "warehouse": {"code": "WH2", "id": None}, "location": {"code": "A-01-02", "id": None}, "lot": None,
        "state": "available", "quantity": 14, "uom": UNITS, "mode": "snapshot", "as_of": "2026-12-06T05:00:00Z",
    }
    assert [(r["record"]["state"], r["record"]["quantity"], r["record"]["lot"]) for r in found[1:]] == [
        ("quality_hold", 2, None), ("available", 720, None), ("reserved", 55, None),
        ("available", approx(11.34), "RB-2611"), ("received", 0, "CH-2026-48")]
    assert found[4]["record"]["uom"] == KG


def test_wms_delta_signed_changes():
    found = [item["record"] for item in run("wms-stock", "delta.json", "wms-main")]
    assert [(r["product"]["product_id"], r["state"], r["quantity"]) for r in found] == [
        (PAPER.product_id, "allocated", 20), (PAPER.product_id, "reserved", -20),
        (PEN.product_id, "shipped", approx(24.0)), (PEN.product_id, "available", -24)]
    assert {r["mode"] for r in found} == {"delta"} and found[0]["source"]["ref"] is None


def test_pos_day_summary_is_one_order_of_channel_pos():
    [item] = run("pos-sales", "store-12.json", "pos-store-12")
    assert item["ref"] == "12/2026-12-05"
    order = item["record"]
    lines = order.pop("lines")
    assert order == {
        "source": {"system": "pos-store-12", "ref": "12/2026-12-05"}, "external_id": "12/2026-12-05",
        "channel": "pos", "partner": {"external_id": "12", "partner_id": STORE_12}, "currency": "EUR",
        "date_order": "2026-12-05T19:04:31Z", "requested_date": None, "shipping_address": None, "note": None,
        "amount_total": approx(1002.16), "warehouse": "BER",
    }
    assert lines[0] == {"ref": None, "sku": "4006381333931", "product": ref(DESK, "4006381333931"),
                        "name": "Oak desk 160", "quantity": 1, "uom": UNITS, "price_unit": approx(385.71),
                        "discount": 0.0, "taxes": [{"name": "DE VAT 19%", "rate": 19}], "requested_date": None}
    # 5 dozens are 60 pens at 70.59; the same SKU by the unit is its own line; coffee is in kg.
    assert [(line["quantity"], line["price_unit"]) for line in lines[1:]] == [
        (approx(60.0), approx(1.1765)), (7, approx(1.3157143)), (18, approx(23.271111))]


def test_pos_summaries_of_several_days():
    first, second = (item["record"] for item in run("pos-sales", "week.json", "pos-store-12"))
    assert (first["external_id"], first["date_order"], first["warehouse"]) == ("12/2026-12-06", "2026-12-06T00:00:00Z",
                                                                                None)
    assert (first["lines"][0]["quantity"], first["lines"][0]["price_unit"]) == (10, approx(4.19))
    assert first["amount_total"] == approx(49.86)
    assert (second["lines"][0]["quantity"], second["lines"][0]["price_unit"], second["lines"][0]["taxes"]) == (
        14, approx(4.49), [])


def test_supplier_price_list_quantity_breaks_per_unit_case_and_pallet():
    found = run("supplier-pricelist", "quantity-breaks.csv", "acme-supplies")
    assert [item["ref"] for item in found] == [f"/row/{n}" for n in range(2, 9)]
    first = found[0]["record"]
    assert first == {
        "source": {"system": "acme-supplies", "ref": None}, "kind": "supplier", "product": ref(DESK, "AC-DSK-160"),
        "pricelist": {"id": None, "name": None}, "partner_id": ACME, "price": 212.5, "currency": "EUR",
        "uom": UNITS, "min_quantity": 1, "date_start": "2027-01-01", "date_end": "2027-06-30",
        "supplier_code": "AC-DSK-160", "delay": 12,
    }
    # A case is 4 chairs, a box 5 reams, a pallet 240 reams: prices per unit, breaks in units.
    assert [(r["record"]["product"]["product_id"], r["record"]["price"], r["record"]["min_quantity"],
             r["record"]["date_end"]) for r in found[1:]] == [
        (DESK.product_id, 205.0, 10, "2027-06-30"), (DESK.product_id, 198.0, 48, "2027-06-30"),
        (CHAIR.product_id, 149.0, 4, None), (CHAIR.product_id, 143.0, 20, None),
        (PAPER.product_id, 2.95, 0, None), (PAPER.product_id, 13.5, 240, None)]
    assert found[5]["record"]["date_start"] is None and found[6]["record"]["delay"] == 5


def test_supplier_price_list_rows_as_json_in_kilograms_and_pounds():
    first, second = (item["record"] for item in run("supplier-pricelist", "rows.json",
                                                    "acme-supplies"))
    assert (first["price"], first["currency"], first["min_quantity"], first["partner_id"]) == (17.8, "EUR", 0, ACME)
    # 7.60 a pound is 16.755 a kilogram (2.20462 lb to the kg); 50 lb is 22.68 kg rounded up.
    assert second["price"] == approx(16.755112) and second["min_quantity"] == approx(22.68)
    assert second["partner_id"] == ACME_US and second["uom"] == KG


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*/*")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_raw_records_are_plain_json_and_replay_alone_to_the_same_record(path):
    """A record parked as a dead letter keeps its raw form as JSON; converted alone later it gives the same record."""
    import json

    adapter = ADAPTERS[path.parent.name]
    media_type = "text/csv" if path.suffix == ".csv" else "application/json"
    source = {"shop-order": "shop-eu" if "eu" in path.name else "shop-us", "carrier-tracking": "easypost",
              "wms-stock": "wms-main", "pos-sales": "pos-store-12"}.get(adapter.name, "acme-supplies")
    body = path.read_bytes()
    expected = transform(adapter.name, body, media_type, sample_mapper(), source)["records"]
    raws = adapter.split(body, media_type)
    assert len(raws) == len(expected)
    for raw, item in zip(raws, expected):
        stored = json.loads(json.dumps(raw))
        assert stored == raw
        assert adapter.convert(stored, sample_mapper(), source) == item["record"]
        assert adapter.ref(stored) == item["ref"]


def test_shop_order_lines_say_no_tax_with_empty_tax_lines_and_leave_taxes_to_odoo_without_them():
    order = json.loads((SAMPLES / "shop-order" / "eu-taxes-included.json").read_bytes())
    del order["line_items"][0]["tax_lines"]
    order["line_items"][1]["tax_lines"] = []
    answer = transform("shop-order", json.dumps(order).encode(), "application/json", sample_mapper(), "shop-eu")
    untold, exempt, _coffee = answer["records"][0]["record"]["lines"]
    assert "taxes" not in untold and exempt["taxes"] == []
    assert untold["price_unit"] == approx(459.0)  # nothing known to take out
