"""Event intake (every governed flow), decisions and reconciliation."""
from __future__ import annotations

import re

from flask import Blueprint, request, url_for

from sidecar.api.common import get_services, json_body, requires
from sidecar.errors import InvalidPayload
from sidecar.flows import approval_routing, pipeline, reconcile

bp = Blueprint("events", __name__, url_prefix="/v1")
MAX_KEY_LENGTH = 255  # the store's key column
KEY_PATTERN = re.compile(rf"[ -~]{{1,{MAX_KEY_LENGTH}}}")  # as the spec says: printable ASCII


def idempotency_key() -> str | None:
    """The Idempotency-Key header: printable, at most MAX_KEY_LENGTH characters; None when absent."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not KEY_PATTERN.fullmatch(key):  # sent but empty is a mistake, not "no key"
        raise InvalidPayload(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                             details=[{"pointer": "Idempotency-Key", "message": f"got {len(key)} characters"}])
    return key


@bp.post("/events")
@requires("events.write")
def submit_event():
    """Decide one event with the flow its type names; a repeat with the same key answers as the first time."""
    key = idempotency_key()
    status, answer, replayed = pipeline.submit(get_services(), json_body(), key)
    headers = {"Location": url_for("events.get_release", release_id=answer["release_id"])}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    if status == 201:  # the approvers' links go to n8n here only, for private delivery
        answer = approval_routing.with_decision_links(get_services(), answer)
    return answer, status, headers


@bp.get("/releases/<release_id>")
@requires("releases.read")
def get_release(release_id):
    """One decision with its jobs."""
    return pipeline.get_release(get_services(), release_id)


@bp.post("/reconciliations/sales-order-release")
@requires("events.write")
def reconcile_releases():
    """Decide quotations whose release request never arrived."""
    return reconcile.reconcile(get_services(), json_body(default={}))


@bp.post("/reconciliations/<flow_name>")
@requires("events.write")
def reconcile_flow(flow_name):
    """Decide a flow's submitted documents whose webhook never arrived."""
    flow = reconcile.reconcilable(flow_name)
    return reconcile.reconcile(get_services(), json_body(default={}), flow)
