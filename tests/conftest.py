import os
from collections import Counter
from pathlib import Path

import pytest

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.policy import DEMO_POLICY_PATH
from tests.support.signing import WEBHOOK_CLIENTS
from tests.support.stores import store_url

pytest_plugins = ["tests.support.odoo_fixtures"]

# CI sets SIDECAR_TEST_STRICT=1: the suite must not shrink silently.  It accepts only the skips
# the run on the other target covers (a double-only test on a real Odoo, a real-Odoo-only test on
# the double; CI runs both); any other skip fails the run.
STRICT = os.environ.get("SIDECAR_TEST_STRICT") == "1"

ALL_SCOPES_KEY = "0123456789abcdef-ops"
N8N_KEY = "0123456789abcdef-n8n"
READONLY_KEY = "0123456789abcdef-ro"
AUDIT_KEY = "0123456789abcdef0123456789abcdef-audit"
APPROVAL_SECRET = "0123456789abcdef-approval-tokens-secret"
CALLBACK_SECRET = "whsec_Y2FsbGJhY2stc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY="  # signs the sidecar's calls to n8n
RESUME_TOKEN = "0123456789abcdef-n8n-resume-token-value"  # what n8n's Wait nodes check
# The checkout's stored classifier (scripts/bootstrap.sh trains it): sidecars started in a temporary folder load it.
MODEL_DIR = Path(__file__).resolve().parent.parent / "var" / "advisory-model"


def demo_policies() -> str:
    """SIDECAR_FLOW_POLICIES putting every flow's demo policy in force: the shipped ones name no approvers, the
    demo copies name admin and demo (README); the release's is SIDECAR_POLICY_FILE."""
    from sidecar.flows import registry
    from sidecar.policy.loader import DEFAULT_POLICY_PATH
    demos = {flow.name: registry.POLICIES_DIR / flow.policy_file.replace(".json", ".demo.json")
             for flow in registry.flows() if flow.policy_file != DEFAULT_POLICY_PATH.name}
    return " ".join(f"{name}={path}" for name, path in sorted(demos.items()) if path.exists())


def sidecar_env(tmp_path, odoo_url, db="gov17", login="admin", password="admin", **extra):
    """The environment a test sidecar runs with."""
    return {
        "ODOO_URL": odoo_url, "ODOO_DB": db, "ODOO_USER": login, "ODOO_PASSWORD": password,
        "SIDECAR_DATABASE_URL": store_url(tmp_path),
        "SIDECAR_AUDIT_KEY": AUDIT_KEY, "SIDECAR_AUDIT_CHECKPOINT_FILE": f"{tmp_path}/audit-checkpoints.jsonl",
        "SIDECAR_API_KEYS": f"ops:{ALL_SCOPES_KEY}:* n8n:{N8N_KEY}:events.write,approvals.write,deadletters.write "
                            f"viewer:{READONLY_KEY}:releases.read",
        "SIDECAR_WEBHOOK_CLIENTS": WEBHOOK_CLIENTS,
        "SIDECAR_APPROVAL_SECRET": APPROVAL_SECRET,
        "SIDECAR_CALLBACK_SECRET": CALLBACK_SECRET, "SIDECAR_N8N_RESUME_TOKEN": RESUME_TOKEN,
        "SIDECAR_ODOO_TIMEOUT": "3", "SIDECAR_MAX_ATTEMPTS": "3", "SIDECAR_RETRY_BASE_SECONDS": "0",
        "SIDECAR_RETRY_MAX_SECONDS": "0", "SIDECAR_UNREACHABLE_BUDGET_SECONDS": "0",
        "SIDECAR_POLICY_FILE": str(DEMO_POLICY_PATH),  # the shipped policy names no approvers
        "SIDECAR_ADVICE_MODEL_DIR": str(MODEL_DIR),
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


def _skip_reasons(terminalreporter) -> Counter:
    reasons = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    return reasons


def _unaccepted(reasons: Counter) -> Counter:
    """Skips not covered by the run on the other target (the double or a real Odoo; SQLite or PostgreSQL)."""
    from tests.support.odoo_fixtures import ONLY_ON_REAL_ODOO, ONLY_ON_THE_DOUBLE
    from tests.support.stores import ON_POSTGRES, ONLY_ON_POSTGRES
    covered = ONLY_ON_THE_DOUBLE if os.environ.get("ODOO_URL") else ONLY_ON_REAL_ODOO
    covered = (covered,) if ON_POSTGRES else (covered, ONLY_ON_POSTGRES)  # CI runs the suite on PostgreSQL too
    return Counter({reason: n for reason, n in reasons.items() if not reason.startswith(covered)})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Skips counted by reason, so a shrinking suite shows."""
    reasons = _skip_reasons(terminalreporter)
    if reasons:
        terminalreporter.section("skips by reason")
        for reason, count in reasons.most_common():
            terminalreporter.write_line(f"{count:4d}  {reason}")
    if STRICT and _unaccepted(reasons):
        terminalreporter.write_line("SIDECAR_TEST_STRICT=1: these skips fail the run: "
                                    + "; ".join(_unaccepted(reasons)), red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if not STRICT:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _unaccepted(_skip_reasons(reporter)) and session.exitstatus == 0:
        session.exitstatus = 1
