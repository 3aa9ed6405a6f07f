"""The one CSV policy (sidecar.csv_table) that adapters and mapping imports share."""
from __future__ import annotations

import codecs

import pytest

from sidecar import csv_table
from sidecar.errors import SidecarError


def refused(body: bytes, content_type: str | None = None, required=("a", "b"), optional=()) -> SidecarError:
    with pytest.raises(SidecarError) as caught:
        csv_table.read(body, content_type, required, optional)
    return caught.value


def test_rows_keep_the_line_they_start_on_and_blank_lines_are_skipped():
    table = csv_table.read(b'\n a ,B\r\n1,"two\nlines"\r\n\r\n , \r\n3,4\n5\n', None, ("a", "b"))
    assert table["columns"] == ["a", "b"] and table["delimiter"] == ","
    assert [(r["line"], r["values"], r["problem"]) for r in table["rows"]] == [
        (3, {"a": "1", "b": "two\nlines"}, None), (7, {"a": "3", "b": "4"}, None),
        (8, None, "1 fields; the header has 2")]


@pytest.mark.parametrize("header, delimiter", [("a;b", ";"), ("a,b", ","), ("a;b,c", ",")])
def test_semicolons_only_when_the_header_uses_only_semicolons(header, delimiter):
    body = f"{header}\n1{delimiter}2\n".encode()
    if header == "a;b,c":
        assert refused(body, optional=("c",)).code == "csv_columns"
    else:
        assert csv_table.read(body, None, ("a", "b"))["delimiter"] == delimiter


@pytest.mark.parametrize("body, content_type", [
    ("a,b\né,ü\n".encode("utf-8"), None),
    (codecs.BOM_UTF8 + "a,b\né,ü\n".encode("utf-8"), None),
    (codecs.BOM_UTF16_BE + "a,b\né,ü\n".encode("utf-16-be"), None),
    ("a,b\né,ü\n".encode("cp1252"), "text/csv; charset=Windows-1252"),
    ("a,b\né,ü\n".encode("utf-16"), "text/csv; charset=\"utf-16\""),
])
def test_encodings_the_policy_reads(body, content_type):
    [row] = csv_table.read(body, content_type, ("a", "b"))["rows"]
    assert row["values"] == {"a": "é", "b": "ü"}


def test_a_bad_byte_is_named_with_its_line_in_the_declared_encoding_too():
    error = refused("a,b\n1,2\n3,\u00e9\n".encode("latin-1"))
    assert (error.status, error.code) == (400, "csv_encoding")
    assert "byte 0xE9 on line 3" in error.message and "charset=windows-1252" in error.message
    error = refused(codecs.BOM_UTF8 + b"a,b\n\xff,1\n")
    assert "byte 0xFF on line 2" in error.message
    error = refused("a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8", "text/csv; charset=utf-16le")
    assert error.code == "csv_encoding" and "on line 3" in error.message and "declare" not in error.message
    assert refused(b"a,b\n", "text/csv; charset=koi8-r").status == 415


@pytest.mark.parametrize("body, status, code, line", [
    (b"", 400, "csv_empty", None),
    (b" \r\n\n", 400, "csv_empty", None),
    (b"a,b\n1,\x002\n", 400, "csv_malformed", 2),
    (b'a,b\n1,2\n3,"open\n', 400, "csv_malformed", 3),
    (b"a,b\n1," + b"x" * (csv_table.MAX_FIELD + 1) + b"\n", 400, "csv_malformed", 2),
    (b"a,a,b\n", 422, "csv_columns", 1),
    (b"\nx,y\n", 422, "csv_columns", 2),
])
def test_whole_file_problems(body, status, code, line):
    error = refused(body)
    assert (error.status, error.code) == (status, code), error.message
    if line:
        assert {(d["row"], d["pointer"]) for d in error.details} == {(line, f"/row/{line}")}


def test_a_required_entry_may_be_satisfied_by_any_of_its_columns():
    assert csv_table.read(b"a,c\n1,2\n", None, ("a", ("b", "c")))["columns"] == ["a", "c"]
    error = refused(b"a,d\n1,2\n", required=("a", ("b", "c")))
    assert [(d["column"], d["message"]) for d in error.details] == [
        ("d", "unknown column"), ("b or c", "missing column")]
    assert "the header row" not in error.message
    assert "the first line must be the header row" in refused(b"1,2\n").message
