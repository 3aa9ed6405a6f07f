"""A change of policy is audited once: at start when it differs from the last audited one."""
from __future__ import annotations

import json

from sidecar.policy import DEMO_POLICY_PATH, build_policy
from sidecar.policy.audit import record_loaded, record_rejected
from sidecar.store import Database, audit
from sidecar.store.audit import AuditSeal

KEY = b"a test key for the policy audit, 32+ chars"


def _policy(version: str | None = None):
    data = json.loads(DEMO_POLICY_PATH.read_text(encoding="utf-8"))
    if version:
        data["version"] = version
    return build_policy(data)


def _entries(db, kind):
    with db.read() as conn:
        return [e for e in audit.entries(conn, "policy:sales-order-release") if e["kind"] == kind]


def test_the_policy_in_force_is_audited_once_per_content(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'a.db'}", AuditSeal(KEY, tmp_path / "checkpoints.jsonl"))
    db.create_schema()
    first, second = _policy(), _policy("2027.1.0")
    assert record_loaded(db, first, "demo.json") is True
    assert record_loaded(db, first, "demo.json") is False  # a restart with the same policy: nothing new
    assert record_loaded(db, second, "demo.json") is True
    loaded = _entries(db, "policy.loaded")
    assert [e["data"]["hash"] for e in loaded] == [first.hash, second.hash]
    assert loaded[1]["data"]["previous"] == {"version": first.version, "hash": first.hash}
    assert loaded[1]["data"]["version"] == "2027.1.0" and loaded[1]["data"]["flow"] == "sales-order-release"


def test_a_rejected_policy_file_is_audited_with_the_policy_that_stays(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'a.db'}", AuditSeal(KEY, tmp_path / "checkpoints.jsonl"))
    db.create_schema()
    in_force = _policy()
    record_rejected(db, "sales-order-release", "bad.json", ["/rules/2/effect: 'maybe' is not one of"], in_force)
    (entry,) = _entries(db, "policy.rejected")
    assert entry["data"]["in_force"] == in_force.identity
    assert entry["data"]["problems"] == ["/rules/2/effect: 'maybe' is not one of"]


def test_a_changed_file_replaces_the_policy_only_when_it_validates(tmp_path):
    from sidecar.policy import load_policy
    from sidecar.policy.reload import PolicyReloader
    db = Database(f"sqlite:///{tmp_path / 'a.db'}", AuditSeal(KEY, tmp_path / "checkpoints.jsonl"))
    db.create_schema()
    path = tmp_path / "policy.json"
    data = json.loads(DEMO_POLICY_PATH.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data), encoding="utf-8")
    now = [0.0]
    reloader = PolicyReloader(path, db, load_policy(path), every=5, clock=lambda: now[0])
    first = reloader.current()

    data["rules"][2]["effect"] = "maybe"  # does not validate
    path.write_text(json.dumps(data), encoding="utf-8")
    assert reloader.current() is first  # not checked yet
    now[0] = 6
    assert reloader.current() is first  # checked: rejected, the old one stays
    (rejected,) = _entries(db, "policy.rejected")
    assert rejected["data"]["in_force"] == first.identity
    assert any(p.endswith("/rules/2/effect: 'maybe' is not one of ['pass', 'approve', 'reject', 'route']")
               for p in rejected["data"]["problems"])

    data["rules"][2]["effect"] = "approve"
    data["version"] = "2027.1.0"
    path.write_text(json.dumps(data), encoding="utf-8")
    now[0] = 12
    assert reloader.current().version == "2027.1.0"
    assert [e["data"]["version"] for e in _entries(db, "policy.loaded")] == ["2027.1.0"]


def test_an_edited_policy_file_is_in_force_for_the_next_decision_and_a_broken_one_is_not(
        tmp_path, monkeypatch, odoo_target, odoo_proxy, thin_margin_quotation):
    from sidecar.config import load_settings
    from sidecar.flows import pipeline, registry
    from sidecar.flows.release import FLOW
    from sidecar.policy import reload
    from sidecar.services import Services
    from tests.conftest import sidecar_env

    monkeypatch.setattr(reload, "CHECK_EVERY_SECONDS", 0.0)  # look at the file on every use
    path = tmp_path / "policy.json"
    data = json.loads(DEMO_POLICY_PATH.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data), encoding="utf-8")
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_POLICY_FILE=str(path))
    services = Services.from_settings(load_settings(env))
    try:
        assert pipeline.preview(services, FLOW, thin_margin_quotation)["outcome"] == "approve"
        data["parameters"]["margin_min_percent"]["value"] = 0  # the thin margin now passes
        data["version"] = "2027.1.0"
        path.write_text(json.dumps(data), encoding="utf-8")
        assert pipeline.preview(services, FLOW, thin_margin_quotation)["outcome"] == "release"
        assert registry.policy_for(services, FLOW).version == "2027.1.0"
        path.write_text('{"name": "sales-order-release", "rules": "not a list"}', encoding="utf-8")
        assert pipeline.preview(services, FLOW, thin_margin_quotation)["outcome"] == "release"
        assert registry.policy_for(services, FLOW).version == "2027.1.0"  # the broken file never took over
        assert [e["data"]["version"] for e in _entries(services.db, "policy.loaded")][-1] == "2027.1.0"
        assert _entries(services.db, "policy.rejected")
    finally:
        services.close()
