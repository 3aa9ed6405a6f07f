import pytest

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.policy import DEMO_POLICY_PATH

pytest_plugins = ["tests.support.odoo_fixtures"]

ALL_SCOPES_KEY = "0123456789abcdef-ops"
N8N_KEY = "0123456789abcdef-n8n"
READONLY_KEY = "0123456789abcdef-ro"
HMAC_SECRET = "0123456789abcdef-hmac"
AUDIT_KEY = "0123456789abcdef0123456789abcdef-audit"
APPROVAL_SECRET = "0123456789abcdef-approval-tokens-secret"


def sidecar_env(tmp_path, odoo_url, db="gov17", login="admin", password="admin", **extra):
    """The environment a test sidecar runs with."""
    return {
        "ODOO_URL": odoo_url, "ODOO_DB": db, "ODOO_USER": login, "ODOO_PASSWORD": password,
        "SIDECAR_DATABASE_URL": f"sqlite:///{tmp_path}/sidecar.db",
        "SIDECAR_AUDIT_KEY": AUDIT_KEY, "SIDECAR_AUDIT_CHECKPOINT_FILE": f"{tmp_path}/audit-checkpoints.jsonl",
        "SIDECAR_API_KEYS": f"ops:{ALL_SCOPES_KEY}:* n8n:{N8N_KEY}:events.write,approvals.write,deadletters.write "
                            f"viewer:{READONLY_KEY}:releases.read",
        "SIDECAR_HMAC_CLIENTS": f"shop:{HMAC_SECRET}:events.write",
        "SIDECAR_APPROVAL_SECRET": APPROVAL_SECRET,
        "SIDECAR_ODOO_TIMEOUT": "3", "SIDECAR_MAX_ATTEMPTS": "3", "SIDECAR_RETRY_BASE_SECONDS": "0",
        "SIDECAR_RETRY_MAX_SECONDS": "0", "SIDECAR_UNREACHABLE_BUDGET_SECONDS": "0",
        "SIDECAR_POLICY_FILE": str(DEMO_POLICY_PATH),  # the shipped policy names no approvers
        **extra,
    }


@pytest.fixture(scope="module")
def app_without_odoo(tmp_path_factory):
    """An app whose Odoo is a closed port: for tests that never reach Odoo."""
    env = sidecar_env(tmp_path_factory.mktemp("sidecar"), "http://127.0.0.1:9")
    return create_app(settings=load_settings(env))


@pytest.fixture
def app(tmp_path, odoo_target, odoo_proxy):
    """An app wired to the Odoo under test through a proxy that can go down."""
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password)
    application = create_app(settings=load_settings(env))
    yield application
    application.extensions["sidecar"].close()


@pytest.fixture
def gateway(odoo_target):
    """A gateway straight to the Odoo under test."""
    from sidecar.odoo import OdooGateway
    gw = OdooGateway(odoo_target.url, odoo_target.db, odoo_target.login, odoo_target.password, timeout=10.0)
    yield gw
    gw.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    return app.extensions["sidecar"]


@pytest.fixture
def worker(services):
    from sidecar.worker import OutboxWorker
    return OutboxWorker(services)


def bearer(key=N8N_KEY):
    return {"Authorization": f"Bearer {key}"}
