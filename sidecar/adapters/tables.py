"""Row-shaped bodies: a CSV file with a header row, or the same rows as a JSON array of objects.

A CSV body that cannot be read as a whole (an encoding it does not declare, NUL bytes, no header,
columns it does not know) is refused before any row: a 400/422 naming the problem. Rows that are
read come back as plain JSON rows, each converted or rejected on its own.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from sidecar.api.body import is_json_type, parse_json
from sidecar.errors import InvalidPayload, SidecarError, UnsupportedMediaType

CSV_TYPES = ("text/csv",)
# Spreadsheets export CSV as UTF-8 (often with a BOM), UTF-16 (Excel's "Unicode text") or Windows-1252.
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be",
            "iso-8859-1": "latin-1", "latin-1": "latin-1", "latin1": "latin-1", "windows-1252": "cp1252",
            "cp1252": "cp1252", "us-ascii": "ascii", "ascii": "ascii"}
MAX_FIELD = 65536  # characters; a longer CSV field is not a price list or a notice line


class CsvColumns(SidecarError):
    """The CSV was read but its header is not the adapter's: no row can be trusted to be what it says."""

    status, code = 422, "csv_columns"


def row(values: dict | None, pointer: str, problem: str | None = None) -> dict:
    """One row as plain JSON (a dead letter keeps it and replays it): its values by column (None when absent),
    where it was ("/row/5" is the file's 5th line), and why it cannot be read at all when it cannot."""
    return {"values": values, "pointer": pointer, "problem": problem}


def cell(row_: dict, column: str):
    values = row_.get("values")
    return values.get(column) if isinstance(values, dict) else None


def rows(body: bytes, media_type: str, required: tuple[str, ...], optional: tuple[str, ...],
         numeric: tuple[str, ...] = ()) -> list[dict]:
    """The rows of a CSV (`text/csv`) or JSON (`application/json`: an array of objects, {"rows": [...]}, or one
    object) body.
    In a semicolon-separated CSV (a European spreadsheet's export) the `numeric` columns use a decimal comma."""
    kind, _, params = media_type.partition(";")
    kind = kind.strip().lower()
    if kind in CSV_TYPES:
        return _csv_rows(_decode(body, _charset(params)), required, optional, numeric)
    if is_json_type(kind):
        return _json_rows(parse_json(body), required, optional)
    raise UnsupportedMediaType("send the rows as Content-Type: text/csv (a header row first) or application/json",
                               details=[{"pointer": "Content-Type", "message": f"got '{media_type[:100]}'"}])


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset not in CHARSETS:
                raise UnsupportedMediaType(f"charset '{charset[:40]}' is not supported",
                                           details=[{"pointer": "Content-Type",
                                                     "message": f"use one of {', '.join(sorted(set(CHARSETS.values())))}"}])
            return CHARSETS[charset]
    return None


def _decode(body: bytes, charset: str | None) -> str:
    if charset is None and body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        charset = "utf-16"  # the BOM says so unambiguously
    charset = charset or "utf-8"
    try:
        text = body.decode("utf-8-sig" if charset == "utf-8" else charset)
    except UnicodeDecodeError as err:
        hint = ("; declare the file's encoding, e.g. Content-Type: text/csv; charset=windows-1252"
                if charset == "utf-8" else "")
        raise InvalidPayload(f"the CSV body is not valid {charset} at byte {err.start}{hint}", code="malformed_csv",
                             details=[{"pointer": "", "message": f"byte {err.start}: {err.reason}"}]) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidPayload(f"the CSV body holds a NUL character (line {line}): binary data or another encoding "
                             "than declared", code="malformed_csv", details=[{"pointer": f"/row/{line}",
                                                                              "message": "NUL character"}])
    return text


def _columns(header: list[str], required, optional) -> list[str]:
    names = [h.strip().lower() for h in header]
    known = set(required) | set(optional)
    unknown = [n for n in names if n not in known]
    missing = [c for c in required if c not in names]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if not unknown and not missing and not duplicated:
        return names
    if missing and len(unknown) == len(names):
        message = f"the first line must be the header row: {', '.join(required)}"
    else:
        message = "the CSV header does not have the expected columns"
    details = ([{"pointer": "/row/1", "message": f"missing columns: {', '.join(missing)}"}] if missing else []) + \
              ([{"pointer": "/row/1", "message": f"unknown columns: {', '.join(u[:40] for u in unknown[:20])}"}]
               if unknown else []) + \
              ([{"pointer": "/row/1", "message": f"columns given twice: {', '.join(duplicated)}"}] if duplicated else [])
    details.append({"pointer": "/row/1", "message": f"expected {', '.join(required)}"
                    + (f" and optionally {', '.join(optional)}" if optional else "")})
    raise CsvColumns(message, details=details)


