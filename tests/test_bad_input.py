"""The bad-input battery: every request a client can send gets a 4xx (or the 503 of Odoo being down), never a 500."""
import io
import json

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.support.signing import signed as standard_signed

EVENT = {"id": "evt-bad-1", "type": "sale_order.release_requested", "source": "odoo",
         "data": {"_model": "sale.order", "_id": 987654, "write_uid": 2}}
JSON = {"Content-Type": "application/json"}
LIMIT = 256 * 1024  # SIDECAR_MAX_BODY_BYTES' default, which the test app keeps


def event_with(**changes) -> bytes:
    return json.dumps({**EVENT, **changes}).encode()


def nested(depth: int, open_="[", close="]") -> str:
    return open_ * depth + close * depth


def deep_event(depth: int) -> bytes:
    return ('{"id":"deep-1","type":"sale_order.release_requested","data":{"_model":"sale.order","_id":1,"x":'
            + nested(depth) + "}}").encode()


def signed(body: bytes, signature: str | None = None, timestamp: str | None = None) -> dict:
    headers = {**JSON, **standard_signed(body)}
    if signature is not None:
        headers["webhook-signature"] = signature
    if timestamp is not None:
        headers["webhook-timestamp"] = timestamp
    return headers


@pytest.fixture
def api(app_without_odoo):
    return app_without_odoo.test_client()


