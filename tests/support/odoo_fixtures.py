"""pytest fixtures for tests that talk to Odoo: the double by default, a real Odoo 17 when
``ODOO_URL`` (with ``ODOO_DB``, ``ODOO_USER``, ``ODOO_PASSWORD``) is set.

The sidecar logs in as the least-privilege integration user (``ODOO_USER``; on the double it is
provisioned by ``sidecar.odoo.integration_user``); test data is seeded as an administrator
(``ODOO_ADMIN_LOGIN`` / ``ODOO_ADMIN_PASSWORD``, default admin/admin).

Load with ``pytest_plugins = ["tests.support.odoo_fixtures"]``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from sidecar.odoo import OdooGateway
from sidecar.odoo.integration_user import provision
from tests.odoo_double import OdooDouble
from tests.support.odoo_seed import OdooSeed
from tests.support.switchable_proxy import SwitchableProxy

DOUBLE_DB = "gov17"
# The skips a strict run (SIDECAR_TEST_STRICT=1) accepts: each is covered by the run on the other target.
ONLY_ON_THE_DOUBLE = "needs the Odoo double"   # skipped on a real Odoo
ONLY_ON_REAL_ODOO = "needs a real Odoo"        # skipped on the double
INTEGRATION_LOGIN = "sidecar-integration"
INTEGRATION_PASSWORD = "sidecar-integration-pw"


@dataclass
class OdooTarget:
    """Where the Odoo under test answers, and how to log in."""

    url: str
    db: str
    login: str
    password: str
    is_double: bool
    double: OdooDouble | None = None
    admin_login: str = "admin"
    admin_password: str = "admin"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)


def _real_db(url: str) -> str:
    db = os.environ.get("ODOO_DB")
    if db:
        return db
    answer = requests.post(f"{url}/web/database/list", json={"jsonrpc": "2.0", "method": "call", "params": {}},
                           timeout=30).json()
    names = answer.get("result") or []
    if len(names) != 1:
        raise pytest.UsageError("ODOO_URL is set: set ODOO_DB too (the server lists %r)" % (names,))
    return names[0]


@pytest.fixture(scope="session")
def odoo_target():
    """The Odoo the suite runs against: ``ODOO_URL`` if set, else a fresh double on a free port."""
    url = os.environ.get("ODOO_URL")
    if not url and os.environ.get("SIDECAR_LIVE") == "1":
        raise pytest.UsageError("SIDECAR_LIVE=1: the live suite needs ODOO_URL (a real Odoo 17)")
    if url:
        url = url.rstrip("/")
        yield OdooTarget(url=url, db=_real_db(url), login=os.environ.get("ODOO_USER", "admin"),
                         password=os.environ.get("ODOO_PASSWORD", "admin"), is_double=False,
                         admin_login=os.environ.get("ODOO_ADMIN_LOGIN", "admin"),
                         admin_password=os.environ.get("ODOO_ADMIN_PASSWORD", "admin"))
        return
    double = OdooDouble(db=DOUBLE_DB)
    base_url = double.start(host="127.0.0.1", port=0)
    try:
        provision_integration_user(base_url, double.db)
        yield OdooTarget(url=base_url, db=double.db, login=INTEGRATION_LOGIN, password=INTEGRATION_PASSWORD,
                         is_double=True, double=double)
    finally:
        double.stop()


def provision_integration_user(url: str, db: str) -> dict:
    """The integration user on the double, made by the same code an administrator runs."""
    admin = OdooGateway(url, db, "admin", "admin")
    try:
        return provision(admin, INTEGRATION_LOGIN, INTEGRATION_PASSWORD)
    finally:
        admin.close()


@pytest.fixture
def odoo_double(odoo_target):
    """The double itself; skips the test when the suite runs against a real Odoo."""
    if not odoo_target.is_double:
        pytest.skip(f"{ONLY_ON_THE_DOUBLE} (ODOO_URL points to a real server)")
    yield odoo_target.double
    odoo_target.double.clear_failures()  # injected failures and delays end with the test


@pytest.fixture
def least_privilege(odoo_target):
    """The target, when the sidecar logs in as a user other than the administrator who seeds the data."""
    if odoo_target.login == odoo_target.admin_login:
        pytest.skip(f"needs a least-privilege ODOO_USER: the sidecar logs in as the administrator "
                    f"{odoo_target.login} here (CI provisions one with `sidecar odoo-user`)")
    return odoo_target


@pytest.fixture
def real_odoo(odoo_target):
    """The target, when it is a real Odoo; skips the test on the double."""
    if odoo_target.is_double:
        pytest.skip(f"{ONLY_ON_REAL_ODOO} 17 (the suite runs against the double)")
    return odoo_target


@pytest.fixture
def odoo_proxy(odoo_target):
    """A switchable TCP proxy in front of the target: ``.url``, ``.go_down()``, ``.come_up()``."""
    proxy = SwitchableProxy(odoo_target.host, odoo_target.port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def odoo_seed(odoo_target):
    """Creates test data through JSON-RPC as an administrator (works on the double and on a real Odoo)."""
    seed = OdooSeed(odoo_target.url, odoo_target.db, odoo_target.admin_login, odoo_target.admin_password)
    try:
        yield seed
    finally:
        seed.close()


def _submitted(seed, cost: float, quantity: float) -> int:
    """A sent quotation of one product sold at 200, submitted for release by the seeding admin."""
    product = seed.product(cost=cost, price=200.0, on_hand=50.0)
    order_id = seed.quotation(seed.customer(), lines=[(product, quantity, 200.0)], state="sent")
    seed.request_release(order_id)  # admin is the order's committed writer: the requester
    return order_id


@pytest.fixture
def healthy_quotation(odoo_seed) -> int:
    """Submitted, 50 % margin, in stock: the release policy releases it."""
    return _submitted(odoo_seed, cost=100.0, quantity=2)


@pytest.fixture
def thin_margin_quotation(odoo_seed) -> int:
    """Submitted, 5 % margin: it needs an approval; admin sells and submitted it."""
    return _submitted(odoo_seed, cost=190.0, quantity=1)
