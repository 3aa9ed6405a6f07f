"""Bulk import of one kind of mapping from CSV: UTF-8 text (a BOM is allowed), a header row naming the columns.

Other encodings are refused, never guessed: a Latin-1 or Windows-1252 file would otherwise turn 'é' into
something else silently. Rows are numbered as a spreadsheet shows them (the header is row 1). One import is
all or nothing; `dry_run` checks everything (Odoo included) and says what would change.
"""
from __future__ import annotations

import csv
import io

from sidecar.errors import InvalidPayload
from sidecar.mapping import service
from sidecar.mapping.fields import FIELDS

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 with or without BOM, else a 400 naming the first bad byte and its line."""
    if raw.startswith(UTF16_BOMS):
        raise InvalidPayload("the CSV is UTF-16; save it as UTF-8 (with or without BOM)", code="csv_encoding")
    try:
        return raw.removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError as err:
        start = err.start + (len(BOM) if raw.startswith(BOM) else 0)
        line = raw[:start].count(b"\n") + 1
        byte = raw[start:start + 1].hex().upper()
        raise InvalidPayload(
            f"the CSV is not UTF-8: byte 0x{byte} on line {line}; save it as UTF-8 (with or without BOM). "
            "Other encodings (Latin-1, Windows-1252) are refused, not guessed",
            details=[{"row": line, "message": f"byte 0x{byte} is not UTF-8"}], code="csv_encoding") from None


def _dialect(text: str) -> str:
    """',' unless the header row uses ';' only (a spreadsheet set to a decimal comma writes those)."""
    header = text.split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def read_rows(kind: str, text: str) -> tuple[list[dict], list[int]]:
    """(one dict per data row, keyed by column, with its row number); 400 for a bad header or CSV syntax."""
    if "\x00" in text:
        raise InvalidPayload("the CSV holds a NUL character: is it a text file?", code="csv_malformed")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise InvalidPayload("the CSV is empty: its first row names the columns "
                                 f"({', '.join(FIELDS[kind])})", code="csv_columns")
        columns = [cell.strip().lower() for cell in header]
        _check_columns(kind, columns)
        entries, numbers = [], []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(columns):
                raise InvalidPayload(f"row {reader.line_num} has {len(cells)} cells; the header has {len(columns)}",
                                     details=[{"row": reader.line_num,
                                               "message": f"{len(cells)} cells, expected {len(columns)}"}],
                                     code="csv_malformed")
            entries.append(dict(zip(columns, cells)))
            numbers.append(reader.line_num)
            if len(entries) > service.MAX_ROWS:
                raise InvalidPayload(f"at most {service.MAX_ROWS} rows in one import", code="csv_too_many_rows")
    except csv.Error as err:
        raise InvalidPayload(f"the CSV is malformed on line {reader.line_num}: {err}",
                             details=[{"row": reader.line_num, "message": str(err)}], code="csv_malformed") from None
    if not entries:
        raise InvalidPayload("the CSV has a header but no rows", code="csv_empty")
    return entries, numbers


def _check_columns(kind: str, columns: list[str]) -> None:
    known = FIELDS[kind]
    unknown = [c for c in columns if c not in known]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    required = {"skus": ["sku"], "units": ["unit", "uom_id"], "packs": ["unit"],
                "partners": ["external_id", "partner_id"]}[kind]
    missing = [c for c in required if c not in columns]
    if kind in ("skus", "packs") and not {"product_id", "default_code", "packaging_id"} & set(columns):
        missing.append("product_id or default_code")
    if kind == "packs" and not {"quantity", "packaging_id"} & set(columns):
        missing.append("quantity or packaging_id")
    if unknown or repeated or missing:
        details = [{"row": 1, "column": c[:64], "message": "unknown column"} for c in unknown]
        details += [{"row": 1, "column": c, "message": "column given twice"} for c in repeated]
        details += [{"row": 1, "column": c, "message": "missing column"} for c in missing]
        raise InvalidPayload(f"wrong columns for {kind}: the header takes {', '.join(known)}", details=details,
                             code="csv_columns")


def import_csv(services, kind: str, raw: bytes, *, source: str | None, actor: str | None,
               dry_run: bool = False, via: str = "csv") -> dict:
    """Check every row (shape, duplicates, Odoo) and store them all, or none with a 4xx naming each bad row."""
    service.check_kind(kind)
    source = service.check_source(source)
    entries, numbers = read_rows(kind, decode(raw))

    def place(index: int, field: str | None) -> dict:
        return {"row": numbers[index], **({"column": field} if field else {})}

    rows = service.prepare(services, kind, entries, source, place=place)
    answer = service.apply(services, kind, rows, actor, dry_run=dry_run, via=via)
    for item, number in zip(answer["items"], numbers):
        item["row"] = number
    return answer