# (method, url, headers, body, expected status, expected error code)
# With Odoo down (a closed port), a request that passes every check at the door ends in 503 odoo_unreachable.
BATTERY = [
    # Content types (D8): only JSON is read as JSON.
    ("POST", "/v1/events", {"Content-Type": "text/plain"}, event_with(), 415, "unsupported_media_type"),
    ("POST", "/v1/events", {"Content-Type": "application/x-www-form-urlencoded"}, event_with(), 415, None),
    ("POST", "/v1/events", {"Content-Type": "multipart/form-data; boundary=x"}, event_with(), 415, None),
    ("POST", "/v1/events", {"Content-Type": "application/xml"}, event_with(), 415, None),
    ("POST", "/v1/events", {}, event_with(), 415, "unsupported_media_type"),
    ("POST", "/v1/dead-letters", {"Content-Type": "text/plain"}, b'{"execution":{"id":"1"},"workflow":{"name":"w"}}',
     415, None),
    ("POST", "/v1/events", {"Content-Type": "application/json; charset=utf-8"}, event_with(), 503, "odoo_unreachable"),
    ("POST", "/v1/events", {"Content-Type": "application/cloudevents+json"}, event_with(), 503, "odoo_unreachable"),
    # Nesting (D1a): a RecursionError is a 400, at any depth.
    ("POST", "/v1/events", JSON, deep_event(65), 400, "malformed_json"),
    ("POST", "/v1/events", JSON, deep_event(990), 400, "malformed_json"),
    ("POST", "/v1/events", JSON, deep_event(2_000), 400, "malformed_json"),
    ("POST", "/v1/events", JSON, deep_event(50_000), 400, "malformed_json"),
    ("POST", "/v1/events", JSON, ('{"id":"d","type":"sale_order.release_requested","data":'
                                  + nested(5_000, '{"a":', "}") + "}").encode(), 400, "malformed_json"),
    ("POST", "/v1/events", JSON, nested(100_000).encode(), 400, "malformed_json"),
    ("POST", "/v1/dead-letters", JSON, ('{"execution":{"id":"1"},"workflow":{"name":"w"},"x":'
                                        + nested(3_000) + "}").encode(), 400, "malformed_json"),
    # Lone surrogates (D1b, D1c): refused at the edge, before SQL or the audit hash see them.
    ("POST", "/v1/events", JSON, b'{"id":"ev-\\ud800-x","type":"sale_order.release_requested",'
                                 b'"data":{"_model":"sale.order","_id":1}}', 400, "malformed_json"),
    ("POST", "/v1/events", JSON, b'{"id":"ev-2","type":"sale_order.release_requested",'
                                 b'"data":{"_model":"sale.order","_id":1,"\\udfff":1}}', 400, "malformed_json"),
    ("POST", "/v1/dead-letters", JSON, b'{"execution":{"id":"x"},"workflow":{"name":"wf-\\udc80"}}',
     400, "malformed_json"),
    ("POST", "/v1/approvals/apr_x/decision", JSON, b'{"decision":"approve","approver":"\\ud83d"}',
     400, "malformed_json"),
    # ... in any encoding JSON allows: UTF-8 bytes of a surrogate, a UTF-16 body.
    ("POST", "/v1/events", JSON, b'{"id":"ev-\xed\xa0\x80","type":"sale_order.release_requested",'
                                 b'"data":{"_model":"sale.order","_id":1}}', 400, "malformed_json"),
    ("POST", "/v1/events", JSON, '{"id":"ev-\\ud800","type":"sale_order.release_requested",'
                                 '"data":{"_model":"sale.order","_id":1}}'.encode("utf-16-le"), 400, "malformed_json"),
    ("POST", "/v1/events", JSON, ('{"id":"deep-utf16","type":"sale_order.release_requested","data":{"_model":'
                                  '"sale.order","_id":1,"x":' + nested(65) + "}}").encode("utf-16-le"), 400,
     "malformed_json"),
    # A NUL in any string of a body, key or value, in any encoding: refused alike on both stores (PostgreSQL
    # cannot hold one), in bodies the contract would otherwise accept.
    ("POST", "/v1/events", JSON, event_with(id="evt-\u0000"), 400, "invalid_payload"),
    ("POST", "/v1/events", JSON, event_with(data={"_model": "sale.order", "_id": 1, "note\u0000": 1}), 400,
     "invalid_payload"),
    ("POST", "/v1/events", JSON, event_with(id="evt-\u0000").decode().encode("utf-16-le"), 400, "invalid_payload"),
    ("POST", "/v1/dead-letters/replay", JSON, b'{"ids": ["dl_\\u0000"]}', 400, "invalid_payload"),
    ("POST", "/v1/inventory/positions", JSON, b'{"product_id": 1, "warehouse": "W\\u0000H", "quantity": 1}', 400,
     "invalid_payload"),
    # An escaped backslash before "u0000" is six plain characters, not a NUL.
    ("POST", "/v1/events", JSON, event_with(id="evt-\\u0000"), 503, "odoo_unreachable"),
    # A surrogate pair is one real character and is fine.
    ("POST", "/v1/events", JSON, b'{"id":"ev-\\ud83d\\ude00","type":"sale_order.release_requested",'
                                 b'"data":{"_model":"sale.order","_id":1}}', 503, "odoo_unreachable"),
    # Numbers JSON does not have, or that do not fit.
    ("POST", "/v1/events", JSON, b'{"id":"n","type":"sale_order.release_requested","data":'
                                 b'{"_model":"sale.order","_id":NaN}}', 400, "malformed_json"),
    ("POST", "/v1/events", JSON, b'{"id":"n","type":"sale_order.release_requested","data":'
                                 b'{"_model":"sale.order","_id":1,"x":1e400}}', 400, "malformed_json"),
    ("POST", "/v1/events", JSON, b'{"id":"n","type":"sale_order.release_requested","data":'
                                 b'{"_model":"sale.order","_id":' + b"9" * 5000 + b"}}", 400, None),
    ("POST", "/v1/events", JSON, event_with(data={"_model": "sale.order", "_id": 2 ** 31}), 400, "invalid_payload"),
    # 1.0 is the integer 1 in JSON, as the schema says: accepted like 1.
    ("POST", "/v1/events", JSON, event_with(data={"_model": "sale.order", "_id": 1.0}), 503, "odoo_unreachable"),
    ("POST", "/v1/events", JSON, event_with(data={"_model": "sale.order", "_id": 1.5}), 400, "invalid_payload"),
    # date-time (D9).
    ("POST", "/v1/events", JSON, event_with(occurred_at="yesterday-ish, not a date"), 400, "invalid_payload"),
    ("POST", "/v1/events", JSON, event_with(occurred_at="2026-11-25T02:10:11.123456Z"), 503, "odoo_unreachable"),
    # Headers.
    ("POST", "/v1/events", {**JSON, "Idempotency-Key": "k" * 256}, event_with(), 400, "invalid_payload"),
    ("POST", "/v1/events", {**JSON, "Idempotency-Key": "k" * 255}, event_with(), 503, "odoo_unreachable"),
    ("POST", "/v1/events", {**JSON, "Idempotency-Key": "a\x07b"}, event_with(), 400, "invalid_payload"),
    ("POST", "/v1/events", {**JSON, "Idempotency-Key": ""}, event_with(), 400, "invalid_payload"),
    ("POST", "/v1/events", {**JSON, "Idempotency-Key": "caf\u00e9"}, event_with(), 400, "invalid_payload"),
    # Query values (D1e, D9).
    ("GET", "/v1/approvals?limit=%C2%B2", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=%C2%B2", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=%D9%A3", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=0", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=-409", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=201", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=1.5", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=" + "9" * 5000, {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?limit=200", {}, b"", 200, None),
    ("GET", "/v1/dead-letters?status=null&status=null", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?status=null", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?kind=parcel", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/dead-letters?category=%F0%9F%92%A5", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/approvals?status=pending&status=approved", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/approvals?status=%ED%A0%80", {}, b"", 400, "invalid_payload"),
    # Paths.
    ("GET", "/v1/dead-letters/%ED%A0%80", {}, b"", 404, "not_found"),
    ("GET", "/v1/releases/..%2F..%2Fetc%2Fpasswd", {}, b"", 404, None),
    ("POST", "/v1/dead-letters/dl_missing/replay", {}, b"", 404, "not_found"),
    ("GET", "/v1/approvals/apr_%00x", {}, b"", 400, "invalid_payload"),
    ("GET", "/v1/mappings/skus?after=2147483648", {}, b"", 400, "invalid_payload"),  # past PostgreSQL's integer
    ("GET", "/v1/mappings/skus/2147483648", {}, b"", 404, None),
    # Wrong shapes.
    ("POST", "/v1/events", JSON, b"", 400, "malformed_json"),
    ("POST", "/v1/events", JSON, b"\xff\xfe{}", 400, "malformed_json"),
    ("POST", "/v1/events", JSON, b'"just a string"', 400, "malformed_json"),
    ("POST", "/v1/dead-letters/replay", JSON, b"{}", 400, "invalid_payload"),
    ("POST", "/v1/reconciliations/sales-order-release", JSON, b'{"older_than_minutes":"ten"}', 400, "invalid_payload"),
    ("POST", "/v1/reconciliations/sales-order-release", {"Content-Type": "text/csv"}, b"a,b", 415, None),
]


@pytest.mark.parametrize("method, url, headers, body, status, code", BATTERY,
                         ids=[f"{i}-{c[0]}-{c[4]}" for i, c in enumerate(BATTERY)])
def test_battery(api, app_without_odoo, method, url, headers, body, status, code):
    answer = api.open(url, method=method, data=body, headers={**bearer(ALL_SCOPES_KEY), **headers})
    assert answer.status_code == status, answer.get_data()[:300]
    assert answer.mimetype == "application/json"
    if status >= 400:
        error = answer.json["error"]
        assert error["message"] and isinstance(error["details"], list)
        if code:
            assert error["code"] == code
    if status == 503:
        assert answer.headers["Retry-After"].isdigit()


def test_refused_events_leave_the_store_untouched(api, app_without_odoo):
    before = _audit_size(app_without_odoo)
    for _, url, headers, body, status, _ in BATTERY:
        if url == "/v1/events" and status in (400, 413, 415):
            api.post(url, data=body, headers={**bearer(ALL_SCOPES_KEY), **headers})
    assert _audit_size(app_without_odoo) == before


def _audit_size(app) -> int:
    with app.extensions["sidecar"].db.transaction() as conn:
        return len(audit.entries(conn, limit=100_000))


@pytest.mark.parametrize("signature", ["v1,\u00e9" + "0" * 63, "v1,\u00e9", "\u00ff" * 80, "v1," + "A" * 44,
                                       "v1,a,b", ",", "v1, v1,", "v1=" + "0" * 64])
def test_any_signature_header_is_a_401(api, signature):
    body = event_with()
    answer = api.post("/v1/events", data=body, headers=signed(body, signature=signature))
    assert answer.status_code == 401 and answer.json["error"]["code"] == "invalid_signature"


@pytest.mark.parametrize("timestamp", ["1_700_000_000", " 17", "\u00b2", "\u0663", "-5", "9" * 40, "1e9"])
def test_odd_timestamps_are_a_401(api, timestamp):
    body = event_with()
    answer = api.post("/v1/events", data=body, headers=signed(body, timestamp=timestamp))
    assert answer.status_code == 401


def test_non_ascii_bearer_token_is_a_401(api):
    answer = api.get("/v1/dead-letters", headers={"Authorization": "Bearer \u00e9\u00e9\u00e9"})
    assert answer.status_code == 401 and answer.json["error"]["code"] == "invalid_api_key"


def test_405_keeps_its_allow_header(api):
    answer = api.delete("/v1/events", headers=bearer())
    assert answer.status_code == 405 and answer.json["error"]["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}
    assert answer.mimetype == "application/json"


def test_allow_names_only_the_methods_of_the_literal_path(api):
    answer = api.options("/v1/dead-letters/replay", headers=bearer())
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    assert api.get("/v1/dead-letters/replay", headers=bearer(ALL_SCOPES_KEY)).status_code == 405


def chunked(app, url: str, body: bytes, headers: dict):
    """Send `body` as a chunked request: no Content-Length, a stream the server ends (as gunicorn does)."""
    builder = EnvironBuilder(path=url, method="POST", headers=headers, input_stream=io.BytesIO(body))
    environ = builder.get_environ()
    del environ["CONTENT_LENGTH"]
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input_terminated"] = True
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), json.loads(b"".join(app_iter))


def test_chunked_body_over_the_limit_is_413_not_cut_and_processed(app_without_odoo):
    valid = event_with(data={**EVENT["data"], "pad": ""})
    valid = valid.replace(b'"pad": ""', b'"pad": "' + b"x" * (LIMIT - len(valid)) + b'"')
    assert len(valid) == LIMIT
    status, body = chunked(app_without_odoo, "/v1/events", valid + b"THIS-IS-NOT-JSON" * 100_000,
                           {**bearer(ALL_SCOPES_KEY), **JSON})
    assert status == 413, body
    status, body = chunked(app_without_odoo, "/v1/events", b'{"x":"' + b"y" * 2_000_000 + b'"}',
                           {**bearer(ALL_SCOPES_KEY), **JSON})
    assert status == 413, body


def test_chunked_body_within_the_limit_is_read_whole(app_without_odoo):
    valid = event_with(data={**EVENT["data"], "pad": ""})
    valid = valid.replace(b'"pad": ""', b'"pad": "' + b"x" * (LIMIT - len(valid)) + b'"')
    status, body = chunked(app_without_odoo, "/v1/events", valid, {**bearer(ALL_SCOPES_KEY), **JSON})
    assert status == 503 and body["error"]["code"] == "odoo_unreachable"  # read, valid, then Odoo is down


def test_chunked_signed_body_over_the_limit_is_413(app_without_odoo):
    body = b'{"x":"' + b"y" * (LIMIT + 10) + b'"}'
    status, answer = chunked(app_without_odoo, "/v1/events", body, signed(body))
    assert status == 413


@pytest.mark.parametrize("message, status, code", [
    ("database is locked", 503, "store_unavailable"),
    ("unable to open database file", 503, "store_unavailable"),
    ("no such column: dead_letters.reason", 500, "internal_error"),  # a bug or a missing migration, not load
])
def test_store_errors_are_a_503_with_retry_after_unless_they_are_bugs(api, monkeypatch, message, status, code):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from sidecar.flows import deadletters

    def failing(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))

    monkeypatch.setattr(deadletters, "list_letters", failing)
    answer = api.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert ("Retry-After" in answer.headers) == (status == 503)

