"""The bad-input battery over every route the app serves (read from `app.url_map` and the node specs,
so a new route is covered without a line here): malformed JSON, wrong types, huge and deeply nested
bodies, non-ASCII and NUL in every header and query parameter, forged, stale and replayed signatures,
wrong scopes. Each answer is a 4xx in the JSON error shape (or, for input a route rightly ignores, any
non-5xx answer), never a 500; and nothing is stored: every table's row count and the audit head stay
as they were."""
import io
import json
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from werkzeug.test import EnvironBuilder, run_wsgi_app

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.limits import openapi_path
from sidecar.specs import load_specs
from sidecar.store import schema
from tests.conftest import ALL_SCOPES_KEY, READONLY_KEY, bearer, sidecar_env
from tests.support.signing import FORGED_SECRET, SHOP_OLD_SECRET, signed

LIMIT = 4096  # SIDECAR_MAX_BODY_BYTES of this app: small, so "huge" is cheap
JSON = "application/json"
SPECS = {(spec["method"], spec["path"]): spec for spec in load_specs()}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Odoo is a closed port: input that gets past every check ends in 503 odoo_unreachable, never in Odoo."""
    env = sidecar_env(tmp_path_factory.mktemp("battery"), "http://127.0.0.1:9", SIDECAR_MAX_BODY_BYTES=str(LIMIT),
                      SIDECAR_RATE_LIMITS="default=1000000/minute")
    application = create_app(settings=load_settings(env))
    yield application
    application.extensions["sidecar"].close()


def _routes():
    """(method, path as the OpenAPI document writes it) of every route the app serves."""
    env = sidecar_env(Path(tempfile.mkdtemp(prefix="routes-")), "http://127.0.0.1:9")
    probe = create_app(settings=load_settings(env))
    routes = sorted((method, openapi_path(rule.rule)) for rule in probe.url_map.iter_rules()
                    if rule.endpoint != "static" for method in rule.methods - SKIPPED_METHODS)
    probe.extensions["sidecar"].close()
    return routes


ROUTES = _routes()


def test_every_route_has_a_spec_and_every_spec_a_route():
    assert sorted(set(ROUTES) ^ set(SPECS)) == []


def _sample(name: str, schema_: dict) -> str:
    """A path parameter value the route accepts as well-formed (so the check under test is the one reached)."""
    if schema_.get("enum"):
        return schema_["enum"][0]
    if schema_.get("type") == "integer":
        return "1"
    if schema_.get("pattern", "").startswith("^dl_"):
        return "dl_nope1"
    return f"nope-{name}"[:40]


def url_of(method: str, rule: str, query: str = "", given: dict | None = None) -> str:
    """The route's URL with a well-formed value for each path parameter, or the quoted one `given` for it."""
    spec = SPECS[(method, rule)]
    path = spec["path"]
    for name, value in (given or {}).items():
        path = path.replace("{" + name + "}", value)
    for name, schema_ in (spec.get("path_parameters") or {}).items():
        path = path.replace("{" + name + "}", quote(_sample(name, schema_)))
    path = re.sub(r"\{(\w+)\}", lambda found: f"nope-{found[1]}", path)  # undeclared: any well-formed text
    return path + (f"?{query}" if query else "")


def takes_body(spec) -> bool:
    return bool(spec["request"])


def media_type(spec) -> str:
    return (spec["request"] or {}).get("media_type", JSON)


def html(spec) -> bool:
    return spec.get("media_type") == "text/html"


def object_body(spec) -> bool:
    """The route's body must be a JSON object (some contracts take an array too)."""
    from sidecar import contracts
    contract = (spec["request"] or {}).get("contract")
    return bool(contract) and media_type(spec) == JSON and contracts.schema(contract).get("type") == "object"


def needs_scope(spec) -> bool:
    return bool(spec["scope"])


def credentials(spec) -> dict:
    return bearer(ALL_SCOPES_KEY) if needs_scope(spec) else {}


def snapshot(app) -> dict:
    """Row counts of every table but the replay cache (remembering a signature is what refuses its replay),
    and the audit head."""
    engine = app.extensions["sidecar"].db.engine
    with engine.connect() as conn:
        counts = {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                  for table in schema.metadata.sorted_tables if table.name != schema.seen_signatures.name}
        head = conn.execute(sa.select(schema.audit_head)).all()
    return {"counts": counts, "audit_head": [tuple(row) for row in head]}


@pytest.fixture(scope="module")
def before(app):
    return snapshot(app)


