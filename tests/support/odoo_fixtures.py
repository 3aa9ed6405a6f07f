"""pytest fixtures for tests that talk to Odoo: the double by default, a real Odoo 17 when
``ODOO_URL`` (with ``ODOO_DB``, ``ODOO_USER``, ``ODOO_PASSWORD``) is set.

Load with ``pytest_plugins = ["tests.support.odoo_fixtures"]``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from tests.odoo_double import OdooDouble
from tests.support.odoo_seed import OdooSeed
from tests.support.switchable_proxy import SwitchableProxy

DOUBLE_DB = "gov17"


@dataclass
class OdooTarget:
    """Where the Odoo under test answers, and how to log in."""

    url: str
    db: str
    login: str
    password: str
    is_double: bool
    double: OdooDouble | None = None

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
    if url:
        url = url.rstrip("/")
        yield OdooTarget(url=url, db=_real_db(url), login=os.environ.get("ODOO_USER", "admin"),
                         password=os.environ.get("ODOO_PASSWORD", "admin"), is_double=False)
        return
    double = OdooDouble(db=DOUBLE_DB)
    base_url = double.start(host="127.0.0.1", port=0)
    try:
        yield OdooTarget(url=base_url, db=double.db, login="admin", password="admin", is_double=True,
                         double=double)
    finally:
        double.stop()


@pytest.fixture
def odoo_double(odoo_target) -> OdooDouble:
    """The double itself; skips the test when the suite runs against a real Odoo."""
    if not odoo_target.is_double:
        pytest.skip("needs the Odoo double (ODOO_URL points to a real server)")
    return odoo_target.double


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
    """Creates test data through JSON-RPC (works on the double and on a real Odoo)."""
    seed = OdooSeed(odoo_target.url, odoo_target.db, odoo_target.login, odoo_target.password)
    try:
        yield seed
    finally:
        seed.close()
