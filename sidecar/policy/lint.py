"""Every problem of a policy document, each as `<JSON pointer>: <message>` (schema, references, sites)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from sidecar.policy import templates
from sidecar.policy.conditions import NO_VALUE_OPS, NUMERIC_OPS, walk
from sidecar.values import json_pointer, utc_moment

SCHEMA_PATH = Path(__file__).with_name("policy.schema.json")
TEMPLATE_KEYS = ("message", "passed_message", "tolerated_message", "summary", "tolerated_summary")
JSON_TYPES = {"number": (int, float), "integer": (int,), "string": (str,), "boolean": (bool,),
              "array": (list,), "object": (dict,)}


@lru_cache(maxsize=1)
def schema() -> dict:
    """The published policy schema."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def _schema_problems(error: ValidationError) -> list[str]:
    here = json_pointer(error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context and \
            any(len(e.absolute_path) > len(error.absolute_path) for e in error.context):
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        return _schema_problems(deepest)  # the branch that got furthest says what is wrong
    if "propertyNames" in error.relative_schema_path or "propertyNames" in error.schema_path:
        return [f"{json_pointer([*error.absolute_path, error.instance])}: is not a valid name ({error.message})"]
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return [f"{here}/{key}: is required" for key in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return [f"{json_pointer([*error.absolute_path, key])}: is not allowed (unknown property)"
                for key in error.instance if key not in known]
    return [f"{here or '(root)'}: {error.message}"]


def _domain_problems(domain: list, where: str) -> list[str]:
    """Check prefix-notation arity of an Odoo domain (consecutive terms are implicitly and-ed)."""
    operands = 0
    for index in range(len(domain) - 1, -1, -1):
        item = domain[index]
        needed = {"!": 1, "&": 2, "|": 2}.get(item, 0) if isinstance(item, str) else 0
        if operands < needed:
            return [f"{where}/{index}: operator '{item}' needs {needed} operand(s)"]
        operands = operands - needed + 1
    return []


def _is_type(value: Any, kind: str) -> bool:
    if kind in ("number", "integer") and isinstance(value, bool):
        return False
    return isinstance(value, JSON_TYPES[kind])


def _type_of(spec: dict) -> str | None:
    if "type" in spec:
        return spec["type"]
    value = spec["value"]
    for kind in ("boolean", "number", "string", "array", "object"):
        if value is not None and _is_type(value, kind):
            return kind
    return None


def _bound_problems(spec: dict, value: Any, here: str) -> list[str]:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return []
    if "minimum" in spec and value < spec["minimum"]:
        return [f"{here}: {value} is less than the minimum of {spec['minimum']}"]
    if "maximum" in spec and value > spec["maximum"]:
        return [f"{here}: {value} is greater than the maximum of {spec['maximum']}"]
    return []


def _parameter_problems(data: dict) -> list[str]:
    problems = []
    for name, spec in data["parameters"].items():
        kind = spec.get("type")
        here = json_pointer(["parameters", name, "value"])
        if kind and spec["value"] is not None and not _is_type(spec["value"], kind):
            problems.append(f"{here}: {json.dumps(spec['value'])} is not of type '{kind}'")
        problems += _bound_problems(spec, spec["value"], here)
    return problems


def _condition_problems(condition: Any, where: str, params: dict) -> list[str]:
    problems = []
    for pointer, node in walk(condition, where):
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("param"), str) and node["param"] not in params:
            problems.append(f"{pointer}/param: unknown parameter '{node['param']}'")
        op = node.get("op")
        if not isinstance(op, str):
            continue
        value = node.get("value")
        if op in NO_VALUE_OPS and "value" in node:
            problems.append(f"{pointer}/value: '{op}' takes no value")
        elif op not in NO_VALUE_OPS and "value" not in node:
            problems.append(f"{pointer}/value: '{op}' needs a value")
        elif op == "between" and not (isinstance(value, list) and len(value) == 2) and \
                not (isinstance(value, dict) and "param" in value):
            problems.append(f"{pointer}/value: 'between' needs [low, high]")
        elif op in ("in", "not_in") and not isinstance(value, list) and \
                not (isinstance(value, dict) and "param" in value):
            problems.append(f"{pointer}/value: '{op}' needs a list (or a parameter holding one)")
    return problems


def _rule_problems(data: dict, roles: list[str]) -> list[str]:
    problems: list[str] = []
    params = data["parameters"]
    seen_ids: dict[str, int] = {}
    for index, rule in enumerate(data["rules"]):
        here = f"/rules/{index}"
        if rule["id"] in seen_ids:
            problems.append(f"{here}/id: duplicate rule id '{rule['id']}' (also /rules/{seen_ids[rule['id']]})")
        seen_ids.setdefault(rule["id"], index)
        for key in ("when", "observed", "threshold", "tolerance"):
            if key in rule:
                problems += _condition_problems(rule[key], f"{here}/{key}", params)
        if rule.get("route") is not None and rule["route"] not in roles:
            problems.append(f"{here}/route: unknown route '{rule['route']}' (defined: {', '.join(roles)})")
        if rule.get("route") and rule["effect"] in ("pass", "reject"):
            problems.append(f"{here}/route: a {rule['effect']} rule routes nobody; only approve and route rules do")
        if "tolerance" in rule and rule["when"].get("op") not in NUMERIC_OPS:
            problems.append(f"{here}/tolerance: applies to a rule whose `when` is one comparison "
                            f"({', '.join(NUMERIC_OPS)})")
        codes = [rule.get("code", rule["id"]), rule.get("passed_code", f"{rule['id']}_ok")]
        if "tolerance" in rule:
            codes.append(rule.get("tolerated_code", f"{rule['id']}_within_tolerance"))
        if len(set(codes)) < len(codes):
            problems.append(f"{here}/code: the codes of firing, passing and tolerance must differ")
        for key in TEMPLATE_KEYS:
            if key in rule:
                problems += [f"{here}/{key}: {problem}" for problem in templates.problems(rule[key], params)]
    return problems


def _routing_problems(data: dict) -> tuple[list[str], list[str]]:
    routing = data["routing"]
    roles: list[str] = []
    problems = []
    for i, route in enumerate(routing["routes"]):
        if route["role"] in roles:
            problems.append(f"/routing/routes/{i}/role: duplicate role '{route['role']}'")
        roles.append(route["role"])
    known = ", ".join(roles)

    def need(role: str | None, where: str) -> None:
        if role is not None and role not in roles:
            problems.append(f"{where}: unknown route '{role}' (defined: {known})")

    for key in ("default_route", "unknown_requester_route", "admin_route"):
        need(routing.get(key), f"/routing/{key}")
    for i, route in enumerate(routing["routes"]):
        need(route.get("escalate_to"), f"/routing/routes/{i}/escalate_to")
    for i, role in enumerate(routing.get("tier_order", [])):
        need(role, f"/routing/tier_order/{i}")
    for i, group in enumerate(routing.get("conflicting_roles", [])):
        for j, role in enumerate(group):
            need(role, f"/routing/conflicting_roles/{i}/{j}")
    for i, delegation in enumerate(routing.get("delegations", [])):
        for j, role in enumerate(delegation.get("roles", [])):
            need(role, f"/routing/delegations/{i}/roles/{j}")
        if delegation["to_date"] < delegation["from_date"]:
            problems.append(f"/routing/delegations/{i}/to_date: before from_date {delegation['from_date']}")
        if delegation["to"].casefold() == delegation["from"].casefold():
            problems.append(f"/routing/delegations/{i}/to: a delegation to oneself")
    return problems, roles


def _site_problems(data: dict) -> list[str]:
    problems = []
    params = data["parameters"]
    routes = {route["role"]: route for route in data["routing"]["routes"]}
    for site, override in (data.get("sites") or {}).items():
        for name, value in (override.get("parameters") or {}).items():
            here = json_pointer(["sites", site, "parameters", name])
            if name not in params:
                problems.append(f"{here}: unknown parameter '{name}'")
            elif not params[name].get("overridable"):
                problems.append(f"{here}: parameter '{name}' is not overridable by a site")
            elif value is None:
                if not params[name].get("nullable", params[name]["value"] is None):
                    problems.append(f"{here}: parameter '{name}' may not be null")
            elif _type_of(params[name]) and not _is_type(value, _type_of(params[name])):
                problems.append(f"{here}: {json.dumps(value)} is not of type '{_type_of(params[name])}'")
            else:
                problems += _bound_problems(params[name], value, here)
        for role in (override.get("routes") or {}):
            here = json_pointer(["sites", site, "routes", role])
            if role not in routes:
                problems.append(f"{here}: unknown route '{role}'")
            elif not routes[role].get("overridable"):
                problems.append(f"{here}: route '{role}' is not overridable by a site")
    return problems


def lint(data: Any) -> list[str]:
    """Every problem of a policy document; empty when it is valid."""
    problems = [p for e in _validator().iter_errors(data) for p in _schema_problems(e)]
    if problems:
        return sorted(set(problems))
    intake = data.get("intake") or {}
    if "domain" in intake:
        problems += _domain_problems(intake["domain"], "/intake/domain")
    try:
        if intake.get("not_before"):
            utc_moment(intake["not_before"])
    except ValueError:
        problems.append("/intake/not_before: is not a date-time ('YYYY-MM-DD HH:MM:SS' UTC or ISO 8601)")
    routing_problems, roles = _routing_problems(data)
    problems += routing_problems + _parameter_problems(data) + _rule_problems(data, roles) + _site_problems(data)
    return sorted(problems)
