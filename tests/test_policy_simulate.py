"""`sidecar policy simulate` and `policy explain EVENT.json`: read Odoo, decide twice, write nothing."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from sidecar.cli import main
from sidecar.policy import DEMO_POLICY_PATH
from tests.conftest import sidecar_env

READS = {"search_read", "read", "web_read", "search_count", "fields_get", "context_get", "version", "authenticate",
         "login"}


@pytest.fixture
def cli(tmp_path, odoo_target, monkeypatch, capsys):
    """Runs `python -m sidecar ...` in process against the Odoo under test; returns (exit code, stdout)."""
    env = sidecar_env(tmp_path, odoo_target.url, odoo_target.db, odoo_target.login, odoo_target.password)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def run(*args):
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out
    return run


def candidate_with_margin(tmp_path, min_percent):
    """The demo policy with another margin threshold (the candidate an integrator would try)."""
    data = json.loads(DEMO_POLICY_PATH.read_text())
    data["version"] = f"{data['version']}-margin{min_percent}"
    if "parameters" in data:  # rules as data: the threshold is a parameter
        data["parameters"]["margin_min_percent"]["value"] = min_percent
    else:
        data["checks"]["margin"]["min_percent"] = min_percent
    path = tmp_path / "candidate.json"
    path.write_text(json.dumps(data))
    return path


def test_simulate_lists_what_a_higher_margin_threshold_would_change_and_writes_nothing(
        cli, tmp_path, odoo_target, healthy_quotation, thin_margin_quotation):
    since = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S")
    before = len(odoo_target.double.calls) if odoo_target.is_double else 0
    code, out = cli("policy", "simulate", "--policy", str(candidate_with_margin(tmp_path, 60)), "--since", since,
                    "--json")
    assert code == 0
    report = json.loads(out)
    changed = {c["document_id"]: c for c in report["changed"]}
    assert changed[healthy_quotation]["in_force"] == "release"
    assert changed[healthy_quotation]["candidate"] == "approve"
    differing = [rule["rule"] for rule in changed[healthy_quotation]["rules"]]
    assert differing and all("margin" in rule for rule in differing)
    assert thin_margin_quotation not in changed  # 5 % fails either way, for the same reason
    assert report["by_outcome"]["release"]["would_change"] >= 1
    assert report["by_outcome"]["release"]["to"]["approve"] >= 1
    assert not (tmp_path / "sidecar.db").exists()  # the store is never opened
    if odoo_target.is_double:
        assert {call[1] for call in odoo_target.double.calls[before:]} <= READS

    code, text = cli("policy", "simulate", "--policy", str(candidate_with_margin(tmp_path, 60)), "--since", since)
    assert code == 0 and "would change" in text and "release -> approve" in text


def test_simulate_with_the_policy_in_force_changes_nothing(cli, healthy_quotation):
    since = (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat()
    code, out = cli("policy", "simulate", "--policy", str(DEMO_POLICY_PATH), "--since", since, "--json")
    assert code == 0 and json.loads(out)["changed"] == []


def test_a_bad_since_is_a_usage_error(cli, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        cli("policy", "simulate", "--policy", str(DEMO_POLICY_PATH), "--since", "last tuesday")
    assert stopped.value.code == 2


def test_explain_reads_the_events_document_from_odoo(cli, tmp_path, odoo_seed, thin_margin_quotation):
    event = {"id": "explain-me", "type": "sale_order.release_requested",
             "data": {"_model": "sale.order", "_id": thin_margin_quotation}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    code, out = cli("policy", "explain", str(path), "--json")
    assert code == 0
    assert json.loads(out)["decision"]["outcome"] == "approve"
    code, text = cli("policy", "explain", str(path))
    assert code == 0 and "approve" in text and "margin" in text
