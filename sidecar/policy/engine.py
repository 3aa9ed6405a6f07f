"""Decide one document from its facts with a compiled policy: outcome, reasons, route, SLA, summary."""
from __future__ import annotations

from datetime import datetime, timedelta

from sidecar.policy.compiler import CompiledPolicy, CompiledSite
from sidecar.policy.formats import aware, iso_z
from sidecar.policy.loader import Policy
from sidecar.policy.routing import as_route, tiers_for


def _compiled(policy: Policy) -> CompiledPolicy:
    return policy.compiled if policy.compiled is not None else CompiledPolicy(policy.data)


def _summary(compiled: CompiledPolicy, site: CompiledSite, facts: dict, outcome: str, reasons: list[dict],
             failing: list[dict], route: dict | None) -> str:
    label = compiled.labels.get(outcome, outcome)
    if outcome != compiled.pass_outcome:
        phrases = "; ".join(site.by_id[r["rule"]].brief(facts, r) for r in failing)
        tail = f"; no eligible approver on route {route['role']}" if route and route.get("unroutable") else ""
        return f"{label}: {phrases}{tail}"
    if not reasons:
        return f"{label}: {compiled.nothing_checked}"
    tolerated = [site.by_id[r["rule"]].brief(facts, r) for r in reasons if r["code"] in site.tolerated_codes]
    return f"{label}: {compiled.all_passed}" + (f" ({'; '.join(tolerated)})" if tolerated else "")


def fired_route_rules(site: CompiledSite, facts: dict) -> list[dict]:
    """Results of the route rules that fire (they only choose who approves)."""
    return [result for result in (rule.run(facts) for rule in site.route_rules) if result["effect"] == "route"]


def evaluate(facts: dict, policy: Policy, now: datetime) -> dict:
    """Decide one document; `facts` must match the flow's facts contract (derived facts included)."""
    compiled = _compiled(policy)
    site = compiled.for_facts(facts)
    reasons, failing = site.run(facts)  # one generated function per site: 200 rules add up
    effects = {r["effect"] for r in failing}
    outcome = "reject" if "reject" in effects else "approve" if "approve" in effects else compiled.pass_outcome
    route = sla = tiers = None
    if outcome == "approve":
        now = aware(now)
        findings = [r for r in failing if r["effect"] == "approve"] + fired_route_rules(site, facts)
        tiers = tiers_for(facts, policy, findings, now)
        route = as_route(tiers[0], (facts.get("order") or {}).get("salesperson_login"))
        hours = tiers[0]["sla_hours"]
        sla = {"hours": hours, "due_at": iso_z(now + timedelta(hours=hours))}
    return {
        "outcome": outcome,
        "reasons": reasons,
        "route": route,
        "sla": sla,
        "tiers": tiers,
        "policy": {"name": policy.name, "version": policy.version, "hash": policy.hash,
                   "layers": list(site.layer_list)},
        "summary": _summary(compiled, site, facts, outcome, reasons, failing, route),
    }
