import json
import os
import subprocess
import sys

import sqlalchemy as sa

from tests.conftest import sidecar_env


def run_cli(env, *args):
    return subprocess.run([sys.executable, "-m", "sidecar", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def test_bad_configuration_is_a_clear_message_not_a_traceback(tmp_path):
    result = run_cli({"ODOO_URL": "", "SIDECAR_API_KEYS": ""}, "audit", "verify")
    assert result.returncode == 2
    assert "ODOO_URL: required" in result.stderr and "Traceback" not in result.stderr


def test_audit_verify_and_dead_letters_from_the_command_line(tmp_path):
    env = sidecar_env(tmp_path, "http://127.0.0.1:9")
    from sidecar.store import Database, audit, dead_letters
    from sidecar.store.audit import AuditSeal
    db = Database(env["SIDECAR_DATABASE_URL"], AuditSeal(env["SIDECAR_AUDIT_KEY"].encode()))
    db.create_schema()
    with db.transaction() as conn:
        audit.append(conn, "test.entry", "s", {"n": 1})
        audit.append(conn, "test.entry", "s", {"n": 2})
        letter = dead_letters.insert(conn, kind="n8n_execution", category="n8n_failure", summary="failed",
                                     detail={"execution": {"id": "7"}, "workflow": {"name": "w"}}, ref="n8n:w:7")
    verified = run_cli(env, "audit", "verify")
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True
    listed = json.loads(run_cli(env, "dlq", "list").stdout)
    assert [item["id"] for item in listed] == [letter]
    shown = json.loads(run_cli(env, "dlq", "show", letter).stdout)
    assert shown["detail"]["execution"]["id"] == "7"
    replayed = json.loads(run_cli(env, "dlq", "replay", letter).stdout)
    assert replayed["skipped"][0]["code"] == "not_replayable"
    with db.transaction() as conn:
        conn.execute(sa.text("UPDATE audit_log SET kind = 'forged' WHERE seq = 1"))
    tampered = run_cli(env, "audit", "verify")
    assert tampered.returncode == 1 and "content changed" in tampered.stdout
    db.dispose()


def test_audit_verify_on_a_missing_store_fails_and_creates_nothing(tmp_path):
    env = sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_DATABASE_URL=f"sqlite:///{tmp_path}/typo/sidecar.db")
    result = run_cli(env, "audit", "verify")
    assert result.returncode == 1 and "store_missing" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_audit_key_is_required_and_never_echoed(tmp_path):
    env = sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_AUDIT_KEY="short-secret-value")
    result = run_cli(env, "audit", "verify")
    assert result.returncode == 2 and "SIDECAR_AUDIT_KEY" in result.stderr
    assert "short-secret-value" not in result.stderr


def test_shipped_policy_without_approvers_stops_the_start_with_a_clear_message(tmp_path):
    env = {**sidecar_env(tmp_path, "http://127.0.0.1:9"), "SIDECAR_POLICY_FILE": ""}
    result = run_cli(env, "audit", "verify")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "route 'sales-manager' has no approver" in result.stderr


def test_odoo_provision_names_what_is_missing_and_never_echoes_a_password(tmp_path):
    missing = run_cli({"ODOO_URL": "", "ODOO_DB": "", "ODOO_ADMIN_PASSWORD": "", "N8N_WEBHOOK_URL": "",
                       "ODOO_WEBHOOK_AUTH": ""}, "odoo", "provision")
    assert missing.returncode == 2 and "--db or ODOO_DB: required" in missing.stderr
    assert "--webhook-auth or ODOO_WEBHOOK_AUTH: required" in missing.stderr
    for command in (["odoo", "check"], ["odoo-setup"]):  # odoo-setup: `odoo provision --apply`
        down = run_cli({"ODOO_WEBHOOK_AUTH": "odoo:hook-s3cret"}, *command, "--url", "http://127.0.0.1:9",
                       "--db", "x", "--admin-password", "s3cret-pass-word", "--n8n-url", "http://127.0.0.1:9")
        assert down.returncode == 2 and "odoo_unreachable" in down.stderr
        for secret in ("s3cret-pass-word", "hook-s3cret"):
            assert secret not in down.stderr + down.stdout and "Traceback" not in down.stderr
    unknown = run_cli({}, "odoo", "check", "--flow", "return-request", "--url", "http://127.0.0.1:9", "--db", "x",
                      "--admin-password", "pw", "--n8n-url", "http://127.0.0.1:9", "--webhook-auth", "odoo:pw")
    assert unknown.returncode == 2 and "return-request" in unknown.stderr


def test_dead_letters_are_resolved_and_abandoned_from_the_command_line(tmp_path):
    env = sidecar_env(tmp_path, "http://127.0.0.1:9")
    from sidecar.store import Database, audit, dead_letters
    db = Database(env["SIDECAR_DATABASE_URL"])
    db.create_schema()
    with db.transaction() as conn:
        first, second = (dead_letters.insert(conn, kind="n8n_execution", category="n8n_failure", summary="failed",
                                             detail={"execution": {"id": n}, "workflow": {"name": "w"}},
                                             ref=f"n8n:w:{n}") for n in ("1", "2"))
    refused = run_cli(env, "dlq", "resolve", first)
    assert refused.returncode == 2 and "--reason" in refused.stderr
    resolved = run_cli(env, "dlq", "resolve", first, "--reason", "re-run in n8n by hand")
    assert resolved.returncode == 0, resolved.stderr
    assert json.loads(resolved.stdout)["status"] == "resolved"
    abandoned = run_cli(env, "dlq", "abandon", second, "--reason", "customer withdrew")
    assert json.loads(abandoned.stdout)["status"] == "abandoned"
    again = run_cli(env, "dlq", "abandon", second, "--reason", "twice")
    assert again.returncode == 1 and "not_open" in again.stderr
    with db.transaction() as conn:
        closings = [(e["kind"], e["actor"]) for e in audit.entries(conn) if e["kind"].startswith("deadletter.")]
    assert closings == [("deadletter.resolved", "cli"), ("deadletter.abandoned", "cli")]
    db.dispose()
