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
    assert (policy.name, policy.version, policy.flow) == ("sales-order-release", "2026.11.3-demo", "sales-order-release")
    values = {name: spec["value"] for name, spec in policy.parameters.items()}
    assert values == {"margin_min_percent": 15, "margin_reject_below_percent": 0, "margin_tolerance_points": 0,
                      "credit_reject_over_percent": 50, "credit_tolerance_percent": 0, "lead_time_buffer_days": 0,
                      "finance_director_from_untaxed": 10000}
    assert [r["check"] for r in policy.rules if "check" in r] == \
        ["margin"] * 3 + ["credit"] * 3 + ["stock"] * 2 + ["lead_time"] * 3
    assert policy.default_route == "sales-manager" and policy.default_sla_hours == 24
    assert policy.routes["sales-manager"] == {"role": "sales-manager", "approvers": ["admin"],
                                              "fallback": ["demo"], "sla_hours": 24, "overridable": True}
    assert policy.routes["finance-director"]["sla_hours"] == 8
    assert policy.submitted_domain == SUBMITTED
    assert policy.unknown_requester_route == "sales-manager"
    assert policy.not_before is None
    assert len(policy.hash) == 64


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
    data["parameters"]["margin_min_percent"]["value"] = 99
    assert policy.parameters["margin_min_percent"]["value"] == 15
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.version = "x"  # type: ignore[misc]
    assert isinstance(policy, Policy)


def test_the_hash_follows_the_content_not_the_layout():
    same = json.loads(json.dumps(DEFAULT, indent=None))
    assert build_policy(same).hash == build_policy(DEFAULT).hash
    assert build_policy(mutate("parameters.margin_min_percent.value", 16)).hash != build_policy(DEFAULT).hash


@pytest.mark.parametrize("path, value", [
    ("rules.11", ...),
    ("parameters.margin_reject_below_percent.value", None),
    ("parameters.margin_tolerance_points.value", 0.5),
    ("rules.2.route", "finance-director"),
    ("parameters.credit_reject_over_percent.value", None),
    ("parameters.lead_time_buffer_days.value", 2.5),
    ("rules.7.enabled", False),
    ("routing.routes.0.fallback", []),
    ("intake.not_before", "2026-12-01 00:00:00"),
    ("intake.not_before", ...),
    ("intake", ...),
    ("sites", ...),
    ("decision", ...),
    ("routing.unknown_requester_route", "finance-director"),
    ("routing.routes.1.sla_hours", ...),
    ("intake.domain", ["&", ["state", "=", "sent"], ["amount_total", ">", 0]]),
    ("intake.domain", ["!", ["state", "in", ["draft", "cancel"]]]),
    ("intake.domain", [["state", "=", "sent"], ["partner_id.name", "ilike", "deco"]]),
    ("description", ...),
    ("$schema", ...),
    ("sites", {"company:1": {"parameters": {"margin_min_percent": 12}},
               "warehouse:2": {"parameters": {"margin_reject_below_percent": None},
                               "routes": {"sales-manager": {"approvers": ["demo"]}}}}),
    ("rules.2.when", {"all": [{"fact": "margin.percent", "op": "lt", "value": {"param": "margin_min_percent"}},
                              {"not": {"fact": "order.partner_id", "op": "in", "value": [1, 2]}}]}),
])
def test_valid_variations(path, value):
    data = mutate(path, value)
    if path == "rules.2.when":
        data["rules"][2].pop("tolerance")
    assert validate_policy(data) == []


