"""An approver's decision on a release: segregation of duties, then confirm or cancel."""
from __future__ import annotations

from sidecar import contracts
from sidecar.errors import Conflict, Forbidden, NotFound
from sidecar.flows import writebacks
from sidecar.flows.release import describe_job
from sidecar.services import Services
from sidecar.store import audit, jobs, releases
from sidecar.store.records import iso

MAX_PAGE = 200


def describe_approval(approval: dict) -> dict:
    """The API view of an approval."""
    return {
        "id": approval["id"], "release_id": approval["release_id"], "order_id": approval["order_id"],
        "status": approval["status"], "role": approval["role"], "assignee": approval["assignee"],
        "eligible": approval["eligible"], "requested_by": approval["requested_by"],
        "due_at": iso(approval["due_at"]), "decided_by": approval["decided_by"],
        "comment": approval["comment"], "created_at": iso(approval["created_at"]),
        "decided_at": iso(approval["decided_at"]),
    }


def get_approval(services: Services, approval_id: str) -> dict:
    """One approval."""
    with services.db.read() as conn:
        approval = releases.get_approval(conn, approval_id)
    if approval is None:
        raise NotFound(f"no approval {approval_id}")
    return describe_approval(approval)


def list_approvals(services: Services, status: str | None, limit: int) -> list[dict]:
    """Approvals, newest first."""
    with services.db.read() as conn:
        return [describe_approval(a) for a in releases.list_approvals(conn, status, min(limit, MAX_PAGE))]


def _check_approver(approval: dict, approver: str) -> None:
    if approval["requested_by"] and approver.lower() == approval["requested_by"].lower():
        raise Forbidden(f"{approver} requested this release and may not approve or reject it",
                        code="segregation_of_duties")
    if approver not in approval["eligible"]:
        raise Forbidden(f"{approver} is not an approver for role {approval['role']}; "
                        f"eligible: {', '.join(approval['eligible']) or 'nobody'}", code="not_an_approver")


def decide(services: Services, approval_id: str, body: dict) -> dict:
    """Record an approve/reject decision and queue its write-backs; a repeat answers the same."""
    contracts.validate("approval_decision.v1", body)
    approved = body["decision"] == "approve"
    wanted = releases.APPROVED if approved else releases.REJECTED_BY_APPROVER
    with services.db.transaction() as conn:
        approval = releases.get_approval(conn, approval_id)
        if approval is None:
            raise NotFound(f"no approval {approval_id}")
        _check_approver(approval, body["approver"])
        if approval["status"] != releases.PENDING:
            if approval["status"] == wanted and approval["decided_by"] == body["approver"]:
                return _answer(conn, approval_id, approval["release_id"])
            raise Conflict(f"approval {approval_id} was already {approval['status']} by {approval['decided_by']}",
                           code="already_decided")
        releases.decide_approval(conn, approval_id, wanted, body["approver"], body.get("comment"))
        release = releases.get_release(conn, approval["release_id"])
        activity_ref = f"{release['id']}/decision/schedule_activity" if approval["assignee"] else None
        operations = writebacks.for_approval(release["order_id"], approved, body["approver"],
                                             body.get("comment"), activity_ref)
        writebacks.queue(conn, release["id"], "approval", operations, services.settings.max_attempts)
        releases.set_status(conn, release["id"], releases.RELEASING if approved else releases.REJECTING)
        audit.append(conn, "approval.decided", approval_id, {
            "release_id": release["id"], "decision": body["decision"], "comment": body.get("comment")},
            actor=body["approver"])
        return _answer(conn, approval_id, release["id"])


def _answer(conn, approval_id: str, release_id: str) -> dict:
    return {"approval": describe_approval(releases.get_approval(conn, approval_id)),
            "jobs": [describe_job(j) for j in jobs.for_release(conn, release_id)]}
