"""Tests of release policy files: schema, cross-references and error reporting."""
from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from jsonschema import Draft202012Validator

from sidecar.errors import ConfigError
from sidecar.policy import DEFAULT_POLICY_PATH, DEMO_POLICY_PATH, Policy, build_policy, load_policy, validate_policy
from sidecar.policy.loader import SCHEMA_PATH, parse_moment
from sidecar.values import json_pointer as pointer

SHIPPED = json.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
DEFAULT = json.loads(DEMO_POLICY_PATH.read_text(encoding="utf-8"))  # the shipped policy with demo approvers
SUBMITTED = [["tag_ids.name", "=", "Release requested"], ["state", "in", ["draft", "sent"]]]


def mutate(path: str, value=..., data: dict | None = None) -> dict:
    """Copy of the default policy with the dotted path set to value (deleted when omitted)."""
    data = copy.deepcopy(DEFAULT if data is None else data)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = data
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return data


def test_policy_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_shipped_policy_names_no_approver_and_does_not_load_until_configured():
    assert all(route["approvers"] == [] and route.get("fallback", []) == [] for route in SHIPPED["routing"]["routes"])
    assert "demo" not in json.dumps(SHIPPED["routing"]) and "admin" not in json.dumps(SHIPPED["routing"])
    assert validate_policy(SHIPPED) == []  # a valid template
    with pytest.raises(ConfigError) as caught:
        load_policy(DEFAULT_POLICY_PATH)
    assert caught.value.problems == [
        f"{DEFAULT_POLICY_PATH}: /routing/routes/{i}/approvers: route '{role}' has no approver; list the Odoo "
        "logins allowed to approve it (the shipped policy names none on purpose)"
        for i, role in enumerate(["sales-manager", "finance-director"])]
    assert load_policy(DEFAULT_POLICY_PATH, require_approvers=False).routes["sales-manager"]["approvers"] == []


def test_shipped_and_demo_policies_differ_only_in_approvers_and_labels():
    def strip(data):
        data = copy.deepcopy(data)
        for key in ("version", "description"):
            data.pop(key)
        for route in data["routing"]["routes"]:
            route["approvers"], route["fallback"] = [], []
        return data
    assert strip(SHIPPED) == strip(DEFAULT)
    assert DEFAULT["version"].endswith("-demo") and DEFAULT["description"].startswith("DEMO ONLY")


def test_one_route_without_approver_is_enough_to_refuse(tmp_path):
    with pytest.raises(ConfigError) as caught:
        build_policy(mutate("routing.routes.1.approvers", []), "inline")
    assert [p.split(":")[1].strip() for p in caught.value.problems] == ["/routing/routes/1/approvers"]


def test_default_policy_loads_with_its_values():
    policy = load_policy(DEMO_POLICY_PATH)
    assert (policy.name, policy.version) == ("sales-order-release", "2026.11.2-demo")
    assert policy.checks["margin"] == {"enabled": True, "on_breach": "approve", "min_percent": 15,
                                       "reject_below_percent": 0, "tolerance_points": 0}
    assert policy.checks["credit"]["reject_over_percent"] == 50
    assert policy.checks["stock"]["on_breach"] == "approve"
    assert policy.checks["lead_time"]["buffer_days"] == 0
    assert policy.default_route == "sales-manager" and policy.default_sla_hours == 24
    assert policy.routes["sales-manager"] == {"role": "sales-manager", "approvers": ["admin"],
                                              "fallback": ["demo"], "sla_hours": 24}
    assert policy.routes["finance-director"]["sla_hours"] == 8
    assert policy.amount_bands == [{"min_untaxed": 10000, "route": "finance-director"}]
    assert policy.submitted_domain == SUBMITTED
    assert policy.unknown_requester_route == "sales-manager"
    assert policy.not_before is None


def test_load_policy_defaults_to_the_shipped_file():
    assert load_policy(require_approvers=False).data == SHIPPED


