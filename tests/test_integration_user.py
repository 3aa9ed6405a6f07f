"""The odoo-user command: creates or updates the least-privilege integration user."""
from __future__ import annotations

import json

from sidecar import cli
from sidecar.odoo.integration_user import REQUIRED_GROUPS


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_creates_then_updates_the_same_user_with_exactly_its_groups(odoo_double, capsys):
    args = ["odoo-user", "--url", odoo_double.url, "--db", odoo_double.db, "--admin-password", "admin",
            "--login", "sidecar-cli-test", "--password", "first-pw-123"]
    code, out, _err = run_cli(capsys, *args)
    assert code == 0
    first = json.loads(out)
    assert first["login"] == "sidecar-cli-test" and first["internal"] is True
    assert set(first["groups"]) == set(REQUIRED_GROUPS)
    assert first["email"] == "sidecar-cli-test@example.invalid"
    assert "Sales / User: All Documents" in first["effective_groups"]
    assert "Technical / Show Accounting Features - Readonly" in first["effective_groups"]
    assert "Administration / Settings" not in first["effective_groups"]
    env = odoo_double.env()
    with env.db.transaction():  # an administrator later gave it too much
        env.write("res.users", [first["user_id"]], {"groups_id": [(4, env.ref_id("base.group_system"))]})
    code, out, _err = run_cli(capsys, *args[:-1], "second-pw-456")
    second = json.loads(out)
    assert (code, second["user_id"]) == (0, first["user_id"])
    assert "Administration / Settings" not in second["effective_groups"]
    assert "second-pw-456" not in out


def test_missing_settings_are_listed_without_a_traceback(capsys, monkeypatch):
    for name in ("ODOO_URL", "ODOO_DB", "ODOO_ADMIN_PASSWORD", "ODOO_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    code, _out, err = run_cli(capsys, "odoo-user", "--login", "x")
    assert code == 2
    assert "--url/ODOO_URL" in err and "--password/ODOO_PASSWORD" in err


def test_a_wrong_admin_password_is_a_clear_error(odoo_double, capsys):
    code, _out, err = run_cli(capsys, "odoo-user", "--url", odoo_double.url, "--db", odoo_double.db,
                              "--admin-password", "wrong", "--login", "x", "--password", "y")
    assert code == 1 and err.startswith("sidecar odoo-user: ") and "wrong" not in err
