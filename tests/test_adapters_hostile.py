"""Malformed, truncated and hostile input to every adapter: a clear 4xx for the record or for the body, never a 500,
and never an answer that drops a record silently (every record is in `records` or in `rejected`)."""
import codecs
import copy
import json
from pathlib import Path

import pytest

from sidecar.adapters import ADAPTERS, transform
from sidecar.errors import SidecarError
from tests.support.adapter_mapping import sample_mapper

SAMPLES = Path(__file__).parent / "samples" / "adapters"
JSON, CSV = "application/json", "text/csv"


def sample(adapter: str, name: str):
    return json.loads((SAMPLES / adapter / name).read_text())


def run(adapter: str, document, source: str, media_type: str = JSON) -> dict:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    answer = transform(adapter, body, media_type, sample_mapper(), source)
    indexes = sorted([r["index"] for r in answer["records"]] + [r["index"] for r in answer["rejected"]])
    assert indexes == list(range(len(indexes)))  # each record answered once
    return answer


def rejection(answer: dict, index: int = 0) -> dict:
    found = [r["error"] for r in answer["rejected"] if r["index"] == index]
    assert found, f"record {index} was not rejected: {answer}"
    return found[0]


def refused(adapter: str, body: bytes, media_type: str) -> SidecarError:
    with pytest.raises(SidecarError) as caught:
        transform(adapter, body, media_type, sample_mapper(), "acme-supplies")
    assert 400 <= caught.value.status < 500 and caught.value.message
    return caught.value


def changed(document, path: str, value):
    document = copy.deepcopy(document)
    *parents, last = path.strip("/").split("/")
    target = document
    for part in parents:
        target = target[int(part) if isinstance(target, list) else part]
    key = int(last) if isinstance(target, list) else last
    if value is KeyError:
        del target[key]
    else:
        target[key] = value
    return document


# --- shop-order ---------------------------------------------------------------------------------

ORDER = sample("shop-order", "eu-taxes-included.json")


@pytest.mark.parametrize("path, value, code, pointer", [
    ("/line_items/0/quantity", "two", "invalid_record", "/line_items/0/quantity"),
    ("/line_items/0/quantity", 0, "invalid_quantity", "/line_items/0/quantity"),
    ("/line_items/0/quantity", -2, "invalid_quantity", "/line_items/0/quantity"),
    ("/line_items/0/quantity", 10 ** 30, "invalid_record", "/line_items/0/quantity"),
    ("/line_items/0/quantity", 1e300, "invalid_record", "/line_items/0/quantity"),
    ("/line_items/0/quantity", True, "invalid_record", "/line_items/0/quantity"),
    ("/line_items/0/price", "NaN", "invalid_record", "/line_items/0/price"),
    ("/line_items/0/price", "-Infinity", "invalid_record", "/line_items/0/price"),
    ("/line_items/0/price", "1" * 60, "invalid_record", "/line_items/0/price"),
    ("/line_items/0/price", [459], "invalid_record", "/line_items/0/price"),
    ("/line_items/0/sku", KeyError, "invalid_record", "/line_items/0/sku"),
    ("/line_items/0/sku", "D" * 10000, "invalid_record", "/line_items/0/sku"),
    ("/line_items/0/sku", "DESK\u0000OAK", "invalid_record", "/line_items/0/sku"),
    ("/line_items/0/sku", "UNKNOWN-SKU", "mapping_missing", "/line_items/0/sku"),
    ("/line_items/1/unit", "BARREL", "mapping_missing", "/line_items/1/unit"),
    ("/line_items/1/unit", "KG", "unit_mismatch", "/line_items/1/unit"),
    ("/line_items/1/id", 13620544487481, "duplicate_line", "/line_items/1/id"),
    ("/line_items/0/tax_lines/0/rate", 19, "invalid_record", "/line_items/0/tax_lines/0/rate"),
    ("/line_items/0/discount_allocations/0/amount", "5000.00", "invalid_record", "/line_items/0/discount_allocations"),
    ("/line_items", [], "invalid_record", "/line_items"),
    ("/line_items", {"0": {}}, "invalid_record", "/line_items"),
    ("/line_items/0", "DESK-OAK-160 x2", "invalid_record", "/line_items/0"),
    ("/created_at", "2026-13-45T10:00:00Z", "invalid_record", "/created_at"),
    ("/created_at", "yesterday", "invalid_record", "/created_at"),
    ("/created_at", "0001-01-01T00:00:00Z", "invalid_record", "/created_at"),
    ("/created_at", 1733420530, "invalid_record", "/created_at"),
    ("/currency", "EURO", "invalid_record", "/currency"),
    ("/customer", "lena", "invalid_record", "/customer"),
    ("/customer/id", 1, "mapping_missing", "/customer/id"),
    ("/note_attributes/0/value", "12/12/2026", "invalid_record", "/note_attributes/0/value"),
    ("/shipping_address/country_code", "Germany", "invalid_record", "/shipping_address/country_code"),
])
def test_shop_order_field_problems_name_their_pointer(path, value, code, pointer):
    answer = run("shop-order", changed(ORDER, path, value), "shop-eu")
    error = rejection(answer)
    assert error["code"] == code, error
    assert error["details"][0]["pointer"] == pointer, error
    assert answer["records"] == []


