"""Queue a decision's write-backs into the outbox, and keep the release's status in step with its jobs."""
from __future__ import annotations

from sqlalchemy.engine import Connection

from sidecar.advisory import approver_summary
from sidecar.flows import messages
from sidecar.store import audit, jobs, releases
from sidecar.values import utc_moment

ACTS_ON_THE_ORDER = ("confirm_order", "cancel_order")  # they carry what the decision saw
MOVES_WRITE_DATE = ("schedule_activity",)  # Odoo writes the order when it subscribes the assignee
PER_APPROVER = ("notify_approver",)  # one job per approver: the login ends the key


def decided_on(order: dict) -> dict:
    """What a confirm or cancel must still find in Odoo: the order as the decision read it."""
    return {"write_date": order.get("write_date"), "amount_total": order.get("amount_total"),
            "company_id": order.get("company_id")}


def _flow(release: dict | None):
    """The flow of a stored decision; None when it is not registered (any more)."""
    from sidecar.flows import registry  # the registry finds the flows, which import this module

    try:
        return registry.flow_of(release) if release else None
    except KeyError:
        return None


def document_of(release: dict | None) -> dict:
    """The decided document in a stored decision's facts, under its flow's key."""
    flow = _flow(release)
    key = flow.document_key if flow else "order"  # the key every flow so far uses
    return ((release or {}).get("facts") or {}).get(key) or {}


def queue(conn: Connection, release_id: str, phase: str, operations: list[tuple[str, dict]],
          max_attempts: int, release: dict | None = None) -> list[str]:
    """Enqueue operations keyed `release/phase/operation`, so each runs once ever, behind the document's earlier jobs.

    The key doubles as the reference written into Odoo, unless an operation names the
    reference it looks for (closing an activity looks for the activity's own). A confirm or
    cancel (or an operation the flow lists in `acting_operations`) carries the document's
    `write_date` and `amount_total` from the decision's facts (for an approval, the facts the
    approver saw), so the worker refuses to act once the document changed. `release`: its id, flow, model
    and facts when the caller holds them (a decision just made), else they are read.
    """
    release = release or releases.get_release(conn, release_id)
    order = document_of(release)
    model = (release or {}).get("model") or jobs.DEFAULT_MODEL
    flow = _flow(release)
    checked = ACTS_ON_THE_ORDER + MOVES_WRITE_DATE + (flow.acting_operations if flow else ())
    job_ids = []
    for operation, payload in operations:
        key = f"{release_id}/{phase}/{operation}"
        if operation in PER_APPROVER:
            key = f"{key}/{payload['approver_login']}"
        payload = {"ref": key, **payload}
        if model != jobs.DEFAULT_MODEL:  # the note, activity and notices of an approval land on the flow's document
            payload.setdefault("model", model)
        if operation in checked and "decided_on" not in payload:
            payload["decided_on"] = decided_on(order)
        job_id = jobs.enqueue(conn, idempotency_key=key, operation=operation, payload=payload,
                              release_id=release_id, max_attempts=max_attempts, model=model)
        audit.append(conn, "writeback.queued", release_id, {"job_id": job_id, "operation": operation})
        job_ids.append(job_id)
    return job_ids


def expected_write_date(release: dict) -> str | None:
    """The order's write_date the release still expects: as decided, or as our own write-backs left it."""
    return release.get("expected_write_date") or document_of(release).get("write_date")


def as_expected_now(conn: Connection, job: dict) -> dict:
    """The job's payload with the write_date its release expects at this moment (our own writes move it)."""
    payload = job["payload"]
    if "decided_on" not in payload or not job["release_id"]:
        return payload
    release = releases.get_release(conn, job["release_id"])
    expected = expected_write_date(release) if release else None
    if not expected:
        return payload
    return {**payload, "decided_on": {**payload["decided_on"], "write_date": expected}}


