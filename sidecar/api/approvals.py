"""Approvals in flight and approvers' decisions."""
from __future__ import annotations

from flask import Blueprint

from sidecar.api.common import get_services, json_body, page_limit, query_value, requires
from sidecar.flows import approvals

bp = Blueprint("approvals", __name__, url_prefix="/v1/approvals")
STATUSES = ("pending", "approved", "rejected")


@bp.get("")
@requires("approvals.read")
def list_approvals():
    """Approvals, newest first, optionally by status."""
    status = query_value("status", STATUSES)
    return {"items": approvals.list_approvals(get_services(), status, page_limit())}


@bp.get("/<approval_id>")
@requires("approvals.read")
def get_approval(approval_id):
    """One approval."""
    return approvals.get_approval(get_services(), approval_id)


@bp.post("/<approval_id>/decision")
@requires("approvals.write")
def decide_approval(approval_id):
    """Approve or reject; the requester may not decide their own order."""
    return approvals.decide(get_services(), approval_id, json_body())
