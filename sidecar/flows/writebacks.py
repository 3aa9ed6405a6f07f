"""Queue a decision's write-backs into the outbox, in the caller's transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from sidecar.flows import messages
from sidecar.store import audit, jobs


def queue(conn: Connection, release_id: str, phase: str, operations: list[tuple[str, dict]],
          max_attempts: int) -> list[str]:
    """Enqueue operations keyed `release/phase/operation`, so each runs once ever.

    The key doubles as the reference written into Odoo, unless an operation names the
    reference it looks for (closing an activity looks for the activity's own).
    """
    job_ids = []
    for operation, payload in operations:
        key = f"{release_id}/{phase}/{operation}"
        payload = {"ref": key, **payload}
        job_id = jobs.enqueue(conn, idempotency_key=key, operation=operation, payload=payload,
                              release_id=release_id, max_attempts=max_attempts)
        audit.append(conn, "writeback.queued", release_id, {"job_id": job_id, "operation": operation})
        job_ids.append(job_id)
    return job_ids


def for_decision(order: dict, decision: dict) -> list[tuple[str, dict]]:
    """The write-backs a fresh decision needs."""
    order_id = order["id"]
    note = {"order_id": order_id, "body": messages.decision_message(decision)}
    if decision["outcome"] == "release":
        return [("post_message", note), ("confirm_order", {"order_id": order_id})]
    if decision["outcome"] == "reject":
        return [("post_message", note), ("cancel_order", {"order_id": order_id})]
    operations = [("post_message", note)]
    route, sla = decision.get("route") or {}, decision.get("sla") or {}
    if route.get("assignee"):
        deadline = datetime.fromisoformat(sla["due_at"].replace("Z", "+00:00")).date().isoformat()
        operations.append(("schedule_activity", {
            "order_id": order_id, "assignee_login": route["assignee"],
            "summary": messages.activity_summary(order["name"]),
            "note": messages.activity_note(decision["summary"]),
            "deadline": deadline,
        }))
    return operations


def for_approval(order_id: int, approved: bool, approver: str, comment: str | None,
                 activity_ref: str | None) -> list[tuple[str, dict]]:
    """The write-backs an approver's decision needs."""
    body = messages.approval_message(approved, approver, comment)
    operations = [("post_message", {"order_id": order_id, "body": body})]
    if activity_ref:
        # Odoo posts the feedback in the chatter too: keep it short, the note above has the detail.
        feedback = f"Decision recorded: {'approved' if approved else 'rejected'}"
        operations.append(("close_activity", {"order_id": order_id, "ref": activity_ref, "feedback": feedback}))
    operations.append(("confirm_order" if approved else "cancel_order", {"order_id": order_id}))
    return operations


def for_reroute(order_id: int, order_name: str, *, old_activity_ref: str | None, assignee: str,
                note: str, summary: str, deadline: str) -> list[tuple[str, dict]]:
    """Write-backs of a re-routed approval: the note, the old activity closed, one for the new approver."""
    operations = [("post_message", {"order_id": order_id, "body": note})]
    if old_activity_ref:
        operations.append(("close_activity", {"order_id": order_id, "ref": old_activity_ref,
                                              "feedback": "Re-routed to another approver"}))
    operations.append(("schedule_activity", {
        "order_id": order_id, "assignee_login": assignee, "summary": messages.activity_summary(order_name),
        "note": messages.activity_note(summary), "deadline": deadline,
    }))
    return operations


def for_cancelled_approval(order_id: int, note: str, activity_ref: str | None) -> list[tuple[str, dict]]:
    """Write-backs of a cancelled approval: the note, and the approver's activity closed."""
    operations = [("post_message", {"order_id": order_id, "body": note})]
    if activity_ref:
        operations.append(("close_activity", {"order_id": order_id, "ref": activity_ref,
                                              "feedback": "Approval cancelled"}))
    return operations