def test_shop_order_without_customer_or_email_is_rejected():
    order = changed(changed(ORDER, "/customer", KeyError), "/email", KeyError)
    assert rejection(run("shop-order", order, "shop-eu"))["details"][0]["pointer"] == "/customer"


def test_one_bad_order_among_good_ones_is_rejected_alone():
    answer = run("shop-order", [ORDER, 17, changed(ORDER, "/line_items/0/quantity", -1), ORDER], "shop-eu")
    assert [r["index"] for r in answer["records"]] == [0, 3]
    assert rejection(answer, 1)["details"][0]["pointer"] == "/1"
    assert rejection(answer, 2)["details"][0]["pointer"] == "/2/line_items/0/quantity"


# --- carrier-tracking ---------------------------------------------------------------------------

TRACKER = sample("carrier-tracking", "delivered.json")


@pytest.mark.parametrize("path, value, code, pointer", [
    ("/status", "teleported", "unknown_status", "/status"),
    ("/status", 3, "invalid_record", "/status"),
    ("/tracking_code", KeyError, "invalid_record", "/tracking_code"),
    ("/tracking_code", {"code": "1Z"}, "invalid_record", "/tracking_code"),
    ("/carrier", "", "invalid_record", "/carrier"),
    ("/est_delivery_date", "soon", "invalid_record", "/est_delivery_date"),
    ("/tracking_details", "none", "invalid_record", "/tracking_details"),
    ("/tracking_details/2/datetime", "2026-12-07T25:41:00Z", "invalid_record", "/tracking_details/2/datetime"),
    ("/tracking_details/2/datetime", None, "invalid_record", "/tracking_details/2/datetime"),
    ("/tracking_details/2/status", "lost_in_space", "unknown_status", "/tracking_details/2/status"),
    ("/tracking_details/2/tracking_location", [], "invalid_record", "/tracking_details/2/tracking_location"),
    ("/tracking_details/2/message", "x" * 1001, "invalid_record", "/tracking_details/2/message"),
])
def test_tracker_problems_name_their_pointer(path, value, code, pointer):
    error = rejection(run("carrier-tracking", changed(TRACKER, path, value), "easypost"))
    assert (error["code"], error["details"][0]["pointer"]) == (code, pointer), error


def test_a_tracker_with_too_many_events_is_rejected():
    tracker = changed(TRACKER, "/tracking_details", [TRACKER["tracking_details"][0]] * 501)
    assert "at most 500" in rejection(run("carrier-tracking", tracker, "easypost"))["message"]


