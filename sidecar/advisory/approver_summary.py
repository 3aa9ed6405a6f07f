"""The approver's summary: what a decision asking for approval saw, summarised once, at decision time.

It goes beside the decision (`decision["advice"]`, see `attach`) and into the approver's Odoo activity
note, labelled as advice. It reads the decision and never changes it; a failing advisor leaves the
decision without it.
"""
from __future__ import annotations

import logging

from sidecar.advisory import advise, advisor_for, attach, piece

logger = logging.getLogger(__name__)
APPROVE = "approve"  # the outcome that asks a person, in every flow


def _label(text: str | None) -> str:
    return (text or "").replace("_", " ")


def _classified(decision: dict) -> list[str]:
    """What the flow's classify advice made of the customer's words, as a line for the approver."""
    found = (piece(decision, "classify") or {}).get("result")
    if not found:
        return []
    if found.get("needs_person"):
        return ["The customer's message is unclear to the classifier: read it"]
    return [f"The customer's message reads as {_label(found['category'])} ({found['confidence']:.0%})"]


def context(flow, facts: dict, decision: dict) -> dict:
    """The exception as the decision saw it: document, partner, amount, failed and passed checks, requester,
    approvers and SLA (only values already in the facts and the decision, so one input gives one summary)."""
    document = flow.document(facts)
    kind = flow.words.document
    party = document.get("partner_name") or next(
        (facts[key]["name"] for key in ("customer", "vendor") if isinstance(facts.get(key), dict)
         and facts[key].get("name")), None)
    reasons = decision.get("reasons") or []
    route, sla = decision.get("route") or {}, decision.get("sla") or {}
    found = {
        "document": f"{kind[:1].upper()}{kind[1:]} {document.get('name')}",
        "partner": party,
        "amount": document.get("amount_total"),
        "currency": document.get("currency"),
        "items": len(facts["lines"]) if isinstance(facts.get("lines"), list) else None,
        "reasons": [{"rule": r.get("rule") or r.get("check"), "message": r.get("message")}
                    for r in reasons if not r.get("passed")],
        "passed": list(dict.fromkeys(_label(r.get("check") or r.get("rule")) for r in reasons if r.get("passed"))),
        "notes": _classified(decision),
        "requested_by": (facts.get("requested_by") or {}).get("login"),
        "approvers": [{"role": t.get("role"), "assignee": t.get("assignee")}
                      for t in decision.get("tiers") or ([route] if route else [])],
        "due_at": sla.get("due_at"),
        "sla_hours": sla.get("hours"),
    }
    return {key: value for key, value in found.items() if value not in (None, [], "")}


def summarised(services, flow, facts: dict, decision: dict) -> dict:
    """The decision with the approver's summary attached when it asks for approval; unchanged otherwise, or when
    the advice fails (advice must never hold up a decision)."""
    if decision.get("outcome") != APPROVE:
        return decision
    try:
        advice = advise(advisor_for(services.settings.advisory), "summary", {"context": context(flow, facts, decision)})
    except Exception:  # noqa: BLE001 - any failure of advice leaves the decision as the rules made it
        logger.exception("the approver's summary on %s failed; the approval is asked without it", flow.name)
        return decision
    return attach(decision, advice)


def note(decision: dict | None, later: bool = False) -> str:
    """The activity note's advice paragraph: the summary, labelled as advice and by what produced it ("" when the
    decision has none). `later`: the note of a re-routed or escalated approval, which reuses the first summary."""
    advice = piece(decision, "summary")
    if not advice:
        return ""
    when = "; given with the decision" if later else ""
    return (f"Advice ({advice['backend']}, {advice['model_version']}, not a decision{when}):\n"
            f"{advice['result']['summary']}")
