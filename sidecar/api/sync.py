"""Sync canonical records into Odoo, or ingest another system's payload through its adapter."""
from __future__ import annotations

from flask import Blueprint, request

from sidecar.api.body import raw_body
from sidecar.api.common import get_services, json_body, query_value, requires
from sidecar.api.events import idempotency_key
from sidecar.errors import InvalidPayload
from sidecar.flows import sync

bp = Blueprint("sync", __name__, url_prefix="/v1")


def _answer(result):
    status, answer, replayed = result
    return answer, status, {"Idempotent-Replayed": "true"} if replayed else {}


@bp.post("/sync/<target>")
@requires("events.write", keyed=True)
def sync_records(target):
    """Canonical records into Odoo in one batched job; one answer per record."""
    return _answer(sync.sync(get_services(), target, json_body(), idempotency_key()))


@bp.post("/ingest/<adapter>")
@requires("events.write", keyed=True)
def ingest_records(adapter):
    """Another system's payload through its adapter, then synced; one answer per record."""
    body = raw_body()
    if not body.strip():
        raise InvalidPayload("request body is empty; send the other system's payload", code="empty_body")
    return _answer(sync.ingest(get_services(), adapter, body, request.content_type or "application/octet-stream",
                               query_value("source"), idempotency_key()))