# --- wms-stock ----------------------------------------------------------------------------------

SNAPSHOT = sample("wms-stock", "snapshot.json")


@pytest.mark.parametrize("path, value, code, pointer", [
    ("/lines/0/quantity", -1, "invalid_record", "/lines/0/quantity"),
    ("/lines/0/quantity", "NaN", "invalid_record", "/lines/0/quantity"),
    ("/lines/0/quantity", "1e10", "invalid_record", "/lines/0/quantity"),
    ("/lines/0/state", "lost", "invalid_record", "/lines/0/state"),
    ("/lines/0/state", None, "invalid_record", "/lines/0/state"),
    ("/lines/0/unit", "BARREL", "mapping_missing", "/lines/0/unit"),
    ("/lines/0/unit", "KG", "unit_mismatch", "/lines/0/unit"),
    ("/lines/0/sku", 12.5, "invalid_record", "/lines/0/sku"),
    ("/lines/0", None, "invalid_record", "/lines/0"),
])
def test_wms_line_problems_reject_that_line_only(path, value, code, pointer):
    answer = run("wms-stock", changed(SNAPSHOT, path, value), "wms-main")
    error = rejection(answer)
    assert (error["code"], error["details"][0]["pointer"]) == (code, pointer), error
    assert len(answer["records"]) == len(SNAPSHOT["lines"]) - 1


@pytest.mark.parametrize("path, value, pointer", [
    ("/mode", "full", "/mode"), ("/mode", KeyError, "/mode"), ("/warehouse", None, "/warehouse"),
    ("/as_of", "2026-12-06", None), ("/as_of", "06.12.2026 06:00", "/as_of"), ("/as_of", [], "/as_of"),
])
def test_a_wrong_header_rejects_every_line_with_its_reason(path, value, pointer):
    answer = run("wms-stock", changed(SNAPSHOT, path, value), "wms-main")
    if pointer is None:  # a bare date is that day at midnight UTC
        assert answer["rejected"] == [] and answer["records"][0]["record"]["as_of"] == "2026-12-06T00:00:00Z"
        return
    assert answer["records"] == [] and len(answer["rejected"]) == len(SNAPSHOT["lines"])
    assert {r["error"]["details"][0]["pointer"] for r in answer["rejected"]} == {pointer}


@pytest.mark.parametrize("document", [{}, {"mode": "snapshot", "lines": []}, {"lines": "none"}, []])
def test_a_document_without_lines_is_not_an_empty_success(document):
    answer = run("wms-stock", document, "wms-main")
    if document == []:
        assert answer["records"] == answer["rejected"] == []  # an empty array of documents: nothing was sent
        return
    assert answer["records"] == [] and rejection(answer)["details"][0]["pointer"] == "/lines"


def test_a_snapshot_naming_a_position_twice_rejects_both_lines():
    lines = SNAPSHOT["lines"] + [dict(SNAPSHOT["lines"][0], id="INV-0099", quantity=15)]
    answer = run("wms-stock", changed(SNAPSHOT, "/lines", lines), "wms-main")
    assert {r["index"] for r in answer["rejected"]} == {0, 6}
    assert {r["error"]["code"] for r in answer["rejected"]} == {"duplicate_line"}
    assert "/lines/6" in rejection(answer, 0)["message"]


def test_a_delta_of_zero_is_refused_and_equal_deltas_are_two_movements():
    delta = sample("wms-stock", "delta.json")
    lines = [delta["lines"][0], delta["lines"][0], dict(delta["lines"][0], quantity=0)]
    answer = run("wms-stock", changed(delta, "/lines", lines), "wms-main")
    assert [r["index"] for r in answer["records"]] == [0, 1]
    assert rejection(answer, 2)["code"] == "invalid_quantity"


# --- pos-sales ----------------------------------------------------------------------------------

