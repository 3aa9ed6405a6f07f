"""The authority table (SIDECAR_AUTHORITY): parsed and checked at start, shown by GET /v1/authority, and a write
against it refused with 409 not_system_of_record and audited."""
from __future__ import annotations

import json

import pytest

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.errors import ConfigError
from sidecar.mapping import authority
from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, bearer, sidecar_env

TABLE = {"stock": {"*": "odoo", "WH2": "wms-main"}, "prices": {"*": "odoo", "shop-eu": "pim"},
         "product_master": {"*": "odoo"}, "customer_master": {"*": "odoo"}}


@pytest.fixture
def app(tmp_path):
    env = sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_AUTHORITY=json.dumps(TABLE))
    application = create_app(settings=load_settings(env))
    yield application
    application.extensions["sidecar"].close()


@pytest.fixture
def services(app):
    return app.extensions["sidecar"]


def refused(services) -> list[dict]:
    with services.db.read() as conn:
        return [e for e in audit.entries(conn) if e["kind"] == "authority.refused"]


def test_the_system_of_record_writes_and_no_one_else(services):
    assert authority.refuse_unless_system_of_record(services, "stock", "WH2", "wms-main", "stock:WH2:SKU-1") is None
    assert authority.refuse_unless_system_of_record(services, "stock", "WH", "odoo", "stock:WH:SKU-1") is None
    assert refused(services) == []
    with pytest.raises(authority.NotSystemOfRecord) as err:
        authority.refuse_unless_system_of_record(services, "stock", "WH", "wms-main", "stock:WH:SKU-1")
    assert err.value.status == 409 and err.value.code == "not_system_of_record"
    assert err.value.details == [{"domain": "stock", "scope": "WH", "source": "wms-main",
                                  "system_of_record": "odoo"}]
    [entry] = refused(services)  # committed although the caller's request fails
    assert entry["subject"] == "stock:WH:SKU-1" and entry["actor"] == "wms-main"
    assert entry["data"] == err.value.details[0]


@pytest.mark.parametrize("domain, scope, source, owner", [
    ("prices", "shop-eu", "odoo", "pim"),          # the channel's prices belong to the PIM, not to Odoo
    ("prices", "shop-us", "pim", "odoo"),          # the domain's default
    ("orders", "pos", "pos-store-12", "odoo"),     # a domain the table does not list: Odoo owns it
    ("receipts", None, "acme-supplies", "odoo"),
])
def test_writes_against_the_table_are_refused(services, domain, scope, source, owner):
    with pytest.raises(authority.NotSystemOfRecord) as err:
        authority.refuse_unless_system_of_record(services, domain, scope, source, "subject")
    assert err.value.details[0]["system_of_record"] == owner and owner in err.value.message
    assert len(refused(services)) == 1


def test_an_unknown_domain_is_a_programming_error_not_a_refusal(services):
    with pytest.raises(ValueError):
        authority.refuse_unless_system_of_record(services, "stocks", "WH", "wms-main", "s")
    assert refused(services) == []


def test_get_authority_shows_every_domain(app):
    answer = app.test_client().get("/v1/authority", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 200
    domains = {d["domain"]: d for d in answer.json["domains"]}
    assert set(domains) == set(authority.DOMAINS) and answer.json["default"] == "odoo"
    assert domains["stock"]["scopes"] == {"*": "odoo", "WH2": "wms-main"}
    assert domains["orders"] == {"domain": "orders", "scope": "channel", "default": "odoo", "scopes": {}}


def test_the_table_may_be_a_file(tmp_path):
    path = tmp_path / "authority.json"
    path.write_text(json.dumps({"stock": {"WH2": "wms-main"}}))
    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_AUTHORITY=str(path)))
    assert settings.authority == {"stock": {"WH2": "wms-main"}}
    assert load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9")).authority == {}


@pytest.mark.parametrize("raw, problem", [
    ("{not json", "not valid JSON"),
    ("/no/such/authority.json", "no file at /no/such/authority.json"),
    ('["stock"]', "must be a JSON object"),
    ('{"stocks": {"*": "odoo"}}', "unknown domain 'stocks'"),
    ('{"stock": "odoo"}', "stock must map scopes"),
    ('{"stock": {}}', "stock must map scopes"),
    ('{"stock": {"WH2": "wms main"}}', "stock.WH2: the system must be a source name"),
    ('{"stock": {"WH2": 3}}', "stock.WH2: the system must be a source name"),
    ('{"stock": {" WH2": "wms"}}', "without surrounding spaces"),
    ('{"prices": {"*": "odoo"}, "stock": {"": "wms"}}', "stock: scope '' must be"),
])
def test_a_bad_table_stops_the_start_with_a_clear_problem(tmp_path, raw, problem):
    with pytest.raises(ConfigError) as err:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_AUTHORITY=raw))
    assert any(p.startswith("SIDECAR_AUTHORITY: ") and problem in p for p in err.value.problems), err.value.problems
