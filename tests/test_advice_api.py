"""POST /v1/advice/{kind}: audited advice that never changes a decision and cannot act on one."""
from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, bearer
from tests.test_policy_engine import decide, facts

ADVISORY = Path(__file__).resolve().parent.parent / "sidecar" / "advisory"
REQUESTS = {
    "classify": {"text": "Hello, delivery S00412 arrived 12 units short of oat milk 1L. Marta"},
    "priority": {"case": {"category": "shortage", "amount": 5400, "hours_to_sla": 6, "customer_tier": "key"}},
    "summary": {"context": {"document": "S00007", "partner": "Deco Addict", "amount": 1000, "currency": "EUR",
                            "reasons": [{"code": "margin_low", "message": "margin 20% below 25%"}]}},
    "anomalies": {"values": [10, 12, 11, 9, 10, 250, 11], "labels": list("abcdefg")},
    "draft": {"template": "Dear $name, we credited $amount for $order.", "case": {"name": "Ana", "order": "S1"}},
}


def post(app, kind, body, key=ALL_SCOPES_KEY):
    return app.test_client().post(f"/v1/advice/{kind}", json=body, headers=bearer(key))


@pytest.mark.parametrize("kind", REQUESTS)
def test_each_kind_is_answered_and_audited_without_its_input(app_without_odoo, kind):
    answer = post(app_without_odoo, kind, REQUESTS[kind])
    assert answer.status_code == 200, answer.json
    advice = answer.json["advice"]
    assert advice["kind"] == kind and advice["backend"] == "local" and advice["advisory_only"] is True
    with app_without_odoo.extensions["sidecar"].db.engine.connect() as conn:
        entry = audit.latest(conn, "advice.given", advice["input_sha256"])
    assert entry["seq"] == advice["audit_seq"] and entry["actor"] == "ops"
    assert entry["data"]["model_version"] == advice["model_version"] and entry["data"]["backend"] == "local"
    assert str(REQUESTS[kind]) not in str(entry["data"]) and "oat milk" not in str(entry["data"])


def test_results_say_what_each_kind_found(app_without_odoo):
    assert post(app_without_odoo, "classify", REQUESTS["classify"]).json["advice"]["result"]["category"] == "shortage"
    found = post(app_without_odoo, "anomalies", REQUESTS["anomalies"]).json["advice"]["result"]["anomalies"]
    assert [(a["index"], a["label"]) for a in found] == [(5, "f")]


@pytest.mark.parametrize("kind", REQUESTS)
def test_a_decision_comes_back_unchanged_but_for_its_advice(app_without_odoo, kind):
    for decision in (decide(facts()), decide(facts(percent=2.0)), decide(facts(exposure=9000.0))):
        sent = copy.deepcopy(decision)
        answer = post(app_without_odoo, kind, {**REQUESTS[kind], "decision": sent})
        assert answer.status_code == 200, answer.json
        returned = answer.json["decision"]
        assert returned.pop("advice") == answer.json["advice"]
        assert returned == decision


@pytest.mark.parametrize("kind, body, pointer", [
    ("classify", {"case": {}}, "/text"),
    ("draft", {"template": "Hi $name"}, "/case"),
    ("anomalies", {"values": [1, 2, 3], "labels": ["a"]}, "/labels"),
    ("anomalies", {"values": ["1"]}, "/values/0"),
    ("priority", {"case": {"amount": -1}}, "/case/amount"),
    ("classify", {"text": "x", "outcome": "approve"}, ""),
])
def test_bad_requests_are_400_naming_the_field(app_without_odoo, kind, body, pointer):
    answer = post(app_without_odoo, kind, body)
    assert answer.status_code == 400
    assert pointer in [d["pointer"] for d in answer.json["error"]["details"]]


def test_unknown_kind_is_404_and_the_scope_is_required(app_without_odoo):
    answer = post(app_without_odoo, "approve", {"text": "x"})
    assert answer.status_code == 404 and answer.json["error"]["code"] == "advice_kind_not_found"
    assert post(app_without_odoo, "classify", {"text": "x"}, key=N8N_KEY).status_code == 403


# Advice reaches people only: nothing under sidecar/advisory may import what acts on Odoo or on a decision.
ALLOWED_IMPORTS = ("sidecar.advisory", "sidecar.contracts", "sidecar.errors", "sidecar.metrics", "sidecar.store.audit")


def _sidecar_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sidecar"):
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("sidecar"))
    return names


def test_no_advisory_code_can_approve_reject_post_or_release():
    modules = sorted(ADVISORY.glob("*.py")) + [ADVISORY.parent / "api" / "advice.py"]
    for path in modules:
        for name in _sidecar_imports(path):
            assert name.startswith(ALLOWED_IMPORTS) or name.startswith("sidecar.api.common"), (path.name, name)
    source = " ".join(path.read_text(encoding="utf-8") for path in modules)
    for verb in ("execute_kw", "action_confirm", "button_validate", "action_post", "approvals.decide"):
        assert verb not in source
