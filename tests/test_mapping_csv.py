"""Bulk CSV import of mappings (POST /v1/mappings/{kind}/import): encodings, columns, rows, all or nothing, dry run;
and one Odoo read per model whatever the number of rows."""
from __future__ import annotations

import pytest

from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.support.mapping_seed import MappingSeed

CSV = {**bearer(ALL_SCOPES_KEY), "Content-Type": "text/csv"}


@pytest.fixture
def odoo(odoo_seed):
    return MappingSeed(odoo_seed)


def post(client, kind, body, query="", headers=CSV):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post(f"/v1/mappings/{kind}/import{query}", data=data, headers=headers)


def stored(client, kind):
    return client.get(f"/v1/mappings/{kind}?limit=200", headers=bearer(ALL_SCOPES_KEY)).json["items"]


def test_a_utf8_file_with_bom_imports_every_row_with_its_row_number(client, services, odoo):
    first, second = odoo.product(), odoo.product()
    code = odoo.read_product(second)["default_code"]
    body = f"\ufeffsource,sku,product_id,default_code\r\nshop-eu,Café-1,{first},\r\n\r\n*,\"B,2\",,{code}\r\n"
    answer = post(client, "skus", body)
    assert answer.status_code == 200, answer.json
    assert [(i["row"], i["action"], i["mapping"]["sku"], i["mapping"]["product_id"]) for i in answer.json["items"]] \
        == [(2, "created", "Café-1", first), (4, "created", "B,2", second)]
    assert {m["sku"] for m in stored(client, "skus")} == {"Café-1", "B,2"}
    with services.db.read() as conn:
        created = [e for e in audit.entries(conn) if e["kind"] == "mapping.created"]
    assert [e["data"]["via"] for e in created] == ["csv", "csv"] and created[0]["actor"] == "ops"


def test_semicolons_and_a_source_given_once(client, odoo):
    product = odoo.product()
    answer = post(client, "packs", f"unit;product_id;quantity\nCS;{product};24\nPL;{product};960\n",
                  query="?source=wms-main")
    assert answer.status_code == 200, answer.json
    assert {(m["mapping"]["source"], m["mapping"]["unit"], m["mapping"]["quantity"]) for m in answer.json["items"]} \
        == {("wms-main", "CS", 24.0), ("wms-main", "PL", 960.0)}


def test_undeclared_latin1_bytes_are_refused_with_their_line_never_guessed(client):
    answer = post(client, "skus", "source,sku,product_id\n*,A,1\n*,Caf\u00e9,2\n".encode("latin-1"))
    assert answer.status_code == 400 and answer.json["error"]["code"] == "csv_encoding"
    message = answer.json["error"]["message"]
    assert "0xE9 on line 3" in message and "UTF-8" in message and "charset=windows-1252" in message
    assert answer.json["error"]["details"] == [
        {"row": 3, "pointer": "/row/3", "message": "byte 0xE9 is not UTF-8 (invalid continuation byte)"}]
    assert stored(client, "skus") == []


@pytest.mark.parametrize("encoded, content_type", [
    (lambda text: text.encode("utf-16"), "text/csv"),                             # the BOM says UTF-16
    (lambda text: text.encode("cp1252"), "text/csv; charset=windows-1252"),       # the request declares it
    (lambda text: text.encode("latin-1"), "text/csv; charset=ISO-8859-1"),
])
def test_utf16_by_its_bom_or_a_declared_charset_is_read_as_written(client, odoo, encoded, content_type):
    product = odoo.product()
    answer = post(client, "skus", encoded(f"source,sku,product_id\r\n*,Caf\u00e9,{product}\r\n"),
                  headers={**CSV, "Content-Type": content_type})
    assert answer.status_code == 200, answer.json
    assert [m["sku"] for m in stored(client, "skus")] == ["Caf\u00e9"]


@pytest.mark.parametrize("body, status, code, details", [
    ("source,sku,product,colour\n*,A,1,red\n", 422, "csv_columns",
     [{"row": 1, "pointer": "/row/1", "column": "product", "message": "unknown column"},
      {"row": 1, "pointer": "/row/1", "column": "colour", "message": "unknown column"},
      {"row": 1, "pointer": "/row/1", "column": "product_id or default_code", "message": "missing column"}]),
    ("source,product_id\n*,1\n", 422, "csv_columns",
     [{"row": 1, "pointer": "/row/1", "column": "sku", "message": "missing column"}]),
    ("sku,sku,product_id\nA,A,1\n", 422, "csv_columns",
     [{"row": 1, "pointer": "/row/1", "column": "sku", "message": "column given twice"}]),
    ("\n \n", 400, "csv_empty", []),
    ("", 400, "csv_empty", []),
    ("source,sku,product_id\n", 400, "csv_empty", []),
    ("source,sku,product_id\n*,A\n*,B,1\n*,C,1,2\n", 400, "csv_malformed",
     [{"row": 2, "pointer": "/row/2", "message": "2 fields; the header has 3"},
      {"row": 4, "pointer": "/row/4", "message": "4 fields; the header has 3"}]),
    ("source,sku,product_id\n*,\"A\n1\",1\n*,B\n", 400, "csv_malformed",  # a quoted field spans lines 2-3
     [{"row": 4, "pointer": "/row/4", "message": "2 fields; the header has 3"}]),
    ("source,sku,product_id\n*,\"A,1\n", 400, "csv_malformed", None),
    ("source,sku,product_id\n*,A\x00,1\n", 400, "csv_malformed",
     [{"row": 2, "pointer": "/row/2", "message": "NUL character"}]),
])
def test_bad_headers_and_malformed_files_are_refused_naming_the_row(client, body, status, code, details):
    answer = post(client, "skus", body)
    assert answer.status_code == status and answer.json["error"]["code"] == code, answer.json
    if details is not None:
        assert answer.json["error"]["details"] == details


