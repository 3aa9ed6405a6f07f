"""Read-only policy tools over a flow: re-decide recent Odoo documents with a candidate policy, explain an event.

Nothing here writes: not to Odoo (reads only, through the flow's own reader) and not to the store
(the services it is given need no database).
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timezone

from sidecar.errors import DependencyDown, PolicyInvalid, SidecarError
from sidecar.flows import pipeline, registry
from sidecar.flows.registry import Flow
from sidecar.odoo.errors import OdooError
from sidecar.odoo.writeback import STATELESS
from sidecar.values import ODOO_DATETIME

logger = logging.getLogger(__name__)
DEFAULT_LIMIT = 200


def _odoo_moment(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(ODOO_DATETIME)


def candidates_domain(flow: Flow, policy, since: datetime, submitted_only: bool) -> list:
    """Documents changed since `since` in a decidable state (or, `submitted_only`, matching the intake domain)."""
    scope = pipeline.intake_domain(policy) if submitted_only else (list(flow.decidable_domain) if flow.decidable_domain is not None
                                                                    else [("state", "in", list(flow.decidable_states))])
    return [*scope, ("write_date", ">=", _odoo_moment(since))]


def find_documents(services, flow: Flow, domain: list, limit: int) -> list[dict]:
    """Ids and names of the flow's documents matching `domain`, most recently changed first."""
    name = "display_name" if flow.model in STATELESS else "name"  # a quant has no `name`
    rows = services.odoo.search_documents(flow.model, domain, [name, "write_date"], limit=limit)
    return [{"id": row["id"], "name": row[name], "write_date": row["write_date"]} for row in rows]


def _rule_key(reason: dict) -> str:
    return reason.get("rule") or reason.get("check") or reason.get("code")


def _result(reason: dict | None) -> dict | None:
    if reason is None:
        return None
    return {key: reason.get(key) for key in ("passed", "effect", "code", "message")}


def rule_differences(before: dict, after: dict) -> list[dict]:
    """The rules whose result (passed, code) differs between two decisions on the same facts."""
    old = {_rule_key(r): r for r in before["reasons"]}
    new = {_rule_key(r): r for r in after["reasons"]}
    differences = []
    for rule in list(old) + [key for key in new if key not in old]:
        was, now = _result(old.get(rule)), _result(new.get(rule))
        if (was or {}).get("passed") != (now or {}).get("passed") or (was or {}).get("code") != (now or {}).get("code"):
            differences.append({"rule": rule, "in_force": was, "candidate": now})
    return differences


def simulate(services, flow: Flow, candidate, since: datetime, limit: int = DEFAULT_LIMIT,
             submitted_only: bool = False) -> dict:
    """Decide the flow's recent documents with the policy in force and with `candidate`; what would change."""
    if flow.reads_request:  # its documents in Odoo do not hold what was asked: `policy explain` an event instead
        raise PolicyInvalid(f"flow {flow.name} decides requests that carry what is asked; explain one event "
                            "(policy explain event.json) instead of simulating Odoo's documents", code="not_simulable")
    in_force = registry.policy_for(services, flow)
    try:
        documents = find_documents(services, flow, candidates_domain(flow, in_force, since, submitted_only), limit)
    except OdooError as err:
        raise DependencyDown(f"Odoo could not be searched: {err.message}", code=err.category) from err
    now = datetime.now(timezone.utc)
    before, after, changed, failed = Counter(), Counter(), [], []
    moved: dict[str, Counter] = {}
    for document in documents:
        try:
            facts = flow.read_facts(services, document["id"])
            old = pipeline.evaluate(facts, in_force, now)
            new = pipeline.evaluate(facts, candidate, now)
        except (OdooError, SidecarError) as err:
            failed.append({"document_id": document["id"], "document": document["name"],
                           "error": getattr(err, "message", str(err))})
            continue
        before[old["outcome"]] += 1
        after[new["outcome"]] += 1
        if old["outcome"] != new["outcome"] or rule_differences(old, new):
            moved.setdefault(old["outcome"], Counter())[new["outcome"]] += 1
            changed.append({"document_id": document["id"], "document": document["name"],
                            "in_force": old["outcome"], "candidate": new["outcome"],
                            "rules": rule_differences(old, new)})
    outcomes = sorted(set(before) | set(after))
    return {
        "flow": flow.name, "model": flow.model, "since": _odoo_moment(since),
        "policies": {"in_force": _policy_ref(in_force), "candidate": _policy_ref(candidate)},
        "checked": len(documents) - len(failed),
        "by_outcome": {outcome: {"in_force": before[outcome], "candidate": after[outcome],
                                 "would_change": sum(moved.get(outcome, Counter()).values()),
                                 "to": dict(moved.get(outcome, Counter()))} for outcome in outcomes},
        "changed": changed, "failed": failed,
    }


def _policy_ref(policy) -> dict:
    return {"name": policy.name, "version": policy.version}


def render_simulation(report: dict) -> str:
    """The simulation for a person: counts per outcome, then each change with the rules behind it."""
    lines = [f"{report['flow']}: {report['checked']} {report['model']} documents changed since {report['since']}",
             f"in force {report['policies']['in_force']['version']} -> candidate "
             f"{report['policies']['candidate']['version']}"]
    for outcome, row in report["by_outcome"].items():
        moves = ", ".join(f"{count} to {target}" for target, count in sorted(row["to"].items()))
        lines.append(f"  {outcome}: {row['in_force']} now, {row['candidate']} with the candidate; "
                     f"{row['would_change']} would change" + (f" ({moves})" if moves else ""))
    for change in report["changed"]:
        lines.append(f"- {change['document']} (id {change['document_id']}): {change['in_force']} -> "
                     f"{change['candidate']}")
        for rule in change["rules"]:
            was, now = rule["in_force"] or {}, rule["candidate"] or {}
            lines.append(f"    {rule['rule']}: {was.get('message', 'absent')} -> {now.get('message', 'absent')}")
    for failure in report["failed"]:
        lines.append(f"! {failure['document']} (id {failure['document_id']}) not read: {failure['error']}")
    return "\n".join(lines)


def facts_for_event(services, envelope: dict) -> tuple[Flow, dict]:
    """The event's flow and the facts it would decide on, read from Odoo (nothing recorded, nothing waited for)."""
    flow = registry.validate_event(envelope)
    request = flow.request(envelope["data"])
    return flow, pipeline.read_for_preview(services, flow, request["id"], request)
