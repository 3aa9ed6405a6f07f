"""Approvals: an approver's token-authenticated decision, and the ways out (re-route, cancel)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sidecar import approval_tokens, contracts
from sidecar.errors import Conflict, Forbidden, InvalidPayload, NotFound
from sidecar.flows import messages, registry, writebacks
from sidecar.flows.approval_routing import decision_links, excluded, notices
from sidecar.flows.pipeline import describe_job
from sidecar.services import Services
from sidecar.store import audit, jobs, releases
from sidecar.store.records import MAX_PAGE, iso

DECIDED = (releases.APPROVED, releases.REJECTED_BY_APPROVER)


def describe_approval(approval: dict, now: float | None = None) -> dict:
    """The API view of an approval."""
    now = time.time() if now is None else now
    overdue = (approval["status"] in releases.OPEN_APPROVAL and approval["due_at"] is not None
               and approval["due_at"] < now)
    return {
        "id": approval["id"], "release_id": approval["release_id"], "order_id": approval["order_id"],
        "status": approval["status"], "role": approval["role"], "assignee": approval["assignee"],
        "eligible": approval["eligible"], "requested_by": approval["requested_by"],
        "salesperson": approval["salesperson"], "due_at": iso(approval["due_at"]), "overdue": overdue,
        "decided_by": approval["decided_by"], "comment": approval["comment"],
        "created_at": iso(approval["created_at"]), "decided_at": iso(approval["decided_at"]),
    }


def _load(conn, approval_id: str) -> dict:
    approval = releases.get_approval(conn, approval_id)
    if approval is None:
        raise NotFound(f"no approval {approval_id}")
    return approval


def get_approval(services: Services, approval_id: str) -> dict:
    """One approval."""
    with services.db.read() as conn:
        return describe_approval(_load(conn, approval_id))


def list_approvals(services: Services, status: str | None, limit: int, overdue: bool = False) -> list[dict]:
    """Approvals, newest first; `overdue` keeps the open ones past their SLA (for escalation)."""
    with services.db.read() as conn:
        found = releases.list_approvals(conn, status, min(limit, MAX_PAGE),
                                        overdue_at=time.time() if overdue else None)
        return [describe_approval(a) for a in found]


def _check_approver(approval: dict, approver: str) -> None:
    """Segregation of duties, then eligibility on the approval's current routing."""
    if excluded(approval["requested_by"], approval["salesperson"])(approver):
        raise Forbidden(f"{approver} requested or sells this order and may not approve or reject it",
                        code="segregation_of_duties")
    if approver not in approval["eligible"]:
        raise Forbidden(f"{approver} is not an approver for role {approval['role']}", code="not_an_approver")


def _already(conn, approval: dict, fingerprint: str) -> dict:
    """A decided approval: the same token answers as the first time; any other is a conflict."""
    if approval["decided_token"] == fingerprint:
        return _answer(conn, approval["id"], approval["release_id"])
    raise Conflict(f"approval {approval['id']} was already {approval['status']} by {approval['decided_by']}",
                   code="already_decided")


def decide(services: Services, approval_id: str, body: dict, client: str | None = None) -> dict:
    """Record the token holder's approve/reject and queue its write-backs; the same token again answers the same."""
    contracts.validate("approval_decision.v1", body)
    token = approval_tokens.verify(services.settings.approval_secret, body["token"])
    if token.approval_id != approval_id:
        raise Forbidden("the decision token is not valid for this approval", code="invalid_token")
    if token.decision != body["decision"]:
        raise Forbidden(f"this token can only {token.decision}", code="token_decision_mismatch")
    fingerprint = approval_tokens.fingerprint(body["token"])
    approved = body["decision"] == "approve"
    wanted = releases.APPROVED if approved else releases.REJECTED_BY_APPROVER
    with services.db.transaction() as conn:
        approval = _load(conn, approval_id)
        if approval["status"] in DECIDED:
            return _already(conn, approval, fingerprint)
        if approval["status"] != releases.PENDING:
            raise Conflict(f"approval {approval_id} is {approval['status']}; it cannot be decided",
                           code="not_pending")
        if token.generation != approval["generation"]:
            raise Forbidden("this token was replaced when the approval was re-routed", code="token_superseded")
        approval_tokens.require_fresh(token)
        _check_approver(approval, token.approver)
        if not releases.decide_approval(conn, approval_id, wanted, token.approver, body.get("comment"),
                                        fingerprint, token.generation):
            return _already(conn, _load(conn, approval_id), fingerprint)  # a concurrent decision won
        release = releases.get_release(conn, approval["release_id"])
        flow = registry.flow_of(release)
        operations = writebacks.for_approval(release["order_id"], approved, token.approver,
                                             body.get("comment"), approval["activity_ref"])
        operations += (flow.on_approved if approved else flow.on_rejected)(release["facts"])
        writebacks.queue(conn, release["id"], "approval", operations, services.settings.max_attempts)
        releases.set_status(conn, release["id"], releases.RELEASING if approved else releases.REJECTING)
        audit.append(conn, "approval.decided", approval_id, {
            "release_id": release["id"], "decision": body["decision"], "comment": body.get("comment"),
            "generation": token.generation, "via": client}, actor=token.approver)
        return _answer(conn, approval_id, release["id"])


