"""Event intake (every governed flow), decisions and reconciliation."""
from __future__ import annotations

import re
import time

from flask import Blueprint, current_app, request, url_for

from sidecar.api.common import get_services, json_body, requires
from sidecar import metrics
from sidecar.auth import ID_HEADER
from sidecar.errors import InvalidPayload, SidecarError
from sidecar.flows import approval_routing, pipeline, reconcile, registry, release_view

bp = Blueprint("events", __name__, url_prefix="/v1")
MAX_KEY_LENGTH = 255  # the store's key column
KEY_PATTERN = re.compile(rf"[ -~]{{1,{MAX_KEY_LENGTH}}}")  # as the spec says: printable ASCII


def idempotency_key() -> str | None:
    """The Idempotency-Key header, else a signed message's webhook-id: printable, at most MAX_KEY_LENGTH
    characters; None when neither is sent. Both sent and different: 400, the request names two operations."""
    key, message_id = request.headers.get("Idempotency-Key"), request.headers.get(ID_HEADER)
    if key is not None and message_id is not None and key != message_id:
        raise InvalidPayload(f"Idempotency-Key and {ID_HEADER} differ; send one, or the same value in both",
                             code="idempotency_key_mismatch",
                             details=[{"pointer": "Idempotency-Key", "message": f"differs from {ID_HEADER}"}])
    name, key = ("Idempotency-Key", key) if key is not None else (ID_HEADER, message_id)
    if key is not None and not KEY_PATTERN.fullmatch(key):  # sent but empty is a mistake, not "no key"
        raise InvalidPayload(f"{name} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                             details=[{"pointer": name, "message": f"got {len(key)} characters"}])
    return key


@bp.post("/events")
@requires("events.write", keyed=True)
def submit_event():
    """Decide one event with the flow its type names; a repeat with the same key answers as the first time."""
    key = idempotency_key()
    envelope, started = json_body(), time.perf_counter()
    try:
        status, answer, replayed = pipeline.submit(get_services(), envelope, key)
    except SidecarError as err:
        _count_event(envelope, err.code)
        raise
    duplicate = replayed or answer.get("duplicate_of") is not None
    _count_event(envelope, "duplicate" if duplicate else answer["outcome"],
                 None if duplicate else time.perf_counter() - started)
    headers = {"Location": url_for("events.get_release", release_id=answer["release_id"])}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    if status == 201:  # the approvers' links go to n8n here only, for private delivery
        answer = approval_routing.with_decision_links(get_services(), answer)
    return answer, status, headers


def _count_event(envelope: dict, outcome: str, seconds: float | None = None) -> None:
    """Metrics label an event by its flow and type only when a flow governs that type (bounded labels)."""
    flows = {flow.event_type: flow.name for flow in registry.flows()}
    event_type = envelope.get("type")
    known = isinstance(event_type, str) and event_type in flows
    metrics.record_event(flows[event_type] if known else "unknown", event_type if known else "unknown",
                         outcome, seconds)


@bp.get("/releases/<release_id>")
@requires("releases.read")
def get_release(release_id):
    """One decision with its jobs."""
    return current_app.response_class(release_view.release_json(get_services(), release_id) + "\n",
                                      mimetype=current_app.json.mimetype)


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