@pytest.mark.parametrize("row, column, says", [
    ("*,A,abc", "product_id", "Odoo record id"),
    ("*,A,-4", "product_id", "Odoo record id"),
    ("*,A,99999999999999999999999", "product_id", "Odoo record id"),
    ("*,A,1.0", "product_id", "Odoo record id"),
    ("*,=HYPERLINK(\"x\"\u0007),1", "sku", "control character"),
    ("shop eu,A,1", "source", "source must be"),
    (",A,1", "source", "no source"),
    ("*," + "S" * 129 + ",1", "sku", "longer than 128"),
])
def test_bad_values_are_400_with_row_and_column_and_nothing_is_stored(client, odoo, row, column, says):
    product = odoo.product()
    answer = post(client, "skus", f"source,sku,product_id\n*,GOOD,{product}\n{row}\n")
    assert answer.status_code == 400, answer.json
    [detail] = answer.json["error"]["details"]
    assert (detail["row"], detail["column"]) == (3, column) and says in detail["message"]
    assert stored(client, "skus") == []


@pytest.mark.parametrize("quantity", ["1e400", "nan", "inf", "0", "1,5", "1_000", "2000000000", "٣"])
def test_bad_pack_quantities_are_refused(client, odoo, quantity):
    product = odoo.product()
    answer = post(client, "packs", f"source;unit;product_id;quantity\n*;CS;{product};{quantity}\n")
    assert answer.status_code == 400 and answer.json["error"]["details"][0]["column"] == "quantity", answer.json


def test_duplicate_rows_are_refused_naming_both_rows(client, odoo):
    product = odoo.product()
    answer = post(client, "skus", f"source,sku,product_id\n*,A,{product}\n*,B,{product}\n*, A ,{product}\n")
    assert answer.status_code == 400
    [detail] = answer.json["error"]["details"]
    assert detail["row"] == 4 and "row 2" in detail["message"]


def test_one_unknown_product_refuses_the_whole_file_with_its_row(client, odoo):
    product = odoo.product()
    missing = odoo.missing_id("product.product")
    answer = post(client, "skus", f"source,sku,product_id\n*,A,{product}\n*,B,{missing}\n*,C,{product}\n")
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["details"] == [
        {"row": 3, "column": "product_id",
         "message": f"Odoo has no product.product {missing} (or the integration user cannot read it)"}]
    assert stored(client, "skus") == []


def test_dry_run_says_what_would_change(client, odoo):
    product, other = odoo.product(), odoo.product()
    assert post(client, "skus", f"source,sku,product_id\n*,A,{product}\n").status_code == 200
    answer = post(client, "skus", f"source,sku,product_id\n*,A,{other}\n*,B,{product}\n", query="?dry_run=true")
    assert answer.status_code == 200 and answer.json["dry_run"] is True
    assert (answer.json["created"], answer.json["updated"]) == (1, 1)
    assert [(m["sku"], m["product_id"]) for m in stored(client, "skus")] == [("A", product)]


def test_media_type_and_charset_are_checked(client):
    body = "source,sku,product_id\n*,A,1\n"
    plain = post(client, "skus", body, headers={**CSV, "Content-Type": "text/plain"})
    assert plain.status_code == 415
    ebcdic = post(client, "skus", body, headers={**CSV, "Content-Type": "text/csv; charset=ebcdic"})
    assert ebcdic.status_code == 415 and "ebcdic" in ebcdic.json["error"]["message"]


def test_many_rows_cost_one_odoo_read_per_model(client, odoo, odoo_double):
    products = [odoo.product() for _ in range(3)]
    codes = [odoo.read_product(p)["default_code"] for p in products]
    packaging = odoo.packaging(products[0], 6)
    rows = "".join(f"*,U{n},{products[n % 3]},,{n + 1}\n" for n in range(60))
    rows += "".join(f"*,C{n},,{codes[n % 3]},{n + 1}\n" for n in range(60))
    odoo_double.calls.clear()
    answer = post(client, "packs", "source,unit,product_id,default_code,quantity\n" + rows)
    assert answer.status_code == 200, answer.json
    models = sorted(call[0] for call in odoo_double.calls if call[0] != "res.users")
    assert models == ["product.product", "uom.uom"]
    odoo_double.calls.clear()
    assert post(client, "packs", f"source,unit,packaging_id\n*,BOX,{packaging}\n").status_code == 200
    assert sorted(c[0] for c in odoo_double.calls if c[0] != "res.users") == \
        ["product.packaging", "product.product", "uom.uom"]
