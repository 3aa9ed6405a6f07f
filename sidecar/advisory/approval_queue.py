"""Advice on approvals waiting for a person: how urgent each is (a priority with each factor's points) from the
time left to its SLA, its document's value, the customer tier and what a return's message reads as. Computed
when approvals are listed; nothing that decides, re-routes or escalates an approval reads it.
"""
from __future__ import annotations

from sidecar.advisory import input_hash, piece
from sidecar.advisory.letters import NO_TIER, _dig, amount
from sidecar.advisory.local import LocalAdvisor


def case(approval: dict, facts: dict, decision: dict, now: float) -> dict:
    """The approval as a priority case: hours left to its SLA (while open), value, tier, the message's category."""
    found = {}
    if approval["decided_at"] is None and approval["due_at"] is not None:  # still waiting for someone
        found["hours_to_sla"] = round((approval["due_at"] - now) / 3600, 2)
    value = amount(facts, {})
    if value is not None:
        found["amount"] = value
    tier = _dig(facts, ("customer", "tier"))
    if isinstance(tier, str) and tier:
        found["customer_tier"] = tier
    classified = (piece(decision, "classify") or {}).get("result") or {}
    if classified.get("category"):
        found["category"] = classified["category"]
    return found


def advise_approvals(advisor: LocalAdvisor, approvals: list[tuple[dict, dict, dict]], now: float) -> dict[str, dict]:
    """Priority of each (approval, its decision's facts, the decision), by approval id, with what produced it
    and a hash of what it was given."""
    advice = {}
    for approval, facts, decision in approvals:
        scored = case(approval, facts, decision, now)
        ranked = advisor.run("priority", {"case": scored})
        advice[approval["id"]] = {
            "advisory_only": True, "backend": ranked.backend, "model_version": ranked.model_version,
            "input_sha256": input_hash("approval", scored), "segment": scored.get("customer_tier") or NO_TIER,
            "priority": ranked.result}
    return advice
