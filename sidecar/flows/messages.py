"""Text the flows leave in Odoo's chatter and activities."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    """The few words a flow's notes and activities use for what it governs (each `Flow` has one)."""

    title: str     # what is approved: "Release approved by ...", "Approve release of S00042"
    document: str  # the decided document in a sentence: "The quotation was not confirmed."
    approved: str  # what an approval does to the document


RELEASE = Wording(title="Release", document="quotation", approved="confirmed")  # the sales-order release flow's

OUTCOME_TITLES = {
    "release": "Release decision: released",
    "approve": "Release decision: approval needed",
    "reject": "Release decision: rejected",
}


def reason_lines(decision: dict) -> list[str]:
    """One line per policy check, failed ones first."""
    ordered = sorted(decision["reasons"], key=lambda r: r["passed"])
    return [f"- {'OK' if r['passed'] else 'NO'} {r['check']}: {r['message']}" for r in ordered]


def decision_message(decision: dict) -> str:
    """Chatter note explaining a release decision."""
    lines = [f"{OUTCOME_TITLES[decision['outcome']]} ({decision['summary']})"]
    route = decision.get("route")
    if decision["outcome"] == "approve" and route:
        if route.get("assignee"):
            due = (decision.get("sla") or {}).get("due_at", "no deadline")
            lines.append(f"Approver: {route['assignee']} ({route.get('role')}), due {due}")
        else:
            lines.append(f"No eligible approver for role {route.get('role')}: assign one in the policy")
    lines += reason_lines(decision)
    policy = decision["policy"]
    lines.append(f"Policy {policy['name']} version {policy['version']}")
    return "\n".join(lines)


def decision_note(title: str, decision: dict, details: list[str] = ()) -> str:
    """Chatter note of a governed decision in any flow but the release (whose layout is older): title and
    summary, each approval tier's assignee, every rule's result (failed first), the flow's details, policy."""
    lines = [f"{title} ({decision.get('summary', '')})"]
    if decision["outcome"] == "approve":
        route = decision.get("route")
        for tier in decision.get("tiers") or ([route] if route else []):
            who = tier.get("assignee") or "no eligible approver: assign one in the policy"
            lines.append(f"Approver ({tier.get('role')}): {who}")
    ordered = sorted(decision.get("reasons") or [], key=lambda r: r.get("passed", True))
    lines += [f"- {'OK' if r.get('passed') else 'NO'} {r.get('rule') or r.get('check')}: {r.get('message')}"
              for r in ordered]
    lines += list(details)
    policy = decision.get("policy") or {}
    lines.append(f"Policy {policy.get('name')} version {policy.get('version')}")
    return "\n".join(lines)


def approval_message(approved: bool, approver: str, comment: str | None, words: Wording) -> str:
    """Chatter note recording an approver's decision."""
    verb = "approved" if approved else "rejected"
    text = f"{words.title} {verb} by {approver}"
    return f"{text}: {comment}" if comment else text


def activity_note(summary: str, advice: str = "") -> str:
    """Activity note for the approver: why, the approver's summary labelled as advice (when there is one), and
    where to decide (never the link itself)."""
    return (f"{summary}\n" + (f"\n{advice}\n\n" if advice else "") +
            "Decide with the approve/reject link sent to you privately (an Odoo notification, by email or "
            "in your inbox, as you chose). "
            "Marking this activity done does not approve or reject; it closes by itself once you decide.")


def reroute_message(assignees: list[str], role: str | None, reason: str, by: str | None,
                    words: Wording) -> str:
    """Chatter note recording a re-routed approval."""
    return f"{words.title} approval re-routed to {', '.join(assignees)} ({role}) by {by or 'ops'}: {reason}"


def cancel_message(reason: str, by: str | None, words: Wording) -> str:
    """Chatter note recording a cancelled approval (the document is left as it is)."""
    return (f"{words.title} approval cancelled by {by or 'ops'}: {reason}. "
            f"The {words.document} was not {words.approved}.")


def notice_subject(order_name: str) -> str:
    """Subject of an approver's private notification."""
    return f"Your decision on {order_name}"


def notice_text(order_name: str, summary: str, advice: str = "") -> str:
    """The approver's private notification, before the links the worker adds when it delivers it."""
    return advised(f"{order_name} waits for your approval.\n{summary}".rstrip(), advice)


def advised(text: str, advice: str) -> str:
    """A private notification's text followed by the approver's summary labelled as advice (when there is one)."""
    return f"{text}\n\n{advice}" if advice else text


def activity_summary(order_name: str, words: Wording) -> str:
    """Activity title for the approver."""
    return f"Approve {words.title.lower()} of {order_name}"
