"""While the store is down, every GET route answers a clear 503 with Retry-After, or what it answers without
the store, never a 500; once the store is back, every route answers 200 again without a restart. Routes
are walked from the url map, so a new one is covered without a line here. The store is a PostgreSQL server
of the test's own (a SQLite file does not go down), so this runs whatever store the rest of the suite uses."""
from __future__ import annotations

import pytest

from sidecar.app import create_app
from sidecar.config import load_settings
from tests.conftest import ALL_SCOPES_KEY, sidecar_env
from tests.support.stores import ThrowawayPostgres
from tests.test_read_transactions import OPS, get_routes, one_of_each, sign_in, url_of


@pytest.fixture
def postgres():
    server = ThrowawayPostgres()
    yield server
    server.stop()


@pytest.fixture
def postgres_app(tmp_path, odoo_target, odoo_proxy, postgres):
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_DATABASE_URL=postgres.url)
    app = create_app(settings=load_settings(env))
    yield app
    app.extensions["sidecar"].close()


def answers(client, routes: list[str], stored: dict) -> dict[str, object]:
    return {route: client.get(url_of(route, stored), headers=OPS) for route in routes}


def test_every_get_route_answers_503_while_the_store_is_down_and_200_once_it_is_back(
        postgres_app, postgres, odoo_seed, thin_margin_quotation):
    stored = one_of_each(postgres_app, odoo_seed, thin_margin_quotation)
    client = postgres_app.test_client()
    sign_in(client, api_key=ALL_SCOPES_KEY)  # the console's pages answer a signed-in session
    routes = get_routes(postgres_app)
    assert len(routes) >= 20  # the url map was read, not an empty list
    before = answers(client, routes, stored)
    assert {route: a.status_code for route, a in before.items() if a.status_code != 200} == {}
    postgres.down()
    try:
        during = answers(client, routes, stored)
    finally:
        postgres.up()
    unclear = {route: (a.status_code, a.get_data(as_text=True)[:300]) for route, a in during.items()
               if a.status_code != 200 and not (a.status_code == 503 and a.headers.get("Retry-After"))}
    assert unclear == {}
    refused = {route for route, a in during.items() if a.status_code == 503}
    assert "/v1/releases/{release_id}" in refused and "/v1/dead-letters" in refused  # the store was down
    after = answers(client, routes, stored)
    assert {route: a.status_code for route, a in after.items() if a.status_code != 200} == {}