def note_own_write(conn: Connection, job: dict, result: dict) -> dict | None:
    """A write-back of ours moved the order's write_date: the release expects the new one from now on.
    The job's release as it stands after (None without one)."""
    moved = result.get("order_write_date") or {}
    release = releases.get_release(conn, job["release_id"]) if job["release_id"] else None
    if not release or not moved.get("after") or moved.get("before") != expected_write_date(release):
        return release  # someone else changed the order before we wrote: the confirm will see it and re-decide
    if moved["after"] == moved["before"]:
        return release
    releases.set_expected_write_date(conn, release["id"], moved["after"])
    return releases.get_release(conn, release["id"])


def _working_status(conn: Connection, release: dict) -> str:
    """What a release in flight waits for, from its outcome and its approval."""
    if release["outcome"] == "reject":
        return releases.REJECTING
    if release["outcome"] != "approve":  # the flow's passing outcome
        return releases.RELEASING
    approval = releases.approval_for_release(conn, release["id"]) or {}
    return {releases.APPROVED: releases.RELEASING,
            releases.REJECTED_BY_APPROVER: releases.REJECTING}.get(approval.get("status"),
                                                                    releases.AWAITING_APPROVAL)


def refresh_release(conn: Connection, release_id: str | None, release: dict | None = None) -> str | None:
    """Bring a release's status in line with its jobs: blocked by a dead job, back at work, or final;
    then let its flow follow (`on_progress`). `release`: the release as this transaction last wrote it, when
    the caller holds it (one read less)."""
    if release is None and release_id:
        release = releases.get_release(conn, release_id)
    status = _refresh_status(conn, release)
    if status is not None and status != release["status"]:
        release = releases.get_release(conn, release_id)  # moved on: its flow follows the stored row
    flow = _flow(release)
    if flow is not None and flow.on_progress:
        flow.on_progress(conn, release)
    return status


def _refresh_status(conn: Connection, release: dict | None) -> str | None:
    if release is None or not release["in_flight"]:
        return None
    release_id = release["id"]
    states = jobs.states_of_release(conn, release_id)
    status = release["status"]
    if jobs.DEAD in states:
        wanted = releases.BLOCKED
    else:
        wanted = _working_status(conn, release) if status == releases.BLOCKED else status
        final = {releases.RELEASING: releases.RELEASED, releases.REJECTING: releases.REJECTED}.get(wanted)
        if final and all(state == jobs.DONE for state in states):
            wanted = final
    if wanted != status:
        wanted = releases.set_status(conn, release_id, wanted)
        kind = "release.completed" if wanted in releases.FINAL else "release.status"
        audit.append(conn, kind, release_id, {"status": wanted, "was": status})
    return wanted


def supersede_release(conn: Connection, release_id: str, reason: str) -> list[str]:
    """The order changed after the decision: the release leaves flight, its open jobs will never run."""
    job_ids = jobs.settle_release(conn, release_id, jobs.SUPERSEDED, reason)
    releases.set_status(conn, release_id, releases.SUPERSEDED)
    audit.append(conn, "release.superseded", release_id, {"reason": reason, "jobs": job_ids}, actor="worker")
    return job_ids


def abandon_release_jobs(conn: Connection, release_id: str, reason: str, actor: str | None = None) -> list[str]:
    """Give up a release: its unfinished jobs (dead ones too) are abandoned and it leaves flight.

    For the dead-letter "abandon" action; returns the abandoned job ids (their letters are the
    caller's to close). A job a worker runs at this moment finishes on its own.
    """
    job_ids = jobs.settle_release(conn, release_id, jobs.ABANDONED, reason)
    releases.set_status(conn, release_id, releases.ABANDONED)
    audit.append(conn, "release.abandoned", release_id, {"reason": reason, "jobs": job_ids}, actor=actor)
    return job_ids


