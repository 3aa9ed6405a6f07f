"""`python -m sidecar policy lint` and `policy explain`: problems with pointers, rules that fired, layers."""
from __future__ import annotations

import copy
import json

from sidecar.cli import main
from sidecar.policy import DEMO_POLICY_PATH

DEMO = json.loads(DEMO_POLICY_PATH.read_text(encoding="utf-8"))
NOW = "2026-11-23T10:00:00Z"
FACTS = {
    "order": {"id": 7, "name": "S00007", "state": "sent", "company_id": 1, "partner_id": 9, "partner_name": "Deco",
              "warehouse_id": 2, "warehouse_name": "WH", "salesperson_id": 2, "date_order": "2026-11-20T09:00:00Z",
              "commitment_date": None, "write_date": "2026-11-20 09:00:00", "amount_untaxed": 1000.0,
              "amount_total": 1150.0, "currency": "EUR", "currency_decimals": 2, "currency_rate": 1.0,
              "picking_policy": "direct"},
    "lines": [],
    "margin": {"amount": 130.0, "percent": 13.0, "source": "sale_margin"},
    "credit": {"receivable": 0.0, "to_invoice": 0.0, "order_amount": 1150.0, "exposure": 1150.0, "limit": None,
               "currency": "EUR", "currency_decimals": 2},
    "requested_by": {"user_id": 6, "login": "sales1"},
}


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_lint_accepts_the_demo_policy(capsys):
    assert main(["policy", "lint", str(DEMO_POLICY_PATH)]) == 0
    assert "valid: sales-order-release" in capsys.readouterr().out


def test_lint_lists_every_problem_with_its_pointer_and_fails(tmp_path, capsys):
    data = copy.deepcopy(DEMO)
    data["sites"] = {"company:1": {"parameters": {"margin_nope": 1}}}
    data["parameters"]["margin_min_percent"]["overridable"] = False
    data["sites"]["warehouse:2"] = {"parameters": {"margin_min_percent": 10}}
    data["rules"][2]["route"] = "ceo"
    data["rules"][2]["when"]["fact"] = "margin..percent"
    path = _write(tmp_path, "bad.json", data)
    assert main(["policy", "lint", path]) == 1
    out = capsys.readouterr().out
    assert f"{path}: /rules/2/when/fact: 'margin..percent' does not match" in out
    data["rules"][2]["when"]["fact"] = "margin.percent"  # schema first; then references
    assert main(["policy", "lint", _write(tmp_path, "bad2.json", data)]) == 1
    out = capsys.readouterr().out
    assert "/rules/2/route: unknown route 'ceo'" in out
    assert "/sites/company:1/parameters/margin_nope: unknown parameter 'margin_nope'" in out
    assert "/sites/warehouse:2/parameters/margin_min_percent: parameter 'margin_min_percent' is not overridable" in out


def test_explain_says_which_rules_fired_and_which_layer_set_each_value(tmp_path, capsys):
    data = copy.deepcopy(DEMO)
    data["sites"] = {"company:1": {"parameters": {"margin_min_percent": 12}}}
    policy, facts = _write(tmp_path, "p.json", data), _write(tmp_path, "f.json", FACTS)
    assert main(["policy", "explain", "--facts", facts, "--policy", policy, "--now", NOW]) == 0
    text = capsys.readouterr().out
    assert "Outcome: release" in text and "layers: enterprise, company:1" in text
    assert "margin_min_percent = 12 (set by company:1)" in text
    assert main(["policy", "explain", "--facts", facts, "--policy", policy, "--now", NOW, "--site", "company:2",
                 "--json"]) == 0
    explained = json.loads(capsys.readouterr().out)
    assert explained["decision"]["outcome"] == "approve"
    assert explained["parameters"]["margin_min_percent"] == {"value": 15, "layer": "enterprise", "overridable": True}
    fired = [r["rule"] for r in explained["rules"] if r["fired"]]
    assert fired == ["margin_minimum", "credit_no_limit", "stock_nothing_storable", "lead_time_no_date",
                     "lead_time_no_lead"]
    decided = [r["rule"] for r in explained["rules"] if r["in_decision"]]
    assert decided == ["margin_minimum", "credit_no_limit", "stock_nothing_storable", "lead_time_no_date"]
    margin = next(r for r in explained["rules"] if r["rule"] == "margin_minimum")
    assert (margin["observed"], margin["threshold"]) == (13.0, 15)
    assert margin["parameters"]["margin_min_percent"] == {"value": 15, "layer": "enterprise"}


def test_a_warehouse_beats_its_company(tmp_path, capsys):
    data = copy.deepcopy(DEMO)
    data["sites"] = {"company:1": {"parameters": {"margin_min_percent": 12}},
                     "warehouse:2": {"parameters": {"margin_min_percent": 14}}}
    policy, facts = _write(tmp_path, "p.json", data), _write(tmp_path, "f.json", FACTS)
    assert main(["policy", "explain", "--facts", facts, "--policy", policy, "--now", NOW, "--site", "company:1",
                 "--site", "warehouse:2", "--json"]) == 0
    explained = json.loads(capsys.readouterr().out)
    assert explained["policy"]["layers"] == ["enterprise", "company:1", "warehouse:2"]
    assert explained["parameters"]["margin_min_percent"] == {"value": 14, "layer": "warehouse:2", "overridable": True}
    assert explained["decision"]["outcome"] == "approve"  # 13 % misses the warehouse's 14 %, not the company's 12 %


def test_lint_of_a_file_that_is_not_json_fails(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text("{not json", encoding="utf-8")
    assert main(["policy", "lint", str(path)]) == 1
    assert "not valid JSON" in capsys.readouterr().out