def check(answer, allowed: set[int], code: str | None = None, ignored_input: bool = False, spec=None):
    """An error in `allowed` (with `code`) in the JSON error shape; or, for input the route rightly ignores,
    any answer but a 5xx other than Odoo being down. A 404 is always right on a route whose path names a
    record (none exists), and /ready's 503 is its report that Odoo is down."""
    status, asked = answer.status_code, allowed
    if spec is not None and "{" in spec["path"]:
        allowed = allowed | {404}
    if spec is not None and spec["path"] == "/ready" and status == 503:
        assert answer.json["status"] == "not_ready"
        return
    if spec is not None and html(spec) and answer.mimetype != JSON:  # a page for people: its errors are pages
        assert status != 500 and answer.mimetype == "text/html"
        assert status in allowed or ignored_input and status < 500, answer.get_data()[:400]
        return
    body = answer.get_data()[:400]
    assert status != 500, body
    if ignored_input and status not in allowed:
        assert status < 500 or (status == 503 and answer.json["error"]["code"] == "odoo_unreachable"), body
        if status == 503:
            assert answer.headers["Retry-After"].isdigit()
    else:
        assert status in allowed, body
    if status >= 400:
        assert answer.mimetype == JSON, body
        error = answer.json["error"]
        assert isinstance(error["code"], str) and error["message"] and isinstance(error["details"], list), body
        if code and status in asked:
            assert error["code"] == code, body


def open_(app, method, url, headers=None, data=b"", **kwargs):
    return app.test_client().open(url, method=method, headers=headers or {}, data=data, **kwargs)


ROUTE_IDS = [f"{method} {rule}" for method, rule in ROUTES]


# -- bodies ------------------------------------------------------------------------------------------------

BAD_JSON = [
    ("truncated", b'{"a": '),
    ("not-utf8", b"\xff\xfe{}"),
    ("nan", b'{"a": NaN}'),
    ("lone-surrogate", b'{"a": "\\ud800"}'),
    ("trailing", b'{"a": 1} {"b": 2}'),
    ("deep-array", b"[" * 50_000 + b"]" * 50_000),
    ("deep-object", b'{"a":' * 3_000 + b"1" + b"}" * 3_000),
]
WRONG_TYPES = [b"[]", b'"text"', b"12", b"null", b"true"]


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("name, body", BAD_JSON, ids=[name for name, _ in BAD_JSON])
def test_malformed_json(app, before, method, rule, name, body):
    spec = SPECS[(method, rule)]
    if len(body) > LIMIT:
        expected = {413}
    elif media_type(spec) != JSON:
        expected = {400, 415}  # not its media type, or not a valid one of it
    else:
        expected = {400, 404, 409}  # refused as JSON, or its resource is missing or in no state for it
    answer = open_(app, method, url_of(method, rule), {**credentials(spec), "Content-Type": JSON}, body)
    check(answer, expected, ignored_input=not takes_body(spec) and len(body) <= LIMIT, spec=spec)


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("body", WRONG_TYPES, ids=[b.decode() for b in WRONG_TYPES])
def test_a_body_that_is_not_an_object(app, before, method, rule, body):
    spec = SPECS[(method, rule)]
    answer = open_(app, method, url_of(method, rule), {**credentials(spec), "Content-Type": media_type(spec)}, body)
    check(answer, {400, 409, 415}, ignored_input=not object_body(spec), spec=spec)


def _required_fields(spec) -> list[str]:
    """The request contract's required fields, or `id` when it has none."""
    from sidecar import contracts
    request = spec["request"] or {}
    required = []
    if request.get("contract") and media_type(spec) == JSON:
        required = contracts.schema(request["contract"]).get("required", [])
    return required or ["id"]


def _wrong_typed(spec) -> list[bytes]:
    """The request contract's required fields (or `id` when none are) each given a value of every wrong type."""
    fields = _required_fields(spec)
    return [json.dumps({name: value for name in fields}).encode()
            for value in ([], {}, 12.5, -1, True, None, "x" * 3000, "\u0000", ["\u00e9"] * 50)]


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
def test_wrong_types_in_every_required_field(app, before, method, rule):
    spec = SPECS[(method, rule)]
    for body in _wrong_typed(spec):
        if len(body) > LIMIT:
            continue
        answer = open_(app, method, url_of(method, rule), {**credentials(spec), "Content-Type": media_type(spec)},
                       body)
        check(answer, {400, 409, 415, 422}, ignored_input=not object_body(spec), spec=spec)


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
def test_a_huge_body_is_413_on_every_route(app, before, method, rule):
    spec = SPECS[(method, rule)]
    body = b'{"a":"' + b"x" * LIMIT + b'"}'
    answer = open_(app, method, url_of(method, rule), {**credentials(spec), "Content-Type": media_type(spec)}, body)
    check(answer, {413}, "request_entity_too_large", spec=spec)


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
def test_a_huge_chunked_body_is_413_on_every_route(app, before, method, rule):
    spec = SPECS[(method, rule)]
    builder = EnvironBuilder(path=url_of(method, rule), method=method, input_stream=io.BytesIO(b"x" * (3 * LIMIT)),
                             headers={**credentials(spec), "Content-Type": media_type(spec)})
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input_terminated"] = True
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    assert int(status.split()[0]) == 413
    assert json.loads(b"".join(app_iter))["error"]["code"] == "request_entity_too_large"


