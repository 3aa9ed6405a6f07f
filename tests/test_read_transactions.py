"""Reads never take SQLite's write lock: while another connection holds it, every GET route of the app (walked
from its url map, so a new route is covered without a line here) answers 200 at once, on records the flows
stored against the Odoo under test; a write waits its turn on SQLite's busy timeout and goes through when the
lock is let go."""
from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import threading
import time
from urllib.parse import urlencode

import pytest

from sidecar.app import create_app
from sidecar.channels import parse_channels
from sidecar.config import load_settings
from sidecar.flows import price_change
from sidecar.limits import openapi_path
from sidecar.policy import build_policy
from sidecar.store import database
from tests.conftest import ALL_SCOPES_KEY, bearer, sidecar_env
from tests.support.mapping_seed import MappingSeed
from tests.support.price_seed import PriceSeed
from tests.support.replenishment_seed import ReplenishmentSeed
from tests.test_approvals import event_for, links_of
from tests.test_price_change_api import DEMO_POLICY, proposal

OPS = bearer(ALL_SCOPES_KEY)
BUSY_TIMEOUT = 10.0  # seconds a write waits for the lock here; a read must not wait at all
QUICK = BUSY_TIMEOUT / 2  # a read that waited would take the whole busy timeout (and fail); a busy CPU, far less


@pytest.fixture
def sqlite_app(tmp_path, odoo_target, odoo_proxy, monkeypatch):
    """An app on a SQLite store (its file lock is what the test holds) whatever store the suite runs on."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", BUSY_TIMEOUT)
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_DATABASE_URL=f"sqlite:///{tmp_path}/sidecar.db")
    app = create_app(settings=load_settings(env))
    app.store_path = tmp_path / "sidecar.db"
    yield app
    app.extensions["sidecar"].close()


def created(answer, status=201) -> dict:
    assert answer.status_code == status, answer.get_json()
    return answer.json


@pytest.fixture
def stored(sqlite_app, odoo_seed, thin_margin_quotation) -> dict:
    return one_of_each(sqlite_app, odoo_seed, thin_margin_quotation)


def one_of_each(app, odoo_seed, thin_margin_quotation) -> dict:
    """One record of every kind a GET route names, each made through its flow; the URL values to reach them."""
    client, services = app.test_client(), app.extensions["sidecar"]
    decision = created(client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("admin")),
                                   headers=OPS))
    prices = PriceSeed(odoo_seed)
    services.policies[price_change.NAME] = build_policy(json.loads(DEMO_POLICY.read_text()), "read test")
    template, _ = prices.product(cost=40.0, price=100.0)
    change = created(client.post("/v1/events", json=proposal(template, prices.pricelist(), 97.0), headers=OPS))
    letter = created(client.post("/v1/dead-letters", headers=OPS,
                                 json={"execution": {"id": "41"}, "workflow": {"name": "Order release"}}))
    stock = ReplenishmentSeed(odoo_seed)
    warehouse = stock.main_warehouse()
    [code] = [row["code"] for row in odoo_seed.read("stock.warehouse", [warehouse["id"]], ["code"])]
    product = stock.product(cost=3.0, main_stock=5)
    position = created(client.post("/v1/inventory/positions", headers=OPS,
                                   json={"product_id": product, "warehouse": code, "quantity": 2}))
    skus = MappingSeed(odoo_seed)
    shown = skus.read_product(skus.product())
    mapping = created(client.put("/v1/mappings/skus", headers=OPS, json={
        "mappings": [{"sku": "READ-1", "default_code": shown["default_code"]}], "source": "*"}), status=200)
    services.settings = dataclasses.replace(services.settings, channels=parse_channels(
        f'{{"web": {{"warehouses": ["{code}"]}}}}', []))
    link = links_of(decision)
    return {"values": {"approval_id": decision["approval_id"], "release_id": decision["release_id"],
                       "price_change_id": change["release_id"], "dead_letter_id": letter["id"],
                       "position_id": position["id"], "kind": "skus",
                       "mapping_id": str(mapping["items"][0]["mapping"]["id"])},
            "queries": {"/v1/approvals/{approval_id}/page": urlencode({"approve": link["approve_token"],
                                                                       "reject": link["reject_token"]}),
                        "/v1/availability": f"product_ids={product}"}}


def sign_in(client, api_key: str) -> None:
    page = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/console/sign-in", data={"csrf_token": token, "next": "/console", "api_key": api_key})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]


def get_routes(app) -> list[str]:
    """Every GET route the app serves, as the OpenAPI document writes it."""
    return sorted({openapi_path(rule.rule) for rule in app.url_map.iter_rules()
                   if rule.endpoint != "static" and "GET" in rule.methods})


def url_of(path: str, stored: dict) -> str:
    for name, value in stored["values"].items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no stored record for {path}: add one to the `stored` fixture"
    query = stored["queries"].get(path) or next((q for p, q in stored["queries"].items()
                                                 if p.format(**stored["values"]) == path), "")
    return path + (f"?{query}" if query else "")


class WriteLock:
    """Another process's writer: a connection holding SQLite's write lock (BEGIN IMMEDIATE)."""

    def __init__(self, path):
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def test_every_get_route_answers_at_once_while_another_connection_holds_the_write_lock(sqlite_app, stored):
    client = sqlite_app.test_client()
    sign_in(client, api_key=ALL_SCOPES_KEY)  # the console's pages answer a signed-in session, not a header
    routes = get_routes(sqlite_app)
    assert len(routes) >= 20  # the url map was read, not an empty list
    for route in routes:  # once without the lock: first-call costs (Odoo login, generated pages) are paid here
        assert client.get(url_of(route, stored), headers=OPS).status_code == 200, route
    lock = WriteLock(sqlite_app.store_path)
    slow, failed = [], []
    try:
        for route in routes:
            url = url_of(route, stored)
            started = time.monotonic()
            answer = client.get(url, headers=OPS)
            took = time.monotonic() - started
            if answer.status_code != 200:
                failed.append((url, answer.status_code, answer.get_data(as_text=True)[:300]))
            elif took > QUICK:
                slow.append((url, round(took, 2)))
    finally:
        lock.release()
    assert failed == [] and slow == []


def test_a_write_waits_for_the_lock_and_goes_through_once_it_is_let_go(sqlite_app):
    client = sqlite_app.test_client()
    lock = WriteLock(sqlite_app.store_path)
    held = 0.5
    releaser = threading.Timer(held, lock.release)
    started = time.monotonic()
    releaser.start()
    try:
        answer = client.post("/v1/dead-letters", headers=OPS,
                             json={"execution": {"id": "42"}, "workflow": {"name": "Order release"}})
    finally:
        releaser.join()
    took = time.monotonic() - started
    assert answer.status_code == 201, answer.json
    assert held <= took < BUSY_TIMEOUT  # it queued behind the holder, then wrote: serialised, not refused
    assert client.get(f"/v1/dead-letters/{answer.json['id']}", headers=OPS).status_code == 200


def test_writers_wait_on_sqlites_own_busy_timeout(sqlite_app):
    """The wait is SQLite's busy handler (sqlite3_busy_timeout, set through the driver's timeout), not a loop here."""
    engine = sqlite_app.extensions["sidecar"].db.engine
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == int(BUSY_TIMEOUT * 1000)
