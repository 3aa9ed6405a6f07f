"""Who may decide an approval: segregation of duties, opening it, and the approvers' decision links."""
from __future__ import annotations

import time
from urllib.parse import urlencode

from sqlalchemy.engine import Connection

from sidecar import approval_tokens
from sidecar.flows import messages
from sidecar.services import Services
from sidecar.store import audit, releases
from sidecar.store.records import iso
from sidecar.values import utc_moment

ACTIVITY_PHASE = "decision"  # the decision phase's schedule_activity job opens the first activity


def excluded(requester: str | None, salesperson: str | None):
    """A predicate: True for a login that may not decide (the requester or the salesperson)."""
    barred = {name.casefold() for name in (requester, salesperson) if name}
    return lambda login: login.casefold() in barred


def open_approval(conn: Connection, release_id: str, order_id: int, decision: dict,
                  requested_by: str | None) -> str:
    """Store the approval a decision asks for: pending for its eligible approvers, else unroutable."""
    route, sla = decision.get("route") or {}, decision.get("sla") or {}
    due = utc_moment(sla["due_at"]).timestamp() if sla.get("due_at") else None
    activity_ref = f"{release_id}/{ACTIVITY_PHASE}/schedule_activity" if route.get("assignee") else None
    approval_id = releases.insert_approval(conn, release_id=release_id, order_id=order_id, route=route,
                                           requested_by=requested_by, salesperson=route.get("salesperson"),
                                           due_at=due, activity_ref=activity_ref)
    audit.append(conn, "approval.requested", approval_id, {
        "release_id": release_id, "route": route,
        "status": releases.PENDING if route.get("eligible") else releases.UNROUTABLE})
    return approval_id


def token_expiry(services: Services, approval: dict) -> float:
    """Tokens live until the SLA ends plus the configured grace (from now when there is no SLA)."""
    grace = services.settings.approval_grace_hours * 3600
    return (approval["due_at"] or time.time()) + grace


def approver_links(settings, approval_id: str, approver: str, generation: int, expires_at: float) -> dict:
    """One approver's approve/reject tokens and URLs for the approval's routing `generation`."""
    entry = {}
    for decision in approval_tokens.DECISIONS:
        token = approval_tokens.issue(settings.approval_secret, approval_id, approver, decision, generation,
                                      expires_at)
        query = urlencode({"approval_id": approval_id, "decision": decision, "token": token})
        separator = "&" if "?" in settings.approval_link_base else "?"
        entry[f"{decision}_token"] = token
        entry[f"{decision}_url"] = f"{settings.approval_link_base}{separator}{query}"
    return entry


def link_renderer(services: Services):
    """What the worker hands a notify_approver write-back: links rendered at delivery, never stored.

    None when the approval no longer waits for this approver at this routing generation (decided,
    cancelled or re-routed before the job ran): their links would not work, so nothing is sent.
    """
    def render(approval_id: str, approver: str, generation: int, expires_at: float) -> dict | None:
        with services.db.read() as conn:
            approval = releases.get_approval(conn, approval_id)
        if (not approval or approval["status"] != releases.PENDING or approval["generation"] != generation
                or approver not in approval["eligible"]):
            return None
        return approver_links(services.settings, approval_id, approver, generation, expires_at)

    return render


def decision_links(services: Services, approval: dict) -> list[dict]:
    """One entry per eligible approver: approve/reject URLs carrying their tokens (pending approvals only).

    These are credentials: they go to n8n in the API answer and to each approver in a private
    Odoo notification (`notify_approver`), never to the chatter or activities the requester reads.
    """
    if approval["status"] != releases.PENDING:
        return []
    expires_at = token_expiry(services, approval)
    return [{"approver": approver, "expires_at": iso(expires_at),
             **approver_links(services.settings, approval["id"], approver, approval["generation"], expires_at)}
            for approver in approval["eligible"]]


def notices(services: Services, approval: dict, order: dict, summary: str) -> list[dict]:
    """One notify_approver payload per eligible approver of a pending approval: who and which
    generation, never a token (the worker renders the links when it delivers)."""
    if approval["status"] != releases.PENDING:
        return []
    expires_at = token_expiry(services, approval)
    return [{"order_id": order["id"], "company_id": order.get("company_id"), "approval_id": approval["id"],
             "approver_login": approver, "generation": approval["generation"], "expires_at": expires_at,
             "expires_at_iso": iso(expires_at), "subject": messages.notice_subject(order["name"]),
             "body": messages.notice_text(order["name"], summary)}
            for approver in approval["eligible"]]


def with_decision_links(services: Services, answer: dict) -> dict:
    """A release answer plus the decision links of its pending approval (never stored with it)."""
    if not answer.get("approval_id"):
        return answer
    with services.db.transaction() as conn:
        approval = releases.get_approval(conn, answer["approval_id"])
    return {**answer, "decision_links": decision_links(services, approval) if approval else []}

