import pytest

from sidecar.config import load_settings
from sidecar.errors import ConfigError
from sidecar.policy import DEMO_POLICY_PATH

BASE = {"ODOO_URL": "http://127.0.0.1:8069", "ODOO_DB": "gov17", "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin", "SIDECAR_API_KEYS": "n8n:0123456789abcdef:events.write",
        "SIDECAR_AUDIT_KEY": "k" * 32,
        "SIDECAR_POLICY_FILE": str(DEMO_POLICY_PATH)}


def test_valid_environment_loads():
    settings = load_settings(BASE)
    assert settings.api_keys[0].name == "n8n"
    assert settings.api_keys[0].allows("events.write")
    assert not settings.api_keys[0].allows("audit.read")


@pytest.mark.parametrize("change, expected", [
    ({"ODOO_URL": ""}, "ODOO_URL: required"),
    ({"ODOO_URL": "ftp://x"}, "must start with http"),
    ({"SIDECAR_API_KEYS": ""}, "at least one client is required"),
    ({"SIDECAR_API_KEYS": "n8n:short:events.write"}, "at least 16 characters"),
    ({"SIDECAR_API_KEYS": "n8n:0123456789abcdef:events.destroy"}, "unknown scopes"),
    ({"SIDECAR_API_KEYS": "broken"}, "must be name:secret:scope"),
    ({"SIDECAR_MAX_ATTEMPTS": "many"}, "SIDECAR_MAX_ATTEMPTS: 'many' is not a valid int"),
    ({"SIDECAR_WORKER_IN_PROCESS": "maybe"}, "is not a boolean"),
    ({"SIDECAR_POLICY_FILE": "/nonexistent.json"}, "no file at"),
    ({"SIDECAR_DATABASE_URL": "var/db"}, "is not a database URL"),
    ({"SIDECAR_POLICY_FILE": ""}, "route 'sales-manager' has no approver"),
    ({"SIDECAR_GO_LIVE_AT": "soon"}, "SIDECAR_GO_LIVE_AT: 'soon' is not a date-time"),
    ({"SIDECAR_COMMIT_WAIT_SECONDS": "-1"}, "SIDECAR_COMMIT_WAIT_SECONDS: must be at least 0"),
])
def test_each_problem_is_named(change, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, **change})
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({})
    assert len(caught.value.problems) >= 5