def _csv_rows(text: str, required, optional, numeric=()) -> list[dict]:
    if not text.strip():
        raise InvalidPayload("the CSV body is empty; send a header row and one row per record", code="malformed_csv")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # a European spreadsheet's export
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous = csv.field_size_limit(MAX_FIELD)
    try:
        table, last = [], 0
        for fields in reader:
            table.append((last + 1, fields))  # the line the row starts on (a quoted field may span lines)
            last = reader.line_num
    except csv.Error as err:
        raise InvalidPayload(f"the CSV body cannot be read at line {reader.line_num + 1}: {err}", code="malformed_csv",
                             details=[{"pointer": f"/row/{reader.line_num + 1}", "message": str(err)[:200]}]) from None
    finally:
        csv.field_size_limit(previous)
    (_, header), body = table[0], table[1:]
    columns = _columns(header, required, optional)
    found = []
    for line, fields in body:
        if not any(f.strip() for f in fields):
            continue  # blank lines (a trailing newline, a spreadsheet's empty rows) carry no record
        pointer = f"/row/{line}"
        if len(fields) != len(columns):
            found.append(row(None, pointer, f"has {len(fields)} fields; the header has {len(columns)}"))
            continue
        values = {c: (f.strip() or None) for c, f in zip(columns, fields)}
        if delimiter == ";":
            values.update({c: _decimal_comma(values[c]) for c in numeric if values.get(c)})
        found.append(row(values, pointer))
    return found


DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def _decimal_comma(value: str) -> str:
    """`12,5` -> `12.5`; anything else (`1.234,5` included) is left for the number reader to refuse."""
    return value.replace(",", ".") if DECIMAL_COMMA.match(value) else value


def _json_rows(document, required, optional) -> list[dict]:
    if isinstance(document, dict) and isinstance(document.get("rows"), list) and len(document) == 1:
        document, base = document["rows"], "/rows"
    elif isinstance(document, list):
        base = ""
    elif isinstance(document, dict):
        document, base = [document], ""  # one row as an object; its pointer is /0
    else:
        raise InvalidPayload("a JSON body must be an array of row objects, {\"rows\": [...]} or one row",
                             code="malformed_json", details=[{"pointer": "", "message": f"got {type(document).__name__}"}])
    known = set(required) | set(optional)
    found = []
    for index, item in enumerate(document):
        pointer = f"{base}/{index}"
        if not isinstance(item, dict):
            found.append(row(None, pointer, "must be an object of columns"))
            continue
        values = {str(k).strip().lower(): v for k, v in item.items()}
        unknown = sorted(k for k in values if k not in known)
        if unknown:
            found.append(row(None, pointer, f"unknown columns: {', '.join(u[:40] for u in unknown[:20])}"))
            continue
        found.append(row({k: _cell(v) for k, v in values.items()}, pointer))
    return found


def _cell(value):
    """JSON numbers and strings read as a CSV cell would be; anything else stays as it is and is refused by its reader."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def json_document(body: bytes, media_type: str):
    """A JSON body (object or array) for the adapters that read JSON only; 415 for anything else, CSV included."""
    kind = media_type.partition(";")[0].strip().lower()
    if not is_json_type(kind):
        raise UnsupportedMediaType("this adapter reads JSON: send Content-Type: application/json",
                                   details=[{"pointer": "Content-Type", "message": f"got '{media_type[:100]}'"}])
    if not body.strip(b" \t\n\r"):
        raise InvalidPayload("request body is empty; send a JSON object or array", code="malformed_json")
    document = parse_json(body)
    if not isinstance(document, (dict, list)):
        raise InvalidPayload("request body must be a JSON object or array", code="malformed_json",
                             details=[{"pointer": "", "message": f"got {type(document).__name__}"}])
    return document


def items(document, plural: str) -> list[dict]:
    """The records of a JSON body, each as {"value", "pointer"}: an array of them, {plural: [...]}, or one object."""
    if isinstance(document, list):
        return [{"value": item, "pointer": f"/{index}"} for index, item in enumerate(document)]
    if isinstance(document.get(plural), list) and len(document) == 1:
        return [{"value": item, "pointer": f"/{plural}/{index}"} for index, item in enumerate(document[plural])]
    return [{"value": document, "pointer": ""}]
