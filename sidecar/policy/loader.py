"""Load release policy files and validate them against their schema and each other."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from sidecar.errors import ConfigError
from sidecar.values import json_pointer, utc_moment

SCHEMA_PATH = Path(__file__).with_name("release-policy.schema.json")
DEFAULT_POLICY_PATH = Path(__file__).parent / "policies" / "sales-order-release.json"
DEMO_POLICY_PATH = Path(__file__).parent / "policies" / "sales-order-release.demo.json"
CHECK_ORDER = ("margin", "credit", "stock", "lead_time")


@dataclass(frozen=True)
class Policy:
    """A validated release policy; `data` is the file's content, never mutated."""

    name: str
    version: str
    data: dict[str, Any]

    @property
    def checks(self) -> dict[str, dict]:
        """Settings of each check, keyed by check name."""
        return self.data["checks"]

    @property
    def routes(self) -> dict[str, dict]:
        """Approver routes keyed by role."""
        return {route["role"]: route for route in self.data["routing"]["routes"]}

    @property
    def default_route(self) -> str:
        """Role used when neither a check nor an amount band names one."""
        return self.data["routing"]["default_route"]

    @property
    def default_sla_hours(self) -> float:
        """SLA of routes that do not set their own."""
        return self.data["routing"]["default_sla_hours"]

    @property
    def amount_bands(self) -> list[dict]:
        """Amount bands, highest `min_untaxed` first."""
        bands = self.data["routing"].get("amount_bands", [])
        return sorted(bands, key=lambda band: band["min_untaxed"], reverse=True)

    @property
    def unknown_requester_route(self) -> str:
        """Role that approves when Odoo cannot name the requester."""
        return self.data["routing"]["unknown_requester_route"]

    @property
    def submitted_domain(self) -> list:
        """Odoo domain of quotations submitted for release."""
        return self.data["intake"]["submitted_domain"]

    @property
    def not_before(self) -> datetime | None:
        """Go-live moment (UTC) before which reconciliation never looks; None when unset."""
        return parse_moment(self.data["intake"].get("not_before"))


def parse_moment(text: str | None) -> datetime | None:
    """A UTC moment from 'YYYY-MM-DD HH:MM:SS' (Odoo's form) or ISO 8601; ValueError when malformed."""
    if not text:
        return None
    return utc_moment(text)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _schema_problems(error: ValidationError) -> list[str]:
    here = json_pointer(error.absolute_path)
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


def _reference_problems(data: dict) -> list[str]:
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

    need(routing["default_route"], "/routing/default_route")
    need(routing.get("admin_route"), "/routing/admin_route")
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
    need(routing["unknown_requester_route"], "/routing/unknown_requester_route")
    for name in CHECK_ORDER:
        need(data["checks"][name].get("route"), f"/checks/{name}/route")
    seen: set[float] = set()
    for i, band in enumerate(routing.get("amount_bands", [])):
        need(band["route"], f"/routing/amount_bands/{i}/route")
        if band["min_untaxed"] in seen:
            problems.append(f"/routing/amount_bands/{i}/min_untaxed: duplicate band {band['min_untaxed']}")
        seen.add(band["min_untaxed"])
    margin = data["checks"]["margin"]
    floor = margin.get("reject_below_percent")
    if floor is not None and floor > margin["min_percent"]:
        problems.append(f"/checks/margin/reject_below_percent: {floor} is above min_percent {margin['min_percent']}")
    return problems


def validate_policy(data: Any) -> list[str]:
    """Every problem of a policy document, each as `<JSON pointer>: <message>`; empty when valid."""
    problems = [p for e in _validator().iter_errors(data) for p in _schema_problems(e)]
    if problems:
        return sorted(set(problems))
    problems = _domain_problems(data["intake"]["submitted_domain"], "/intake/submitted_domain")
    try:
        parse_moment(data["intake"].get("not_before"))
    except ValueError:
        problems.append("/intake/not_before: is not a date-time ('YYYY-MM-DD HH:MM:SS' UTC or ISO 8601)")
    return sorted(problems + _reference_problems(data))


def unconfigured_routes(data: dict) -> list[str]:
    """A problem per route that names no approver: the sidecar must not start with one."""
    return [f"/routing/routes/{i}/approvers: route '{route['role']}' has no approver; list the Odoo logins "
            "allowed to approve it (the shipped policy names none on purpose)"
            for i, route in enumerate(data["routing"]["routes"]) if not route["approvers"] and not route.get("groups")]


def build_policy(data: Any, source: str = "policy", require_approvers: bool = True) -> Policy:
    """Validate a policy document and wrap it; raise ConfigError listing every problem.

    `require_approvers=False` accepts a template whose routes name nobody yet (never at start).
    """
    problems = validate_policy(data)
    if not problems and require_approvers:
        problems = unconfigured_routes(data)
    if problems:
        raise ConfigError([f"{source}: {problem}" for problem in problems])
    return Policy(name=data["name"], version=data["version"], data=copy.deepcopy(data))


def load_policy(path: str | Path = DEFAULT_POLICY_PATH, require_approvers: bool = True) -> Policy:
    """Read, validate and wrap a policy file; raise ConfigError listing every problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError([f"{path}: cannot read policy file ({err.strerror or err})"]) from err
    except ValueError as err:
        raise ConfigError([f"{path}: not valid JSON ({err})"]) from err
    return build_policy(data, str(path), require_approvers)
