"""Row-shaped bodies: a CSV file with a header row, or the same rows as a JSON array of objects.

A CSV body is read by `sidecar.csv_table` (the one CSV policy): one that cannot be read as a whole (an
encoding it does not declare, NUL bytes, no header, columns it does not know) is refused before any row,
a 400/422 naming the problem. Rows that are read come back as plain JSON rows, each converted or
rejected on its own (a ragged row included).
"""
from __future__ import annotations

import re

from sidecar import csv_table
from sidecar.api.body import is_json_type, parse_json
from sidecar.errors import InvalidPayload, UnsupportedMediaType

CSV_TYPES = ("text/csv",)


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
    kind = media_type.partition(";")[0].strip().lower()
    if kind in CSV_TYPES:
        return _csv_rows(body, media_type, required, optional, numeric)
    if is_json_type(kind):
        return _json_rows(parse_json(body), required, optional)
    raise UnsupportedMediaType("send the rows as Content-Type: text/csv (a header row first) or application/json",
                               details=[{"pointer": "Content-Type", "message": f"got '{media_type[:100]}'"}])


def _csv_rows(body: bytes, media_type: str, required, optional, numeric=()) -> list[dict]:
    """Read under the shared CSV policy; a ragged row is rejected on its own, like any other bad row."""
    table = csv_table.read(body, media_type, required, optional)
    found = []
    for line in table["rows"]:
        pointer = f"/row/{line['line']}"
        if line["problem"]:
            found.append(row(None, pointer, line["problem"]))
            continue
        values = {c: (v.strip() or None) for c, v in line["values"].items()}
        if table["delimiter"] == ";":
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
