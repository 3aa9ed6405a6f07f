import pytest

from sidecar.config import load_settings
from sidecar.errors import ConfigError
from sidecar.policy import DEMO_POLICY_PATH
from tests.conftest import CALLBACK_SECRET, RESUME_TOKEN
from tests.support.signing import FORGED_SECRET, SHOP_NEW_SECRET, SHOP_OLD_SECRET, WEBHOOK_CLIENTS

BASE = {"ODOO_URL": "http://127.0.0.1:8069", "ODOO_DB": "gov17", "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin", "SIDECAR_API_KEYS": "n8n:0123456789abcdef:events.write",
        "SIDECAR_AUDIT_KEY": "k" * 32,
        "SIDECAR_POLICY_FILE": str(DEMO_POLICY_PATH),
        "SIDECAR_APPROVAL_SECRET": "0123456789abcdef0123456789abcdef",
        "SIDECAR_CALLBACK_SECRET": CALLBACK_SECRET, "SIDECAR_N8N_RESUME_TOKEN": RESUME_TOKEN}


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
    ({"SIDECAR_UNREACHABLE_BUDGET_SECONDS": "-1"}, "SIDECAR_UNREACHABLE_BUDGET_SECONDS: must be at least 0"),
    ({"SIDECAR_POLICY_FILE": "/nonexistent.json"}, "no file at"),
    ({"SIDECAR_DATABASE_URL": "var/db"}, "is not a database URL"),
    ({"SIDECAR_POLICY_FILE": ""}, "route 'sales-manager' has no approver"),
    ({"SIDECAR_GO_LIVE_AT": "soon"}, "SIDECAR_GO_LIVE_AT: 'soon' is not a date-time"),
    ({"SIDECAR_COMMIT_WAIT_SECONDS": "-1"}, "SIDECAR_COMMIT_WAIT_SECONDS: must be at least 0"),
    ({"SIDECAR_APPROVAL_SECRET": ""}, "SIDECAR_APPROVAL_SECRET: required"),
    ({"SIDECAR_APPROVAL_SECRET": "short"}, "at least 32"),
    ({"SIDECAR_APPROVAL_LINK_BASE": "n8n/webhook"}, "SIDECAR_APPROVAL_LINK_BASE: must be"),
    ({"SIDECAR_SYNC_PRIORITIES": "{orders: 1}"}, "SIDECAR_SYNC_PRIORITIES: not JSON"),
    ({"SIDECAR_SYNC_PRIORITIES": '{"orders": "high"}'}, "SIDECAR_SYNC_PRIORITIES: must be a JSON object"),
])
def test_each_problem_is_named(change, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, **change})
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_an_unreachable_odoo_is_waited_out_for_hours_by_default():
    assert load_settings(BASE).unreachable_budget_seconds == 6 * 3600
    assert load_settings({**BASE, "SIDECAR_UNREACHABLE_BUDGET_SECONDS": "600"}).unreachable_budget_seconds == 600


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({})
    assert len(caught.value.problems) >= 5


SECRET = "SuperSecretValue0123456789"


@pytest.mark.parametrize("variable", ["SIDECAR_API_KEYS", "SIDECAR_WEBHOOK_CLIENTS"])
@pytest.mark.parametrize("value, names", [
    (SECRET, ["entry 1 must be"]),                                  # a bare key, the easy mistake
    (f"ops:{SECRET}", ["entry 1 must be"]),                          # scopes forgotten
    ("ops:Super Secret Value 0123456789:*", ["entry 1 must be", "entry 4 must be"]),  # a secret with spaces
    (f"n8n:0123456789abcdef:events.write ops:{SECRET}:", ["entry 2 (client 'ops') must be"]),
    (f"ops:events.write:{SECRET}", ["client 'ops' has unknown scopes [] and 1 more not shown"]),
    (f"op$!:{SECRET}:*", ["entry 1: the name must be"]),
    (f"ops:{SECRET}:evnts.write", ["client 'ops' has unknown scopes ['evnts.write']"]),
])
def test_a_malformed_client_names_its_position_never_its_secret(variable, value, names):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, variable: value})
    text = str(caught.value)
    for name in names:
        assert f"{variable}: {name}" in text, text
    for piece in ("SuperSecret", "Secret Value", "Value", "0123456789"):
        assert piece not in text


@pytest.mark.parametrize("url, expected", [
    ("ftp://u:OdooPassw0rd@host", ["must start with http", "must not hold a user or password"]),
    ("http://admin:OdooPassw0rd@odoo.example:8069", ["must not hold a user or password"]),
    ("https://OdooPassw0rd@odoo.example", ["must not hold a user or password"]),
    ("http://[::1:OdooPassw0rd", ["is not a valid URL"]),
    ("http://odoo.example:OdooPassw0rd", ["is not a valid URL"]),
    ("http://", ["has no host"]),
])
def test_odoo_url_problems_never_echo_the_url(url, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "ODOO_URL": url})
    text = str(caught.value)
    assert all(f"ODOO_URL: {e}" in text for e in expected), text
    assert "OdooPassw0rd" not in text


def test_a_database_url_problem_does_not_echo_it():
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "SIDECAR_DATABASE_URL": "postgres:user:DbPassw0rd@host"})
    assert "DbPassw0rd" not in str(caught.value)


def test_settings_and_clients_never_show_their_secrets():
    settings = load_settings({**BASE, "ODOO_PASSWORD": "OdooPassw0rd",
                              "SIDECAR_WEBHOOK_CLIENTS": f"shop:{WEBHOOK_CLIENTS.split(':')[1]}:events.write",
                              "SIDECAR_CALLBACK_SECRET": FORGED_SECRET,
                              "SIDECAR_N8N_RESUME_TOKEN": "ResumeToken0123456789-ResumeToken0123456789"})
    shown = repr(settings) + str(settings) + repr(settings.api_keys) + repr(settings.webhook_clients)
    for secret in ("OdooPassw0rd", "0123456789abcdef", SHOP_OLD_SECRET, SHOP_NEW_SECRET, FORGED_SECRET,
                   "ResumeToken0123456789-ResumeToken0123456789"):
        assert secret not in shown
    assert "shop" in shown  # still says who the clients are


def test_the_approval_secret_is_never_echoed():
    secret = "not-long-enough-secret-value"
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "SIDECAR_APPROVAL_SECRET": secret})
    assert secret not in str(caught.value)
    assert secret not in repr(load_settings({**BASE, "SIDECAR_APPROVAL_SECRET": secret * 2}))
