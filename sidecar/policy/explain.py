"""Explain a decision: every rule's result (fired or not, why), and which layer set each parameter."""
from __future__ import annotations

import json
from datetime import datetime

from sidecar.policy.engine import evaluate
from sidecar.policy.loader import Policy


def explain(policy: Policy, facts: dict, now: datetime) -> dict:
    """The decision plus every enabled rule's own result (grouped rules included) and the parameters."""
    site = policy.compiled.for_facts(facts)
    decision = evaluate(facts, policy, now)
    decisive = {reason["rule"] for reason in decision["reasons"]}
    rules = []
    for rule in site.rules:
        result = dict(rule.run(facts))
        result["fired"] = result["passed"] is False or result["code"] != rule.passed_code
        result["declared_effect"] = rule.effect
        result["in_decision"] = rule.id in decisive  # a check's reason is its first rule that fires
        rules.append(result)
    declared = policy.parameters
    return {
        "policy": decision["policy"],
        "site": facts.get("site"),
        "decision": decision,
        "rules": rules,
        "parameters": {name: {"value": value, "layer": layer,
                              "overridable": bool(declared[name].get("overridable"))}
                       for name, (value, layer) in site.parameters.items()},
    }


def _value(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_text(explained: dict) -> str:
    """The explanation as people read it in a terminal."""
    policy, decision = explained["policy"], explained["decision"]
    lines = [f"Policy {policy['name']} {policy['version']} (sha256 {policy['hash'][:12]}), "
             f"layers: {', '.join(policy['layers'])}",
             f"Outcome: {decision['outcome']} - {decision['summary']}"]
    route = decision.get("route")
    if route:
        sla = decision.get("sla") or {}
        lines.append(f"Route: {route['role']} (assignee {route.get('assignee') or 'none'}), "
                     f"SLA {sla.get('hours')} h, due {sla.get('due_at')}")
        if route.get("reason"):
            lines.append(f"  {route['reason']}")
    lines.append("Rules (in policy order):")
    for rule in explained["rules"]:
        mark = ("FIRED" if rule["in_decision"] else "fired") if rule["fired"] else "     "
        check = f" [{rule['check']}]" if rule.get("check") else ""
        effect = rule["declared_effect"] + (f" -> {rule['route']}" if rule.get("route") else "")
        lines.append(f"  {mark} {rule['rule']}{check} {effect}: {rule['code']}")
        lines.append(f"        {rule['message']}")
        lines.append(f"        observed {_value(rule['observed'])}, threshold {_value(rule['threshold'])}")
        for name, param in rule["parameters"].items():
            lines.append(f"        {name} = {_value(param['value'])} (set by {param['layer']})")
    lines.append("Parameters:")
    for name, param in explained["parameters"].items():
        kept = "" if param["overridable"] else ", not overridable"
        lines.append(f"  {name} = {_value(param['value'])} (set by {param['layer']}{kept})")
    return "\n".join(lines)