@pytest.mark.parametrize("path, value, expected", [
    ("name", ..., "/name: is required"),
    ("flow", ..., "/flow: is required"),
    ("version", 2026, "/version: 2026 is not of type 'string'"),
    ("version", "2026 11", "/version: '2026 11' does not match"),
    ("rules.2.effect", "maybe", "/rules/2/effect: 'maybe' is not one of"),
    ("rules.2.id", ..., "/rules/2/id: is required"),
    ("rules.2.colour", "red", "/rules/2/colour: is not allowed (unknown property)"),
    ("rules.3.id", "margin_minimum", "/rules/3/id: duplicate rule id 'margin_minimum' (also /rules/2)"),
    ("rules.2.enabled", "yes", "/rules/2/enabled: 'yes' is not of type 'boolean'"),
    ("rules.2.route", "Sales Manager", "/rules/2/route: 'Sales Manager' does not match"),
    ("rules.2.route", "ceo", "/rules/2/route: unknown route 'ceo'"),
    ("rules.0.route", "sales-manager", ""),  # an approve rule may route: valid; checked below not to fail
    ("rules.1.route", "sales-manager", "/rules/1/route: a reject rule routes nobody"),
    ("rules.2.when.value.param", "margin_max", "/rules/2/when/value/param: unknown parameter 'margin_max'"),
    ("rules.2.when.fact", "margin..percent", "/rules/2/when"),
    ("rules.2.when.op", "about", "/rules/2/when"),
    ("rules.2.message", "Margin {observed|colour}", "/rules/2/message: unknown format 'colour'"),
    ("rules.2.message", "Margin {params.nope}", "/rules/2/message: unknown parameter 'nope'"),
    ("rules.2.message", "Margin {observed", "/rules/2/message: unclosed '{'"),
    ("rules.2.passed_code", "margin_below_threshold", "/rules/2/code: the codes of firing, passing and tolerance"),
    ("rules.7.when", {"fact": "stock.short_count", "op": "between", "value": [1]}, "/rules/7/when/value: 'between' needs"),
    ("rules.7.when", {"fact": "stock.short_count", "op": "exists", "value": 1}, "/rules/7/when/value: 'exists' takes no value"),
    ("rules.7.when", {"fact": "stock.short_count", "op": "gt"}, "/rules/7/when/value: 'gt' needs a value"),
    ("rules.7.tolerance", {"value": 1}, "/rules/7/tolerance: applies to a rule whose"),
    ("rules.11.route", ..., "/rules/11/route: is required"),
    ("parameters.margin_tolerance_points.value", -0.5,
     "/parameters/margin_tolerance_points/value: -0.5 is less than the minimum of 0"),
    ("parameters.margin_reject_below_percent.value", "0", "/parameters/margin_reject_below_percent/value: \"0\" is not of type"),
    ("parameters.margin_min_percent.overridable", "yes", "/parameters/margin_min_percent/overridable: 'yes' is not of type"),
    ("parameters.bad-name", {"value": 1}, "/parameters/bad-name: is not a valid name"),
    ("sites", {"company:1": {"parameters": {"margin_nope": 1}}}, "/sites/company:1/parameters/margin_nope: unknown parameter"),
    ("sites", {"company:1": {"parameters": {"margin_min_percent": "12"}}},
     "/sites/company:1/parameters/margin_min_percent: \"12\" is not of type 'number'"),
    ("sites", {"company:1": {"parameters": {"lead_time_buffer_days": -1}}},
     "/sites/company:1/parameters/lead_time_buffer_days: -1 is less than the minimum of 0"),
    ("sites", {"company:1": {"parameters": {"margin_min_percent": None}}},
     "/sites/company:1/parameters/margin_min_percent: parameter 'margin_min_percent' may not be null"),
    ("sites", {"shop:1": {}}, "/sites/shop:1: is not a valid name"),
    ("sites", {"warehouse:2": {"routes": {"finance-director": {"approvers": ["demo"]}}}},
     "/sites/warehouse:2/routes/finance-director: route 'finance-director' is not overridable by a site"),
    ("sites", {"warehouse:2": {"routes": {"ceo": {"approvers": ["demo"]}}}}, "/sites/warehouse:2/routes/ceo: unknown route"),
    ("routing.routes", [], "/routing/routes: [] should be non-empty"),
    ("routing.unknown_requester_route", ..., "/routing/unknown_requester_route: is required"),
    ("routing.unknown_requester_route", "ceo", "/routing/unknown_requester_route: unknown route 'ceo'"),
    ("intake.not_before", "next monday", "/intake/not_before: is not a date-time"),
    ("routing.routes.0.approvers", ["admin", "admin"],
     "/routing/routes/0/approvers: ['admin', 'admin'] has non-unique"),
    ("routing.routes.0.approvers", [""], "/routing/routes/0/approvers/0: '' should be non-empty"),
    ("routing.routes.1.sla_hours", 0, "/routing/routes/1/sla_hours: 0 is less than or equal to the minimum"),
    ("routing.default_sla_hours", ..., "/routing/default_sla_hours: is required"),
    ("intake.domain", [], "/intake/domain: [] should be non-empty"),
    ("intake.domain", [["state", "="]], "/intake/domain/0: ['state', '='] is not valid"),
    ("intake.domain", [["state", "equals", "sent"]], "/intake/domain/0/1: 'equals' is not one of"),
    ("intake.domain", ["or"], "/intake/domain/0: 'or' is not valid"),
    ("intake.domain", ["|", ["state", "=", "sent"]], "/intake/domain/0: operator '|' needs 2"),
    ("intake.domain", [["state", "=", "sent"], "!"], "/intake/domain/1: operator '!' needs 1"),
    ("routing.default_route", "nobody",
     "/routing/default_route: unknown route 'nobody' (defined: sales-manager, finance-director)"),
    ("routing.routes.1.role", "sales-manager", "/routing/routes/1/role: duplicate role 'sales-manager'"),
])
def test_invalid_policy_names_the_problem_at_its_pointer(path, value, expected):
    problems = validate_policy(mutate(path, value))
    if not expected:
        assert problems == []
        return
    assert any(p.startswith(expected) for p in problems), problems
    with pytest.raises(ConfigError) as caught:
        build_policy(mutate(path, value), "inline")
    assert any(p.startswith("inline: " + expected) for p in caught.value.problems)


def test_a_site_may_not_override_a_parameter_the_enterprise_keeps():
    data = mutate("parameters.margin_min_percent.overridable", False)
    data["sites"] = {"warehouse:3": {"parameters": {"margin_min_percent": 10}}}
    assert validate_policy(data) == [
        "/sites/warehouse:3/parameters/margin_min_percent: parameter 'margin_min_percent' is not overridable by a site"]


def test_root_that_is_not_an_object():
    assert validate_policy([]) == ["(root): [] is not of type 'object'"]


def test_every_problem_is_listed_at_once():
    data = mutate("name", ..., mutate("rules.2.effect", "maybe", mutate("rules.2.extra", 1)))
    problems = validate_policy(data)
    assert [p.split(":")[0] for p in problems] == ["/name", "/rules/2/effect", "/rules/2/extra"]


def test_unknown_keys_are_escaped_in_pointers():
    assert validate_policy(mutate("routing.a/b~c", 1)) == ["/routing/a~1b~0c: is not allowed (unknown property)"]


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
