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


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    """The document the app serves, over its own store and its own Odoo double: never a real Odoo."""
    double = OdooDouble(db="fuzz")
    url = double.start(host="127.0.0.1", port=0)
    # Reconciliation is configured (a go-live moment), so a valid request is served, not refused with 422.
    env = sidecar_env(tmp_path_factory.mktemp("fuzz"), url, db=double.db, SIDECAR_GO_LIVE_AT="2026-01-01 00:00:00",
                      SIDECAR_FLOW_POLICIES=demo_policies(),  # every flow decides, as in the demo
                      SIDECAR_CHANNELS='{"web": {"warehouses": ["WH"], "buffer_units": 1}}')  # availability is served
    application = create_app(settings=load_settings(env))
    schema = schemathesis.openapi.from_wsgi("/openapi.json", application)
    # Every call sends the test's own key (fuzz): a generated Authorization would be replaced, and a negative one
    # would then go out valid and be reported as accepted negative data.
    schema.config.generation.update(with_security_parameters=False)
    # A body over the request size limit is refused with 413 before it is read: a rejection too.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    yield schema
    application.extensions["sidecar"].close()
    double.stop()


def fuzz(operation, mode: GenerationMode, examples: int = EXAMPLES, excluded=()) -> None:
    """Send `examples` generated requests; every default check must pass (5xx, status, schema, headers)."""
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        case.call_and_validate(headers=bearer(ALL_SCOPES_KEY), excluded_checks=list(excluded))
    run()


@pytest.mark.parametrize("method, path, mode", CASES, ids=[f"{m} {p} {mode}" for m, p, mode in CASES])
def test_operation_conforms_to_its_spec(api_schema, method, path, mode):
    spec = next(s for s in SPECS if (s["method"], s["path"]) == (method, path))
    # A body whose values Odoo must hold (mappings) can be schema-valid and still name nothing Odoo has: a 4xx
    # there is the contract, every other check still runs.
    # So can a body whose required fields depend on a path parameter (advice: each kind reads its own field).
    checked = spec.get("odoo_checked_body") or spec.get("body_depends_on_path")
    fuzz(api_schema[path][method], mode, excluded=[positive_data_acceptance] if checked else [])
