"""The audit chain's integrity."""
from __future__ import annotations

from flask import Blueprint

from sidecar.api.common import get_services, requires
from sidecar.store import audit

bp = Blueprint("audit", __name__, url_prefix="/v1/audit")


@bp.get("/verify")
@requires("audit.read")
def verify_audit():
    """Recompute the hash chain and report problems."""
    with get_services().db.transaction() as conn:
        return audit.verify(conn)
