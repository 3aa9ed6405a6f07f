"""While the store or Odoo is down, every GET route answers a clear 503 with Retry-After, or what it answers
without them, never a 500; once they are back, every route answers 200 again without a restart. Routes are
walked from the url map, so a new one is covered without a line here. The store that goes down is a
PostgreSQL server of the test's own (a SQLite file does not go down), so this runs whatever store the rest
of the suite uses; Odoo goes down behind a proxy that stops listening."""
from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from sidecar.app import create_app
from sidecar.config import load_settings
from tests.conftest import ALL_SCOPES_KEY, bearer, sidecar_env
from tests.odoo_double import OdooDouble
from tests.support.stores import ThrowawayPostgres, store_url
from tests.test_read_transactions import OPS, get_routes, one_of_each, sign_in, url_of
from tests.test_schemathesis import SPECS, each_case, fuzzed_app, served_schema


@pytest.fixture
def postgres():
    server = ThrowawayPostgres()
    yield server
    server.stop()


def app_on(tmp_path, odoo_target, odoo_proxy, database_url: str):
    """The app on `database_url`, reaching Odoo through the proxy."""
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_DATABASE_URL=database_url)
    return create_app(settings=load_settings(env))


@pytest.fixture
def postgres_app(tmp_path, odoo_target, odoo_proxy, postgres):
    app = app_on(tmp_path, odoo_target, odoo_proxy, postgres.url)
    yield app
    app.extensions["sidecar"].close()


@pytest.fixture
def app(tmp_path, odoo_target, odoo_proxy):
    app = app_on(tmp_path, odoo_target, odoo_proxy, store_url(tmp_path))
    yield app
    app.extensions["sidecar"].close()


def answers(client, routes: list[str], stored: dict) -> dict[str, object]:
    return {route: client.get(url_of(route, stored), headers=OPS) for route in routes}


def unclear(during: dict) -> dict:
    """The answers that are neither a 200 nor a 503 with Retry-After."""
    return {route: (a.status_code, a.get_data(as_text=True)[:300]) for route, a in during.items()
            if a.status_code != 200 and not (a.status_code == 503 and a.headers.get("Retry-After"))}


def not_ok(after: dict) -> dict:
    return {route: a.status_code for route, a in after.items() if a.status_code != 200}


def refused_during_outage(app, odoo_seed, thin_margin_quotation, down, up) -> set[str]:
    """Every GET route before, during (`down()` .. `up()`) and after an outage: 200 before and after, 200 or a
    503 with Retry-After during it; the routes that answered 503."""
    stored = one_of_each(app, odoo_seed, thin_margin_quotation)
    client = app.test_client()
    sign_in(client, api_key=ALL_SCOPES_KEY)  # the console's pages answer a signed-in session
    routes = get_routes(app)
    assert len(routes) >= 20  # the url map was read, not an empty list
    assert not_ok(answers(client, routes, stored)) == {}
    down()
    try:
        during = answers(client, routes, stored)
    finally:
        up()
    assert unclear(during) == {}
    assert not_ok(answers(client, routes, stored)) == {}
    return {route for route, a in during.items() if a.status_code == 503}


def test_every_get_route_answers_503_while_the_store_is_down_and_200_once_it_is_back(
        postgres_app, postgres, odoo_seed, thin_margin_quotation):
    refused = refused_during_outage(postgres_app, odoo_seed, thin_margin_quotation, postgres.down, postgres.up)
    assert {"/v1/releases/{release_id}", "/v1/dead-letters"} <= refused  # the store was down


def test_every_get_route_answers_503_while_odoo_is_down_and_200_once_it_is_back(
        app, odoo_proxy, odoo_seed, thin_margin_quotation):
    refused = refused_during_outage(app, odoo_seed, thin_margin_quotation, odoo_proxy.go_down, odoo_proxy.come_up)
    assert {"/ready", "/v1/availability"} <= refused  # Odoo was down: the routes that ask it say so


# -- every operation of the OpenAPI document, with schema-valid requests, while the store or Odoo is down ---------

@pytest.fixture(scope="module", params=["store", "odoo"])
def outage_schema(request, tmp_path_factory):
    """The document the fuzz tests' app serves while its store (a PostgreSQL server) or its Odoo (a double)
    is down."""
    folder = tmp_path_factory.mktemp(f"{request.param}-down")
    server = ThrowawayPostgres() if request.param == "store" else None
    double = OdooDouble(db=f"{request.param}-down")
    double.start(host="127.0.0.1", port=0)
    application = fuzzed_app(folder, double, SIDECAR_DATABASE_URL=server.url if server else store_url(folder))
    if server:
        server.down()
    else:
        double.stop()
    try:
        yield served_schema(application)  # the document is served without either
    finally:
        application.extensions["sidecar"].close()
        if server:
            server.stop()


OPERATIONS = [(spec["method"], spec["path"]) for spec in SPECS]


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_with_a_dependency_down_no_operation_answers_500(outage_schema, method, path):
    def check(case):
        answer = case.call(headers=bearer(ALL_SCOPES_KEY))
        assert answer.status_code != 500, answer.text[:300]
        if answer.status_code == 503:
            assert answer.headers.get("retry-after"), answer.headers  # schemathesis keeps names in lower case
    each_case(outage_schema[path][method], GenerationMode.POSITIVE, 3, check)