@pytest.mark.parametrize("text, expected", [
    ("2026-11-25 00:00:00", "2026-11-25T00:00:00+00:00"),
    ("2026-11-25T01:30:00Z", "2026-11-25T01:30:00+00:00"),
    ("2026-11-25T03:30:00+02:00", "2026-11-25T01:30:00+00:00"),
    ("2026-11-25 02:17:01.140520", "2026-11-25T02:17:01.140520+00:00"),
    (None, None), ("", None),
])
def test_go_live_moments(text, expected):
    moment = parse_moment(text)
    assert (moment.isoformat() if moment else None) == expected
    if text:
        assert build_policy(mutate("intake.not_before", text)).not_before == moment


def test_policy_is_frozen_and_detached_from_its_input():
    data = copy.deepcopy(DEFAULT)
    policy = build_policy(data)
    data["checks"]["margin"]["min_percent"] = 99
    assert policy.checks["margin"]["min_percent"] == 15
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.version = "x"  # type: ignore[misc]
    assert isinstance(policy, Policy)


def test_amount_bands_are_sorted_highest_first():
    bands = [{"min_untaxed": 10000, "route": "finance-director"}, {"min_untaxed": 50000, "route": "sales-manager"}]
    policy = build_policy(mutate("routing.amount_bands", bands))
    assert [b["min_untaxed"] for b in policy.amount_bands] == [50000, 10000]


@pytest.mark.parametrize("path, value", [
    ("routing.amount_bands", ...),
    ("checks.margin.reject_below_percent", ...),
    ("checks.margin.reject_below_percent", None),
    ("checks.margin.tolerance_points", 0.5),
    ("checks.margin.route", "finance-director"),
    ("checks.credit.reject_over_percent", None),
    ("checks.lead_time.buffer_days", 2.5),
    ("checks.stock.enabled", False),
    ("routing.routes.0.fallback", []),
    ("intake.not_before", "2026-12-01 00:00:00"),
    ("intake.not_before", ...),
    ("routing.unknown_requester_route", "finance-director"),
    ("routing.routes.1.sla_hours", ...),
    ("intake.submitted_domain", ["&", ["state", "=", "sent"], ["amount_total", ">", 0]]),
    ("intake.submitted_domain", ["!", ["state", "in", ["draft", "cancel"]]]),
    ("intake.submitted_domain", [["state", "=", "sent"], ["partner_id.name", "ilike", "deco"]]),
    ("description", ...),
    ("$schema", ...),
])
def test_valid_variations(path, value):
    assert validate_policy(mutate(path, value)) == []