def _with_nul(spec) -> list[bytes]:
    """The request contract's required fields (or `id`) holding a NUL: alone, inside text, in a nested
    string and as a key. PostgreSQL cannot store one, so every route that takes a JSON object refuses it before
    any store sees it (another system's payload, object or array, is checked field by field by its adapter)."""
    fields = _required_fields(spec)
    return [json.dumps({name: value for name in fields}).encode()
            for value in ("\u0000", "a\u0000b", ["ok", {"inner": "x\u0000"}], {"k\u0000": 1})]


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
def test_a_nul_in_any_body_string_is_400(app, before, method, rule):
    spec = SPECS[(method, rule)]
    for body in _with_nul(spec):
        answer = open_(app, method, url_of(method, rule), {**credentials(spec), "Content-Type": JSON}, body)
        check(answer, {400}, "invalid_payload", ignored_input=not object_body(spec), spec=spec)
        if object_body(spec):  # refused for the NUL itself, before the contract or a lookup could see it
            assert "NUL" in answer.json["error"]["details"][0]["message"], answer.json


# -- headers and query parameters --------------------------------------------------------------------------

HOSTILE_VALUES = ["a\x00b", "\x00", "caf\u00e9", "\u00c3\u00a9\u00e2\u0082\u00ac", "\u00ff" * 300, " ", "\t\x7f\x01"]
HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "webhook-id", "webhook-timestamp",
           "webhook-signature", "Transfer-Encoding", "X-Anything"]
INVALID_TEXT = ["a%00b", "%00", "%ED%A0%80", "%FF%FE", "%C3"]
ODD_TEXT = ["caf%C3%A9", "%F0%9F%92%A5", "9" * 3000, "", "%20", "-1"]


def _valid_body(spec) -> bytes:
    return b"" if media_type(spec) != JSON else b"{}"


def _header_names(spec) -> list[str]:
    return HEADERS + sorted(spec.get("headers") or {})


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
def test_hostile_values_in_every_header(app, before, method, rule):
    spec = SPECS[(method, rule)]
    for name in _header_names(spec):
        for value in HOSTILE_VALUES:
            headers = {**credentials(spec), "Content-Type": media_type(spec), name: value}
            answer = open_(app, method, url_of(method, rule), headers, _valid_body(spec))
            if name == "Authorization" and needs_scope(spec):
                check(answer, {401}, spec=spec)  # a spoilt credential is no credential
            elif name == "Content-Type" and takes_body(spec) and not html(spec):
                check(answer, {415}, "unsupported_media_type", spec=spec)
            else:  # a header the route does not read, or reads and refuses: never a 5xx
                check(answer, {400, 401, 409, 413, 415, 422}, ignored_input=True, spec=spec)


@pytest.mark.parametrize("method, rule", ROUTES, ids=ROUTE_IDS)
def test_hostile_values_in_every_query_parameter(app, before, method, rule):
    spec = SPECS[(method, rule)]
    declared = sorted(spec.get("query") or {})
    headers = {**credentials(spec), "Content-Type": media_type(spec)}
    for name in declared + ["limit", "x\x00y", "caf\u00e9"]:
        for value in INVALID_TEXT + ODD_TEXT:
            answer = open_(app, method, url_of(method, rule, f"{quote(name)}={value}"), headers, _valid_body(spec))
            if name in declared and value in INVALID_TEXT:
                check(answer, {400, 422}, spec=spec)  # NUL or bytes that are not UTF-8 text: never a value
            else:  # legal text for a free-text parameter, or a parameter the route does not read
                check(answer, {400, 422}, ignored_input=True, spec=spec)
        answer = open_(app, method, url_of(method, rule, f"{quote(name)}=1&{quote(name)}=2"), headers,
                       _valid_body(spec))  # given twice
        # Twice is refused; a page for people reads the first and says what is wrong with it.
        check(answer, {400, 422} | ({403} if html(spec) else set()), ignored_input=name not in declared, spec=spec)


def refused_for_nul(answer) -> None:
    """400: as JSON naming the NUL, or as a page for people (the console shows its errors as pages)."""
    assert answer.status_code == 400, answer.get_data()[:400]
    if answer.mimetype == JSON:
        assert answer.json["error"]["code"] == "invalid_payload" and "NUL" in answer.json["error"]["message"]
    else:
        assert answer.mimetype == "text/html" and "NUL" in answer.get_data(as_text=True)


PATH_ROUTES = [(method, rule) for method, rule in ROUTES if "{" in rule]
FORM_ROUTES = [(method, rule) for method, rule in ROUTES if media_type(SPECS[(method, rule)]).endswith("form-urlencoded")]


