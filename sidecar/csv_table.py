"""Reading a CSV table: one policy for every CSV body the sidecar takes (adapters' rows, mapping imports).

Decoding: the charset a Content-Type declares; else UTF-16 when its BOM says so; else UTF-8 (a BOM
allowed). Bytes that are not what they claim are refused naming the first bad byte and its line: a
Latin-1 or Windows-1252 file is never guessed, since a wrong guess turns 'é' into something else silently.
Then: no NUL, `;` as delimiter when the header row uses only `;` (a spreadsheet set to a decimal comma
writes those), bounded fields, a header row checked against the caller's columns, blank lines skipped.

Whole-file problems are errors (400 csv_encoding / csv_malformed / csv_empty, 422 csv_columns, 415 for a
charset not read); row problems (a ragged row) come back with the row, and the caller decides.
"""
from __future__ import annotations

import codecs
import csv
import io

from sidecar.errors import InvalidPayload, SidecarError, UnsupportedMediaType

# Spreadsheets export CSV as UTF-8 (often with a BOM), UTF-16 (Excel's "Unicode text") or Windows-1252.
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be",
            "iso-8859-1": "latin-1", "latin-1": "latin-1", "latin1": "latin-1", "windows-1252": "cp1252",
            "cp1252": "cp1252", "us-ascii": "ascii", "ascii": "ascii"}
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
MAX_FIELD = 65536  # characters; no column the sidecar reads holds more than that
# The limit is process-wide in the csv module: set once here (this module is the only CSV reader), never
# swapped around a read, which would race between threads of one worker.
csv.field_size_limit(MAX_FIELD)
DECLARE = "Content-Type: text/csv; charset=windows-1252"


class CsvEncoding(InvalidPayload):
    """The bytes are not text in the encoding they claim (or UTF-8 when they claim none)."""

    code = "csv_encoding"


class CsvMalformed(InvalidPayload):
    """Text, but not a CSV: a NUL character, an unterminated quote, a field over the limit, a ragged row."""

    code = "csv_malformed"


class CsvEmpty(InvalidPayload):
    """Nothing to read: no header row (or, for a caller that needs rows, a header and nothing else)."""

    code = "csv_empty"


class CsvColumns(SidecarError):
    """The CSV was read but its header is not the caller's: no row can be trusted to be what it says."""

    status, code = 422, "csv_columns"


def at_line(line: int, message: str, **more) -> dict:
    """One problem's place, both ways callers name it: the line (`row`, as a spreadsheet numbers it when no
    quoted field spans lines) and the pointer `/row/N`."""
    return {"row": line, "pointer": f"/row/{line}", **more, "message": message}


def charset_of(content_type: str | None) -> str | None:
    """The codec a Content-Type's charset parameter names; None when it names none; 415 for one not read."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset not in CHARSETS:
                raise UnsupportedMediaType(f"charset '{charset[:40]}' is not supported",
                                           details=[{"pointer": "Content-Type", "message":
                                                     f"use one of {', '.join(sorted(set(CHARSETS.values())))}"}])
            return CHARSETS[charset]
    return None


def decode(body: bytes, content_type: str | None = None, declare: str | None = DECLARE) -> str:
    """The body's text under the one policy above; `declare` tells how this caller's user names an encoding."""
    charset = charset_of(content_type)
    if charset is None:
        charset = "utf-16" if body.startswith(UTF16_BOMS) else "utf-8"  # a BOM says so unambiguously
    skip = len(codecs.BOM_UTF8) if charset == "utf-8" and body.startswith(codecs.BOM_UTF8) else 0
    try:
        text = body[skip:].decode(charset)
    except UnicodeDecodeError as err:
        start = skip + err.start
        line = body[skip:start].decode(charset, errors="replace").count("\n") + 1
        byte = body[start:start + 1].hex().upper()
        name = "UTF-8" if charset == "utf-8" else charset
        hint = "; save it as UTF-8 (with or without BOM)"
        if charset_of(content_type) is None:
            hint += f" or declare its encoding ({declare})" if declare else ""
            hint += ". Other encodings (Latin-1, Windows-1252) are refused, not guessed"
        raise CsvEncoding(f"the CSV is not {name}: byte 0x{byte} on line {line}{hint}",
                          details=[at_line(line, f"byte 0x{byte} is not {name} ({err.reason})")]) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvMalformed(f"the CSV holds a NUL character on line {line}: binary data, or another encoding than "
                           "declared", details=[at_line(line, "NUL character")])
    return text


def read(body: bytes, content_type: str | None, required, optional=(), *, declare: str | None = DECLARE) -> dict:
    """The table of a CSV body: {"columns", "delimiter", "rows"}, each row {"line", "values", "problem"}.

    `required` names columns the header must have; an entry that is a tuple is satisfied by any one of its
    columns. `values` is None when the row cannot be read as the header's columns (`problem` says why); cells
    are the text as written (not trimmed). `line` is the file line the row starts on."""
    records = _records(decode(body, content_type, declare))
    expected = [" or ".join(r) if isinstance(r, tuple) else r for r in required]
    if not records:
        raise CsvEmpty("the CSV is empty: send a header row naming the columns "
                       f"({', '.join(expected)}) and one row per record")
    (header_line, header), body_rows = records[0], records[1:]
    columns = _columns(header, header_line, required, optional, expected)
    rows = []
    for line, cells in body_rows:
        if len(cells) != len(columns):
            rows.append({"line": line, "values": None,
                         "problem": f"{len(cells)} fields; the header has {len(columns)}"})
        else:
            rows.append({"line": line, "values": dict(zip(columns, cells)), "problem": None})
    return {"columns": columns, "delimiter": records.delimiter, "rows": rows}


class _Records(list):
    delimiter = ","


def _records(text: str) -> _Records:
    """(line the record starts on, its cells) for each record that is not blank."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    found = _Records()
    found.delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=found.delimiter, strict=True)
    last = 0
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):  # blank lines (a spreadsheet's empty rows) carry no record
                found.append((last + 1, cells))  # the line it starts on: a quoted field may span lines
            last = reader.line_num
    except csv.Error as err:
        raise CsvMalformed(f"the CSV cannot be read in the row starting on line {last + 1}: {err}",
                           details=[at_line(last + 1, str(err)[:200])]) from None
    return found


def _columns(header: list[str], line: int, required, optional, expected: list[str]) -> list[str]:
    names = [h.strip().lower() for h in header]
    known = {c for r in required for c in (r if isinstance(r, tuple) else (r,))} | set(optional)
    unknown = [n for n in names if n not in known]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    missing = [name for name, r in zip(expected, required)
               if not set(r if isinstance(r, tuple) else (r,)) & set(names)]
    if not unknown and not missing and not duplicated:
        return names
    takes = ", ".join(expected) + (f" and optionally {', '.join(c for c in optional if c not in expected)}"
                                   if set(optional) - set(expected) else "")
    if missing and len(unknown) == len(names):
        message = f"the first line must be the header row naming the columns: {takes}"
    else:
        message = f"the CSV header does not have the expected columns: it takes {takes}"
    details = [at_line(line, "unknown column", column=c[:64]) for c in unknown[:50]]
    details += [at_line(line, "column given twice", column=c[:64]) for c in duplicated]
    details += [at_line(line, "missing column", column=c) for c in missing]
    raise CsvColumns(message, details=details)