@pytest.mark.parametrize("path, value, expected", [
    ("name", ..., "/name: is required"),
    ("version", 2026, "/version: 2026 is not of type 'string'"),
    ("version", "2026 11", "/version: '2026 11' does not match"),
    ("intake", ..., "/intake: is required"),
    ("checks.stock", ..., "/checks/stock: is required"),
    ("checks.lead_time.enabled", ..., "/checks/lead_time/enabled: is required"),
    ("checks.margin.min_percent", ..., "/checks/margin/min_percent: is required"),
    ("checks.margin.min_percent", "15", "/checks/margin/min_percent: '15' is not of type 'number'"),
    ("checks.margin.on_breach", "maybe", "/checks/margin/on_breach: 'maybe' is not one of"),
    ("checks.margin.tolerance_points", -0.5, "/checks/margin/tolerance_points: -0.5 is less than the minimum"),
    ("checks.credit.enabled", "yes", "/checks/credit/enabled: 'yes' is not of type 'boolean'"),
    ("checks.credit.colour", "red", "/checks/credit/colour: is not allowed (unknown property)"),
    ("checks.credit.reject_over_percent", -1, "/checks/credit/reject_over_percent: -1 is less than"),
    ("checks.lead_time.buffer_days", -1, "/checks/lead_time/buffer_days: -1 is less than"),
    ("checks.stock.route", "Sales Manager", "/checks/stock/route: 'Sales Manager' does not match"),
    ("checks.shipping", {"enabled": True}, "/checks/shipping: is not allowed (unknown property)"),
    ("routing.routes", [], "/routing/routes: [] should be non-empty"),
    ("routing.unknown_requester_route", ..., "/routing/unknown_requester_route: is required"),
    ("routing.unknown_requester_route", "ceo", "/routing/unknown_requester_route: unknown route 'ceo'"),
    ("intake.not_before", "next monday", "/intake/not_before: is not a date-time"),
    ("routing.routes.0.approvers", ["admin", "admin"],
     "/routing/routes/0/approvers: ['admin', 'admin'] has non-unique"),
    ("routing.routes.0.approvers", [""], "/routing/routes/0/approvers/0: '' should be non-empty"),
    ("routing.routes.1.sla_hours", 0, "/routing/routes/1/sla_hours: 0 is less than or equal to the minimum"),
    ("routing.default_sla_hours", ..., "/routing/default_sla_hours: is required"),
    ("routing.amount_bands.0.min_untaxed", -1, "/routing/amount_bands/0/min_untaxed: -1 is less than"),
    ("intake.submitted_domain", [], "/intake/submitted_domain: [] should be non-empty"),
    ("intake.submitted_domain", [["state", "="]], "/intake/submitted_domain/0: ['state', '='] is not valid"),
    ("intake.submitted_domain", [["state", "equals", "sent"]], "/intake/submitted_domain/0: "),
    ("intake.submitted_domain", ["or"], "/intake/submitted_domain/0: 'or' is not valid"),
    ("intake.submitted_domain", ["|", ["state", "=", "sent"]], "/intake/submitted_domain/0: operator '|' needs 2"),
    ("intake.submitted_domain", [["state", "=", "sent"], "!"], "/intake/submitted_domain/1: operator '!' needs 1"),
    ("routing.default_route", "nobody",
     "/routing/default_route: unknown route 'nobody' (defined: sales-manager, finance-director)"),
    ("routing.amount_bands.0.route", "ceo", "/routing/amount_bands/0/route: unknown route 'ceo'"),
    ("checks.credit.route", "ceo", "/checks/credit/route: unknown route 'ceo'"),
    ("routing.routes.1.role", "sales-manager", "/routing/routes/1/role: duplicate role 'sales-manager'"),
    ("routing.amount_bands",
     [{"min_untaxed": 5, "route": "sales-manager"}, {"min_untaxed": 5, "route": "finance-director"}],
     "/routing/amount_bands/1/min_untaxed: duplicate band 5"),
    ("checks.margin.reject_below_percent", 20, "/checks/margin/reject_below_percent: 20 is above min_percent 15"),
])
def test_invalid_policy_names_the_problem_at_its_pointer(path, value, expected):
    problems = validate_policy(mutate(path, value))
    assert any(p.startswith(expected) for p in problems), problems
    with pytest.raises(ConfigError) as caught:
        build_policy(mutate(path, value), "inline")
    assert any(p.startswith("inline: " + expected) for p in caught.value.problems)


def test_root_that_is_not_an_object():
    assert validate_policy([]) == ["(root): [] is not of type 'object'"]


def test_every_problem_is_listed_at_once():
    data = mutate("name", ..., mutate("checks.margin.on_breach", "maybe", mutate("checks.extra", 1)))
    problems = validate_policy(data)
    assert [p.split(":")[0] for p in problems] == ["/checks/extra", "/checks/margin/on_breach", "/name"]


def test_unknown_keys_are_escaped_in_pointers():
    assert validate_policy(mutate("checks.a/b~c", 1)) == ["/checks/a~1b~0c: is not allowed (unknown property)"]


@pytest.mark.parametrize("path, expected", [
    ([], ""), (["a", 0, "b"], "/a/0/b"), (["a/b", "m~n"], "/a~1b/m~0n"),
])
def test_pointer(path, expected):
    assert pointer(path) == expected


@pytest.mark.parametrize("content, expected", [
    (None, "cannot read policy file"),
    ("{not json", "not valid JSON"),
    (json.dumps(mutate("routing.default_route", "nobody")), "/routing/default_route: unknown route"),
])
def test_load_policy_raises_config_error_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "policy.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{path}: ")
    assert expected in caught.value.problems[0]
