"""Approvals in flight, approvers' token-authenticated decisions, and ops' ways out."""
from __future__ import annotations

from flask import Blueprint

from sidecar.api.common import actor, get_services, json_body, page_limit, query_value, requires
from sidecar.flows import activity_pull, approvals, escalation
from sidecar.store.releases import APPROVAL_STATUSES

bp = Blueprint("approvals", __name__, url_prefix="/v1/approvals")
FLAGS = {"true": True, "false": False}


@bp.get("")
@requires("approvals.read")
def list_approvals():
    """Approvals, newest first or by advised priority, optionally by status or only the overdue ones."""
    status = query_value("status", APPROVAL_STATUSES)
    overdue = query_value("overdue", FLAGS) or "false"
    return {"items": approvals.list_approvals(get_services(), status, page_limit(), FLAGS[overdue],
                                              sort=query_value("sort", approvals.SORTS) or approvals.NEWEST)}


@bp.post("/escalate")
@requires("approvals.write")  # n8n's scheduled workflow runs it; it only applies the policy's own levels
def escalate_approvals():
    """Remind the approvers of overdue tiers, then move them up; stuck approvals go to the administrator role."""
    return escalation.escalate(get_services())


@bp.post("/pull-activities")
@requires("approvals.write")  # n8n's scheduled workflow runs it; the approver is Odoo's author of the done note
def pull_activities():
    """Record approvals given in Odoo by marking the approval activity done."""
    return activity_pull.pull(get_services())


@bp.get("/<approval_id>")
@requires("approvals.read")
def get_approval(approval_id):
    """One approval."""
    return approvals.get_approval(get_services(), approval_id)


@bp.post("/<approval_id>/decision")
@requires("approvals.write")
def decide_approval(approval_id):
    """Approve or reject with a decision token; the token names the approver."""
    return approvals.decide(get_services(), approval_id, json_body(), actor())


@bp.post("/<approval_id>/wait")
@requires("approvals.write")
def wait_for_approval(approval_id):
    """Resume an n8n Wait node with the outcome once the approval is decided."""
    return approvals.wait(get_services(), approval_id, json_body(), actor())


@bp.post("/<approval_id>/reroute")
@requires("approvals.admin")
def reroute_approval(approval_id):
    """Send an open approval to another role or approver, with a reason."""
    return approvals.reroute(get_services(), approval_id, json_body(), actor())


@bp.post("/<approval_id>/cancel")
@requires("approvals.admin")
def cancel_approval(approval_id):
    """Close an open approval without a decision, with a reason."""
    return approvals.cancel(get_services(), approval_id, json_body(), actor())