POS = sample("pos-sales", "store-12.json")


@pytest.mark.parametrize("path, value, code, pointer", [
    ("/store", "99", "mapping_missing", "/store"),
    ("/business_date", "2026-02-30", "invalid_record", "/business_date"),
    ("/currency", None, "invalid_record", "/currency"),
    ("/lines/3/quantity", -4, "invalid_quantity", "/lines/3/quantity"),
    ("/lines/3/net_amount", -10, "invalid_record", "/lines/3/net_amount"),
    ("/lines/3/net_amount", 1e300, "invalid_record", "/lines/3/net_amount"),
    ("/lines/3/tax", 19, "invalid_record", "/lines/3/tax"),
    ("/lines/3/tax/rate", 119, "invalid_record", "/lines/3/tax/rate"),
    ("/lines/2/unit", "DZ", "duplicate_line", "/lines/2"),
    ("/lines", [], "invalid_record", "/lines"),
    ("/closed_at", "20:04", "invalid_record", "/closed_at"),
])
def test_pos_summary_problems_reject_the_day(path, value, code, pointer):
    error = rejection(run("pos-sales", changed(POS, path, value), "pos-store-12"))
    assert (error["code"], error["details"][0]["pointer"]) == (code, pointer), error


# --- supplier-asn (X12 856 as JSON) -------------------------------------------------------------

NOTICE = sample("supplier-asn", "856-pallets.json")


@pytest.mark.parametrize("path, value, code, pointer", [
    ("/BSN", KeyError, "invalid_record", "/BSN"),
    ("/BSN/BSN02", None, "invalid_record", "/BSN/BSN02"),
    ("/HL", [], "invalid_record", "/HL"),
    ("/HL/0/HL03", "X", "invalid_record", "/HL/0/HL03"),
    ("/HL/0/HL03", "O", "invalid_record", "/HL"),
    ("/HL/2/HL02", "77", "invalid_record", "/HL/2/HL02"),
    ("/HL/4/HL01", "3", "duplicate_line", "/HL/4/HL01"),
    ("/HL/3/HL02", "1", "invalid_record", "/HL/3/HL02"),
    ("/HL/3/SN1", KeyError, "invalid_record", "/HL/3/SN1"),
    ("/HL/3/SN1/SN102", 0, "invalid_quantity", "/HL/3/SN1/SN102"),
    ("/HL/3/SN1/SN102", "1,5", "invalid_record", "/HL/3/SN1/SN102"),
    ("/HL/3/SN1/SN103", "DRUM", "mapping_missing", "/HL/3/SN1/SN103"),
    ("/HL/3/LIN", {"LIN02": "ZZ", "LIN03": "X"}, "invalid_record", "/HL/3/LIN"),
    ("/HL/3/LIN/LIN03", "AC-UNKNOWN", "mapping_missing", "/HL/3/LIN/LIN03"),
    ("/HL/0/DTM/0/DTM02", "20261332", "invalid_record", "/HL/0/DTM/0/DTM02"),
    ("/HL/0/DTM/0/DTM03", "2561", "invalid_record", "/HL/0/DTM/0/DTM02"),
    ("/HL/0/DTM/0/DTM04", "ET", "invalid_record", "/HL/0/DTM/0/DTM04"),
    ("/HL/0/N1/1/N104", "WHO", "mapping_missing", "/HL/0/N1/1/N104"),
    ("/HL/1/PRF", KeyError, "invalid_record", "/HL/1/PRF"),
])
def test_asn_856_problems_reject_the_notice(path, value, code, pointer):
    error = rejection(run("supplier-asn", changed(NOTICE, path, value), "acme-supplies"))
    assert (error["code"], error["details"][0]["pointer"]) == (code, pointer), error