def _answer(conn, approval_id: str, release_id: str) -> dict:
    return {"approval": describe_approval(releases.get_approval(conn, approval_id)),
            "jobs": [describe_job(j) for j in jobs.for_release(conn, release_id)]}


def _open(conn, approval_id: str) -> dict:
    approval = _load(conn, approval_id)
    if approval["status"] not in releases.OPEN_APPROVAL:
        raise Conflict(f"approval {approval_id} is {approval['status']}; only pending or unroutable "
                       "approvals can be re-routed or cancelled", code="not_open")
    return approval


def _new_route(services: Services, approval: dict, body: dict) -> tuple[str | None, list[str]]:
    """The role and eligible approvers a re-route asks for, checked against the policy."""
    routes = services.policy.routes
    role = body.get("role") or approval["role"]
    if body.get("role") and body["role"] not in routes:
        raise InvalidPayload(f"no route '{body['role']}' in the policy; known: {', '.join(routes)}",
                             code="unknown_role", details=[{"pointer": "/role", "message": body["role"]}])
    barred = excluded(approval["requested_by"], approval["salesperson"])
    if body.get("assignee"):
        configured = {login for r in routes.values() for login in r["approvers"] + r.get("fallback", [])}
        if body["assignee"] not in configured:
            raise InvalidPayload(f"{body['assignee']} is not an approver in the policy", code="unknown_approver",
                                 details=[{"pointer": "/assignee", "message": body["assignee"]}])
        if barred(body["assignee"]):
            raise Forbidden(f"{body['assignee']} requested or sells this order", code="segregation_of_duties")
        return role, [body["assignee"]]
    route = routes[role]
    eligible = [login for login in route["approvers"] if not barred(login)]
    eligible = eligible or [login for login in route.get("fallback", []) if not barred(login)]
    if not eligible:
        raise Conflict(f"route {role} has no approver who may decide this order", code="no_eligible_approver")
    return role, eligible


def reroute(services: Services, approval_id: str, body: dict, by: str | None) -> dict:
    """Send an open approval to another role or approver: new tokens, old ones void, activity moved."""
    contracts.validate("approval_reroute.v1", body)
    with services.db.transaction() as conn:
        approval = _open(conn, approval_id)
        role, eligible = _new_route(services, approval, body)
        route = services.policy.routes.get(role) or {}
        due = time.time() + 3600 * route.get("sla_hours", services.policy.default_sla_hours)
        generation = approval["generation"] + 1
        phase = f"reroute{generation}"
        release = releases.get_release(conn, approval["release_id"])
        if not releases.reroute_approval(conn, approval_id, generation=approval["generation"], role=role,
                                         eligible=eligible, due_at=due,
                                         activity_ref=f"{release['id']}/{phase}/schedule_activity"):
            raise Conflict(f"approval {approval_id} changed meanwhile; read it and try again", code="not_open")
        deadline = datetime.fromtimestamp(due, timezone.utc).date().isoformat()
        summary = release["decision"].get("summary", "")
        order = {"id": release["order_id"], "name": release["order_name"],
                 "company_id": ((release.get("facts") or {}).get("order") or {}).get("company_id")}
        operations = writebacks.for_reroute(
            release["order_id"], release["order_name"], old_activity_ref=approval["activity_ref"],
            assignee=eligible[0], note=messages.reroute_message(eligible, role, body["reason"], by),
            summary=summary, deadline=deadline,
            notices=notices(services, releases.get_approval(conn, approval_id), order, summary))
        writebacks.queue(conn, release["id"], phase, operations, services.settings.max_attempts)
        audit.append(conn, "approval.rerouted", approval_id, {
            "release_id": release["id"], "from": {"status": approval["status"], "role": approval["role"],
                                                  "eligible": approval["eligible"]},
            "to": {"role": role, "eligible": eligible}, "reason": body["reason"], "generation": generation},
            actor=by)
        rerouted = releases.get_approval(conn, approval_id)
        answer = _answer(conn, approval_id, release["id"])
    return {**answer, "decision_links": decision_links(services, rerouted)}


def cancel(services: Services, approval_id: str, body: dict, by: str | None) -> dict:
    """Close an open approval with a reason: the release is abandoned and Odoo's order left as it is."""
    contracts.validate("approval_cancel.v1", body)
    with services.db.transaction() as conn:
        approval = _open(conn, approval_id)
        if not releases.cancel_approval(conn, approval_id, by, body["reason"]):
            raise Conflict(f"approval {approval_id} changed meanwhile; read it and try again", code="not_open")
        release = releases.get_release(conn, approval["release_id"])
        operations = writebacks.for_cancelled_approval(
            release["order_id"], messages.cancel_message(body["reason"], by), approval["activity_ref"])
        writebacks.queue(conn, release["id"], "cancel", operations, services.settings.max_attempts)
        releases.set_status(conn, release["id"], releases.ABANDONED)
        audit.append(conn, "approval.cancelled", approval_id, {
            "release_id": release["id"], "status": approval["status"], "reason": body["reason"]}, actor=by)
        return _answer(conn, approval_id, release["id"])