def resolve_job(conn: Connection, job_id: str, note: str, actor: str | None = None) -> bool:
    """A dead job done by hand in Odoo counts as done; the release moves on. False unless it was dead."""
    job = jobs.get(conn, job_id)
    if job is None or not jobs.resolve(conn, job_id, {"effect": "resolved_by_hand", "note": note}):
        return False
    audit.append(conn, "writeback.resolved", job["release_id"] or job_id, {"job_id": job_id, "note": note},
                 actor=actor)
    refresh_release(conn, job["release_id"])
    return True


def for_decision(order: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """The write-backs a fresh release decision needs; `notices` carry each approver's private links, after the
    activity."""
    order_id = order["id"]
    note = {"order_id": order_id, "body": messages.decision_message(decision)}
    if decision["outcome"] == "release":
        return [("post_message", note), ("confirm_order", {"order_id": order_id})]
    if decision["outcome"] == "reject":
        return [("post_message", note), ("cancel_order", {"order_id": order_id})]
    summary = messages.activity_summary(order["name"], messages.RELEASE)
    return [("post_message", note), *approval_requests({"order_id": order_id}, decision, notices, summary)]


def approval_requests(target: dict, decision: dict, notices, summary: str) -> list[tuple[str, dict]]:
    """What asking for approval writes to Odoo in every flow: the assignee's activity on the document
    (`target`: its order_id, model and what the decision saw), then each approver's private notice."""
    operations = []
    route, sla = decision.get("route") or {}, decision.get("sla") or {}
    advice = approver_summary.note(decision)
    if route.get("assignee"):
        operations.append(("schedule_activity", {
            **target, "assignee_login": route["assignee"], "summary": summary,
            "note": messages.activity_note(decision.get("summary", ""), advice),
            "deadline": utc_moment(sla["due_at"]).date().isoformat(), "due_at": sla["due_at"],
        }))
    model = {"model": target["model"]} if "model" in target else {}
    return operations + [("notify_approver", {**notice, **model, "body": messages.advised(notice["body"], advice)})
                         for notice in notices]


def for_approval(order_id: int, approved: bool, approver: str, comment: str | None,
                 activity_ref: str | None, words: messages.Wording) -> list[tuple[str, dict]]:
    """The write-backs every approver's decision needs; the flow's own (confirm, cancel, ...) follow them."""
    body = messages.approval_message(approved, approver, comment, words)
    operations = [("post_message", {"order_id": order_id, "body": body})]
    if activity_ref:
        # Odoo posts the feedback in the chatter too: keep it short, the note above has the detail.
        feedback = f"Decision recorded: {'approved' if approved else 'rejected'}"
        operations.append(("close_activity", {"order_id": order_id, "ref": activity_ref, "feedback": feedback}))
    return operations


def for_reroute(order_id: int, order_name: str, *, old_activity_ref: str | None, assignee: str,
                note: str, summary: str, deadline: str, words: messages.Wording,
                notices: list[dict] = (), advice: str = "") -> list[tuple[str, dict]]:
    """Write-backs of a re-routed approval: the note, the old activity closed, one for the new approver (with the
    decision's `advice` paragraph), then each new approver's private links."""
    operations = [("post_message", {"order_id": order_id, "body": note})]
    if old_activity_ref:
        operations.append(("close_activity", {"order_id": order_id, "ref": old_activity_ref,
                                              "feedback": "Re-routed to another approver"}))
    operations.append(("schedule_activity", {
        "order_id": order_id, "assignee_login": assignee, "summary": messages.activity_summary(order_name, words),
        "note": messages.activity_note(summary, advice), "deadline": deadline,
    }))
    operations += [("notify_approver", notice) for notice in notices]
    return operations


def for_cancelled_approval(order_id: int, note: str, activity_ref: str | None) -> list[tuple[str, dict]]:
    """Write-backs of a cancelled approval: the note, and the approver's activity closed."""
    operations = [("post_message", {"order_id": order_id, "body": note})]
    if activity_ref:
        operations.append(("close_activity", {"order_id": order_id, "ref": activity_ref,
                                              "feedback": "Approval cancelled"}))
    return operations
