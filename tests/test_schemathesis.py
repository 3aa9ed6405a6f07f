"""The served OpenAPI document and the server agree: schemathesis finds no 5xx and no contract difference."""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.specs import load_specs
from tests.conftest import ALL_SCOPES_KEY, bearer, demo_policies, sidecar_env
from tests.odoo_double import OdooDouble

# Per operation and mode: deterministic, and the file stays well under 30 s. FUZZ_EXAMPLES=500 for a long run.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SPECS = load_specs()
# Negative cases need something to break: a body, a query, a header or a constrained path parameter (a plain
# string path parameter has no invalid value; the credentials are the test's own, see api_schema).
CASES = [(spec["method"], spec["path"], mode) for spec in SPECS for mode in GenerationMode
         if mode.is_positive or spec.get("request") or spec.get("query") or spec.get("headers")
         or spec.get("path_parameters")]


def fuzzed_app(folder, odoo_double: OdooDouble, **extra):
    """The app the fuzz tests serve, on `odoo_double`: reconciliation configured (a go-live moment, so a valid
    request is served, not refused with 422), every flow deciding as in the demo, availability served. Limits are
    out of reach: a long run's requests without credentials (the ignored-auth check) share one budget."""
    env = sidecar_env(folder, odoo_double.url, db=odoo_double.db, SIDECAR_GO_LIVE_AT="2026-01-01 00:00:00",
                      SIDECAR_FLOW_POLICIES=demo_policies(), SIDECAR_RATE_LIMITS="default=1000000/minute",
                      SIDECAR_CHANNELS='{"web": {"warehouses": ["WH"], "buffer_units": 1}}', **extra)
    return create_app(settings=load_settings(env))


def served_schema(application):
    """The document `application` serves, for schemathesis. Every call sends the test's own key (fuzz): a
    generated Authorization would be replaced, and a negative one would then go out valid and be reported as
    accepted negative data."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", application)
    schema.config.generation.update(with_security_parameters=False)
    return schema


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    """The document the app serves, over its own store and its own Odoo double: never a real Odoo."""
    double = OdooDouble(db="fuzz")
    double.start(host="127.0.0.1", port=0)
    application = fuzzed_app(tmp_path_factory.mktemp("fuzz"), double)
    schema = served_schema(application)
    # A body over the request size limit is refused with 413 before it is read: a rejection too.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    yield schema
    application.extensions["sidecar"].close()
    double.stop()


def each_case(operation, mode: GenerationMode, examples: int, check) -> None:
    """`check` each of `examples` requests generated for `operation` (deterministic, no example database)."""
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        check(case)
    run()


def fuzz(operation, mode: GenerationMode, examples: int = EXAMPLES, excluded=(), refusals=()) -> None:
    """Send `examples` generated requests; every default check must pass (5xx, status, schema, headers).
    `refusals`: the error codes a schema-valid request may still get, for a rule between fields that a schema
    cannot say (a price's end after its start); any other refusal of valid data still fails."""
    excluded = [*excluded, *([positive_data_acceptance] if refusals else [])]

    def check(case):
        response = case.call_and_validate(headers=bearer(ALL_SCOPES_KEY), excluded_checks=excluded)
        if refusals and mode.is_positive and 400 <= response.status_code < 500 \
                and response.status_code not in (401, 403, 404, 409, 429):
            assert response.json()["error"]["code"] in refusals, response.text
    each_case(operation, mode, examples, check)


@pytest.mark.parametrize("method, path, mode", CASES, ids=[f"{m} {p} {mode}" for m, p, mode in CASES])
def test_operation_conforms_to_its_spec(api_schema, method, path, mode):
    spec = next(s for s in SPECS if (s["method"], s["path"]) == (method, path))
    # A body whose values Odoo must hold (mappings) can be schema-valid and still name nothing Odoo has: a 4xx
    # there is the contract, every other check still runs.
    # So can a body whose required fields depend on a path parameter (advice: each kind reads its own field).
    checked = spec.get("odoo_checked_body") or spec.get("body_depends_on_path")
    fuzz(api_schema[path][method], mode, excluded=[positive_data_acceptance] if checked else [],
         refusals=spec.get("cross_field_refusals", ()))