def test_an_856_shipping_against_two_orders_is_refused_naming_them():
    levels = NOTICE["HL"] + [{"HL01": "11", "HL02": "1", "HL03": "O", "PRF": {"PRF01": "P00043"}}]
    error = rejection(run("supplier-asn", changed(NOTICE, "/HL", levels), "acme-supplies"))
    assert error["code"] == "multiple_orders" and "P00042, P00043" in error["message"]


# --- CSV bodies ---------------------------------------------------------------------------------

PRICES = (SAMPLES / "supplier-pricelist" / "quantity-breaks.csv").read_text()
HEADER = PRICES.splitlines()[0]
ASN_ROWS = (SAMPLES / "supplier-asn-csv" / "two-notices.csv").read_text()


def prices(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode() + b"\n"


@pytest.mark.parametrize("row, code, pointer", [
    ("AC-DSK-160,EA,212.50,EUR,1,2027-06-30,2027-01-01,,", "invalid_record", "/row/3/date_end"),
    ("AC-DSK-160,EA,-212.50,EUR,1,,,,", "invalid_record", "/row/3/price"),
    ("AC-DSK-160,EA,nan,EUR,1,,,,", "invalid_record", "/row/3/price"),
    ("AC-DSK-160,EA,212.50,EUR,1,2027-02-29,,,", "invalid_record", "/row/3/date_start"),
    ("AC-DSK-160,EA,212.50,E1R,1,,,,", "invalid_record", "/row/3/currency"),
    ("AC-DSK-160,EA,212.50,EUR,1,,,,2.5", "invalid_record", "/row/3/delay"),
    ("AC-DSK-160,PL,212.50,EUR,1,,,,", "mapping_missing", "/row/3/unit"),
    ("AC-DSK-160,KG,212.50,EUR,1,,,,", "unit_mismatch", "/row/3/unit"),
    ("AC-DSK-160,EA,212.50,EUR,1,,,", "invalid_record", "/row/3"),
    ("AC-DSK-160,EA,212.50,EUR,1,,,,,,", "invalid_record", "/row/3"),
    (",EA,212.50,EUR,1,,,,", "invalid_record", "/row/3/sku"),
])
def test_price_list_row_problems_reject_that_row(row, code, pointer):
    answer = run("supplier-pricelist", prices("AC-DSK-160,EA,1,EUR,500,,,,", row), "acme-supplies", CSV)
    assert [r["index"] for r in answer["records"]] == [0]
    error = rejection(answer, 1)
    assert (error["code"], error["details"][0]["pointer"]) == (code, pointer), error


def test_the_same_price_twice_rejects_both_rows():
    row = "AC-DSK-160,EA,212.50,EUR,1,2027-01-01,,,"
    answer = run("supplier-pricelist", prices(row, "AC-DSK-160,EA,205,EUR,10,2027-01-01,,,", row.replace("212.50", "199")),
                 "acme-supplies", CSV)
    assert [r["index"] for r in answer["records"]] == [1]
    assert {r["error"]["code"] for r in answer["rejected"]} == {"duplicate_line"}


def test_thousands_separators_are_refused_not_guessed():
    body = "sku;unit;price;currency;min_quantity;date_start;date_end\nAC-DSK-160;EA;1.234,50;EUR;1;;\n".encode()
    error = rejection(run("supplier-pricelist", body, "acme-supplies", CSV))
    assert error["details"][0]["pointer"] == "/row/2/price"


@pytest.mark.parametrize("rows, code, pointer", [
    (["SHP-1,P00044,AC-DSK-160,1,EA,,,,", "SHP-1,P00045,AC-DSK-160,1,EA,,,,"], "inconsistent_rows", "/row/4/po"),
    (["SHP-1,P00044,AC-DSK-160,1,EA,,,,", "SHP-1,P00044,AC-DSK-160,1,EA,,,,"], "duplicate_line", "/row/4"),
    (["SHP-1,P00044,AC-DSK-160,0,EA,,,,"], "invalid_quantity", "/row/3/quantity"),
    (["SHP-1,P00044,AC-DSK-160,1,EA,,2026-12-06T25:00:00Z,,"], "invalid_record", "/row/3/shipped_at"),
    (["SHP-1,,AC-DSK-160,1,EA,,,,"], "invalid_record", "/row/3/po"),
])
def test_asn_rows_problems_reject_the_whole_notice(rows, code, pointer):
    header = ASN_ROWS.splitlines()[0]
    body = "\n".join([header, "SHP-0,P00040,AC-DSK-160,1,EA,,,,", *rows]).encode()
    answer = run("supplier-asn-csv", body, "acme-supplies", CSV)
    assert [r["ref"] for r in answer["records"]] == ["SHP-0"]
    error = rejection(answer, 1)
    assert (error["code"], error["details"][0]["pointer"]) == (code, pointer), error


def test_utf16_with_bom_and_quoted_fields_read_as_written():
    text = HEADER + '\n"AC-DSK-160",EA,"212.50",EUR,1,,,"Desk, oak\n160 cm",\n'
    body = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    [item] = run("supplier-pricelist", body, "acme-supplies", CSV)["records"]
    assert item["record"]["supplier_code"] == "Desk, oak\n160 cm"


@pytest.mark.parametrize("body, code", [
    (b"", "csv_empty"),
    (b"\n\n \n", "csv_empty"),
    (b"\xff\xfe\x00", "csv_encoding"),                                 # a lone UTF-16 BOM and a broken unit
    ("sku,unit,price\nD\u00c9SK,EA,1\n".encode("latin-1"), "csv_encoding"),  # undeclared Latin-1
    (HEADER.encode() + b"\nAC-DSK-160,EA,1,EUR,1,,,\x00,\n", "csv_malformed"),
    (HEADER.encode() + b"\nAC-DSK-160,EA,1,EUR,1,,,\"unterminated\n", "csv_malformed"),
    (HEADER.encode() + b"\nAC-DSK-160,EA,1,EUR,1,,," + b"x" * 70000 + b",\n", "csv_malformed"),
    (b"AC-DSK-160,EA,212.50,EUR,1,,\n", "csv_columns"),                # no header row
    (b"sku,unit,price,currency,min_qty,date_start,date_end\n", "csv_columns"),
    (HEADER.encode() + b",sku\n", "csv_columns"),                      # a column twice
])
def test_csv_that_cannot_be_read_is_refused_whole(body, code):
    assert refused("supplier-pricelist", body, CSV).code == code


def test_json_rows_with_unknown_columns_or_wrong_types_are_rejected_per_row():
    rows = [{"sku": "AC-DSK-160", "unit": "EA", "price": 1, "currency": "EUR", "min_quantity": 1},
            {"sku": "AC-DSK-160", "unit": "EA", "prize": 1, "currency": "EUR", "min_quantity": 2},
            {"sku": "AC-DSK-160", "unit": "EA", "price": {"amount": 1}, "currency": "EUR", "min_quantity": 3},
            "AC-DSK-160,EA,1,EUR,4"]
    answer = run("supplier-pricelist", rows, "acme-supplies")
    assert [r["index"] for r in answer["records"]] == [0]
    assert "prize" in rejection(answer, 1)["message"]
    assert rejection(answer, 2)["details"][0]["pointer"] == "/2/price"
    assert rejection(answer, 3)["details"][0]["pointer"] == "/3"


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_every_adapter_refuses_an_unreadable_body_whole(adapter):
    for body, media_type in [(b"{\"truncated\": [1, 2", JSON), (b"\xff\xfe{}", JSON), (b"null", JSON), (b"42", JSON),
                             (b"[" * 100 + b"]" * 100, JSON), (b"<xml/>", "application/xml")]:
        error = refused(adapter, body, media_type)
        assert error.code in ("malformed_json", "unsupported_media_type"), (adapter, body, error.code)