@pytest.mark.parametrize("method, rule", PATH_ROUTES, ids=[f"{m} {r}" for m, r in PATH_ROUTES])
def test_a_nul_in_every_path_parameter_is_400(app, before, method, rule):
    spec = SPECS[(method, rule)]
    for name in re.findall(r"\{(\w+)\}", rule):
        for value in ("a%00b", "%00"):
            answer = open_(app, method, url_of(method, rule, given={name: value}), {**credentials(spec), "Content-Type": media_type(spec)}, _valid_body(spec))
            refused_for_nul(answer)  # never the lookup's 404: PostgreSQL would refuse the NUL


@pytest.mark.parametrize("method, rule", FORM_ROUTES, ids=[f"{m} {r}" for m, r in FORM_ROUTES])
def test_a_nul_in_every_form_field_is_400(app, before, method, rule):
    from sidecar import contracts
    spec = SPECS[(method, rule)]
    for name in sorted(contracts.schema(spec["request"]["contract"]).get("properties", {})) + ["x\x00y"]:
        body = urlencode({name: "a\x00b"}).encode()
        answer = open_(app, method, url_of(method, rule), {"Content-Type": media_type(spec)}, body)
        refused_for_nul(answer)  # before the CSRF check or any lookup


# -- credentials -------------------------------------------------------------------------------------------

SCOPED = [(method, rule) for method, rule in ROUTES if needs_scope(SPECS[(method, rule)])]
SCOPED_IDS = [f"{method} {rule}" for method, rule in SCOPED]


@pytest.mark.parametrize("method, rule", SCOPED, ids=SCOPED_IDS)
def test_forged_stale_and_replayed_signatures_are_refused(app, before, method, rule):
    spec = SPECS[(method, rule)]
    body = _valid_body(spec)
    url, kind = url_of(method, rule), {"Content-Type": media_type(spec)}
    cases = [
        ({**kind, **signed(body, FORGED_SECRET)}, "invalid_signature"),
        ({**kind, **signed(body + b" ")}, "invalid_signature"),  # signed another body; sent this one
        ({**kind, **{**signed(body), "webhook-id": "msg_not_signed"}}, "invalid_signature"),
        ({**kind, **signed(body, at=time.time() - 3600)}, "stale_signature"),
        ({**kind, **signed(body, at=time.time() + 3600)}, "stale_signature"),
        ({**kind, "webhook-signature": signed(body)["webhook-signature"]}, "signature_missing"),
    ]
    for headers, code in cases:
        check(open_(app, method, url, headers, body), {401}, code, spec=spec)
    signed_once = {**kind, **signed(body, SHOP_OLD_SECRET)}
    first = open_(app, method, url, signed_once, body)
    assert first.status_code != 500
    if first.status_code < 500:
        again = open_(app, method, url, signed_once, body)
        if spec["scope"] not in SIGNER_SCOPES:  # refused for its scope again: it never ran
            check(again, {403}, "out_of_scope", spec=spec)
        elif "Idempotency-Key" in (spec.get("headers") or {}):  # webhook-id is the key: the route answers
            assert again.status_code == first.status_code and again.get_json() == first.get_json()
        else:  # no answer kept to repeat: refused, never run twice
            check(again, {409}, "webhook_replayed", spec=spec)


SIGNER_SCOPES = {"events.write"}  # the signing client of tests/conftest.py


# The read-only client holds releases.read only: every route needing another scope.
OUT_OF_SCOPE = [(method, rule) for method, rule in SCOPED if SPECS[(method, rule)]["scope"] != "releases.read"]


@pytest.mark.parametrize("method, rule", OUT_OF_SCOPE, ids=[f"{m} {r}" for m, r in OUT_OF_SCOPE])
def test_a_client_without_the_scope_is_403(app, before, method, rule):
    spec = SPECS[(method, rule)]
    answer = open_(app, method, url_of(method, rule), {**bearer(READONLY_KEY), "Content-Type": media_type(spec)},
                   _valid_body(spec))
    check(answer, {403}, "out_of_scope", spec=spec)


@pytest.mark.parametrize("method, rule", SCOPED, ids=SCOPED_IDS)
def test_no_or_unknown_credentials_are_401(app, before, method, rule):
    spec = SPECS[(method, rule)]
    for headers, code in [({}, "credentials_missing"), (bearer("not-a-key-0123456789"), "invalid_api_key"),
                          ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "credentials_missing"),
                          ({"Authorization": "Bearer "}, "invalid_api_key")]:
        answer = open_(app, method, url_of(method, rule), {**headers, "Content-Type": media_type(spec)},
                       _valid_body(spec))
        check(answer, {401}, code, spec=spec)


# Last, after every case above has run against the module's app.
def test_zz_nothing_was_stored(app, before):
    assert snapshot(app) == before

