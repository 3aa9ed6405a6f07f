"""Evaluate a quotation's release facts against a policy: reasons, outcome, route, SLA."""
from __future__ import annotations

from datetime import datetime, timedelta

from sidecar.policy.checks import CHECKS, Finding, aware, iso_z
from sidecar.policy.loader import CHECK_ORDER, Policy
from sidecar.policy.routing import route_for, tiers_for


def _outcome(findings: list[Finding]) -> str:
    effects = {finding.reason["effect"] for finding in findings}
    return "reject" if "reject" in effects else "approve" if "approve" in effects else "release"


def _summary(outcome: str, findings: list[Finding], route: dict | None) -> str:
    failing = [f.brief for f in findings if f.reason["effect"] != "none"]
    if outcome == "reject":
        return "Rejected: " + "; ".join(failing)
    if outcome == "approve":
        tail = f"; no eligible approver on route {route['role']}" if route["unroutable"] else ""
        return "Approval needed: " + "; ".join(failing) + tail
    if not findings:
        return "Released: no checks enabled"
    tolerated = [f.brief for f in findings if f.reason["code"].endswith("_within_tolerance")]
    return "Released: all checks passed" + (f" ({'; '.join(tolerated)})" if tolerated else "")


def evaluate(facts: dict, policy: Policy, now: datetime) -> dict:
    """Decide release, approval or rejection of one quotation; `facts` must match its contract."""
    now = aware(now)
    findings = [CHECKS[name](facts, policy.checks[name], now)
                for name in CHECK_ORDER if policy.checks[name]["enabled"]]
    outcome = _outcome(findings)
    route = sla = tiers = None
    if outcome == "approve":
        route, hours = route_for(facts, policy, findings, now)
        sla = {"hours": hours, "due_at": iso_z(now + timedelta(hours=hours))}
        tiers = tiers_for(facts, policy, findings, now)
    return {
        "outcome": outcome,
        "reasons": [finding.reason for finding in findings],
        "route": route,
        "sla": sla,
        "tiers": tiers,
        "policy": {"name": policy.name, "version": policy.version},
        "summary": _summary(outcome, findings, route),
    }
