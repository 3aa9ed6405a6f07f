"""Load policy files: validate (schema, references, sites), hash and compile them once."""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sidecar.errors import ConfigError
from sidecar.policy.compiler import CompiledPolicy
from sidecar.policy.lint import SCHEMA_PATH, lint
from sidecar.values import utc_moment

DEFAULT_POLICY_PATH = Path(__file__).parent / "policies" / "sales-order-release.json"
DEMO_POLICY_PATH = Path(__file__).parent / "policies" / "sales-order-release.demo.json"

__all__ = ["DEFAULT_POLICY_PATH", "DEMO_POLICY_PATH", "SCHEMA_PATH", "Policy", "build_policy", "content_hash",
           "load_policy", "parse_moment", "read_policy_file", "unconfigured_routes", "validate_policy"]


def content_hash(data: Any) -> str:
    """sha256 of the canonical JSON of a policy (sorted keys, no spaces, UTF-8): same content, same hash."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Policy:
    """A validated policy; `data` is the file's content, never mutated; `compiled` is built once."""

    name: str
    version: str
    data: dict[str, Any]
    hash: str = ""
    compiled: CompiledPolicy | None = field(default=None, compare=False, repr=False)

    @property
    def flow(self) -> str:
        """The flow this policy governs."""
        return self.data["flow"]

    @property
    def parameters(self) -> dict[str, dict]:
        """Declared parameters with their enterprise values."""
        return self.data["parameters"]

    @property
    def rules(self) -> list[dict]:
        """The rules, in file order."""
        return self.data["rules"]

    @property
    def routes(self) -> dict[str, dict]:
        """Approver routes keyed by role."""
        return {route["role"]: route for route in self.data["routing"]["routes"]}

    @property
    def default_route(self) -> str:
        """Role used when no fired rule names one."""
        return self.data["routing"]["default_route"]

    @property
    def default_sla_hours(self) -> float:
        """SLA of routes that do not set their own."""
        return self.data["routing"]["default_sla_hours"]

    @property
    def unknown_requester_route(self) -> str:
        """Role that approves when Odoo cannot name the requester."""
        return self.data["routing"]["unknown_requester_route"]

    @property
    def intake_domain(self) -> list | None:
        """Odoo domain of documents submitted to the flow."""
        return (self.data.get("intake") or {}).get("domain")

    @property
    def submitted_domain(self) -> list | None:
        """The release flow's name for the intake domain."""
        return self.intake_domain

    @property
    def not_before(self) -> datetime | None:
        """Go-live moment (UTC) before which reconciliation never looks; None when unset."""
        return parse_moment((self.data.get("intake") or {}).get("not_before"))

    @property
    def identity(self) -> dict:
        """Name, version and content hash, as audits record them."""
        return {"name": self.name, "version": self.version, "hash": self.hash}

    def site_routes(self, layers: tuple[str, ...] | list[str]) -> dict[str, dict]:
        """Routes with the approvers the site layers set for overridable routes (warehouse beats company)."""
        routes = {role: dict(route) for role, route in self.routes.items()}
        for layer in layers:
            for role, override in ((self.data.get("sites") or {}).get(layer, {}).get("routes") or {}).items():
                if routes.get(role, {}).get("overridable"):
                    routes[role].update(override)
        return routes


def parse_moment(text: str | None) -> datetime | None:
    """A UTC moment from 'YYYY-MM-DD HH:MM:SS' (Odoo's form) or ISO 8601; ValueError when malformed."""
    if not text:
        return None
    return utc_moment(text)


def validate_policy(data: Any) -> list[str]:
    """Every problem of a policy document, each as `<JSON pointer>: <message>`; empty when valid."""
    return lint(data)


def unconfigured_routes(data: dict) -> list[str]:
    """A problem per route that names no approver: the sidecar must not start with one."""
    return [f"/routing/routes/{i}/approvers: route '{route['role']}' has no approver; list the Odoo logins "
            "allowed to approve it (the shipped policy names none on purpose)"
            for i, route in enumerate(data["routing"]["routes"]) if not route["approvers"] and not route.get("groups")]


def build_policy(data: Any, source: str = "policy", require_approvers: bool = True) -> Policy:
    """Validate a policy document, compile it and wrap it; raise ConfigError listing every problem.

    `require_approvers=False` accepts a template whose routes name nobody yet (never at start).
    """
    problems = validate_policy(data)
    if not problems and require_approvers:
        problems = unconfigured_routes(data)
    if problems:
        raise ConfigError([f"{source}: {problem}" for problem in problems])
    data = copy.deepcopy(data)
    try:
        compiled = CompiledPolicy(data)
    except (KeyError, ValueError, TypeError) as err:  # lint should have said; never start half-compiled
        raise ConfigError([f"{source}: does not compile: {err}"]) from err
    return Policy(name=data["name"], version=data["version"], data=data, hash=content_hash(data),
                  compiled=compiled)


def read_policy_file(path: str | Path) -> Any:
    """The JSON content of a policy file; ConfigError when unreadable or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError([f"{path}: cannot read policy file ({err.strerror or err})"]) from err
    except ValueError as err:
        raise ConfigError([f"{path}: not valid JSON ({err})"]) from err


def load_policy(path: str | Path = DEFAULT_POLICY_PATH, require_approvers: bool = True) -> Policy:
    """Read, validate, compile and wrap a policy file; raise ConfigError listing every problem."""
    return build_policy(read_policy_file(path), str(path), require_approvers)
