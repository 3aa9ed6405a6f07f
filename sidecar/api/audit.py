"""The audit chain's integrity."""
from __future__ import annotations

from flask import Blueprint, request

from sidecar.api.common import get_services, requires
from sidecar.errors import InvalidPayload
from sidecar.store.audit_verify import verify

bp = Blueprint("audit", __name__, url_prefix="/v1/audit")


@bp.get("/verify")
@requires("audit.read")
def verify_audit():
    """Check the chain page by page (read-only) and report problems; ?incremental=true resumes."""
    raw = request.args.get("incremental", "false")
    if raw not in ("true", "false"):
        raise InvalidPayload("incremental must be true or false",
                             details=[{"pointer": "?incremental", "message": f"got '{raw}'"}])
    return verify(get_services().db, incremental=raw == "true")
