"""Request bodies at the edge: size limit, content type, and JSON that is safe to store and hash."""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal, InvalidOperation

from flask import current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from sidecar.errors import InvalidPayload, UnsupportedMediaType

MAX_DEPTH = 64  # far deeper than any real event or n8n report; deep enough input is a DoS, not data
JSON_TYPES = ("application/json",)
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # \uD800-\uDFFF: half of a UTF-16 pair, maybe alone
NUL_ESCAPE = b"\\u0000"  # the only way a NUL can sit inside a JSON string sent as UTF-8


def raw_body() -> bytes:
    """The body's bytes, read once; 413 when it is larger than SIDECAR_MAX_BODY_BYTES, chunked or not."""
    if "raw_body" not in g:
        g.raw_body = _read_limited(current_app.config["MAX_CONTENT_LENGTH"])
    return g.raw_body


def _read_limited(limit: int) -> bytes:
    if request.content_length is not None:
        return request.get_data(cache=True)  # Werkzeug refuses a declared length over the limit
    if "wsgi.input_terminated" not in request.environ:
        return b""  # no length and a server that does not end the stream: nothing is safe to read
    # Chunked: Werkzeug's stream stops quietly at the limit, which would truncate the body;
    # read one byte past it ourselves so an oversized body is refused, never cut.
    stream, chunks, size = request.environ["wsgi.input"], [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(chunks)


def is_json_type(mimetype: str) -> bool:
    """`application/json` or a structured `application/<something>+json` (parameters already stripped)."""
    return mimetype in JSON_TYPES or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def check_content_type() -> None:
    """415 unless the body is declared as JSON."""
    if not is_json_type(request.mimetype):
        got = request.headers.get("Content-Type") or "none"
        raise UnsupportedMediaType("send the body as Content-Type: application/json",
                                   details=[{"pointer": "Content-Type", "message": f"got '{got[:100]}'"}])


def _number(literal: str):
    """JSON does not tell 1.0 from 1: an integral number is an int, so `"_id": 1.0` means order 1."""
    try:
        value = Decimal(literal)
    except InvalidOperation:
        raise ValueError(f"bad number {literal[:40]}") from None
    if abs(value.adjusted()) <= 18 and value == value.to_integral_value():
        return int(value)
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"number out of range: {literal[:40]}")
    return number


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes, storable: bool = False):
    """Parse a JSON document or raise InvalidPayload: bad syntax, too deep, lone surrogates, NaN; with `storable`,
    also a NUL (U+0000) in any string or key, which PostgreSQL cannot hold in text or jsonb (SQLite can, so
    refusing it on both keeps one contract whatever the store)."""
    try:
        document = json.loads(raw, parse_float=_number, parse_constant=_no_constant)
    except RecursionError:
        raise InvalidPayload(f"request body is nested deeper than {MAX_DEPTH} levels", code="malformed_json") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidPayload(f"request body is not valid JSON: {err}", code="malformed_json") from None
    refuse_nul = storable and (NUL_ESCAPE in raw or b"\x00" in raw)  # NUL bytes: UTF-16 or UTF-32 text
    problem = _first_problem(document, refuse_nul) if refuse_nul or _may_hide_a_problem(raw) else None
    if problem:
        pointer, message, code = problem
        raise InvalidPayload(f"request body is not acceptable JSON: {message}", code=code,
                             details=[{"pointer": pointer, "message": message}])
    return document


def _may_hide_a_problem(raw: bytes) -> bool:
    """False when the text alone rules out both problems (as it does for nearly every body): plain ASCII,
    read as UTF-8, holding no surrogate escape and no more brackets than MAX_DEPTH."""
    if not isinstance(raw, bytes) or not raw.isascii() or b"\x00" in raw:  # beyond ASCII, or UTF-16/32 (NULs)
        return True
    return raw.count(b"[") + raw.count(b"{") > MAX_DEPTH or SURROGATE_ESCAPE.search(raw) is not None


def _first_problem(document, refuse_nul: bool = False) -> tuple[str, str, str] | None:
    """The first string that is not Unicode text (a lone surrogate) or, with `refuse_nul`, holds a NUL; or a
    level past MAX_DEPTH. Returned as (pointer, message, error code)."""
    stack = [(document, "", 0)]  # iterative: the check itself must not recurse on hostile input
    while stack:
        value, pointer, depth = stack.pop()
        if depth > MAX_DEPTH:
            return pointer, f"nested deeper than {MAX_DEPTH} levels", "malformed_json"
        if isinstance(value, str):
            if not _is_text(value):
                return pointer, "string holds a lone UTF-16 surrogate, not a Unicode character", "malformed_json"
            if refuse_nul and "\x00" in value:
                return pointer, "string holds a NUL character (U+0000), which no field accepts", "invalid_payload"
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _is_text(key):
                    return pointer, "a key holds a lone UTF-16 surrogate, not a Unicode character", "malformed_json"
                if refuse_nul and "\x00" in key:
                    return pointer, "a key holds a NUL character (U+0000), which no field accepts", "invalid_payload"
                stack.append((item, f"{pointer}/{_escape(key)}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{pointer}/{index}", depth + 1) for index, item in enumerate(value))
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
