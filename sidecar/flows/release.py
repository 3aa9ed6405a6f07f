"""Sales order release: validate, deduplicate, read facts, decide, queue write-backs, record."""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from sidecar import contracts
from sidecar.errors import Conflict, DependencyDown, NotFound
from sidecar.flows import approval_routing, writebacks
from sidecar.odoo.errors import OdooError
from sidecar.policy import evaluate
from sidecar.services import Services
from sidecar.store import audit, dead_letters, idempotency, jobs, releases
from sidecar.store.records import iso
from sidecar.transform.sales_order import build_release_facts, release_request_from_webhook

logger = logging.getLogger(__name__)
OPERATION = "submit_event"
QUOTATION_STATES = ("draft", "sent")


def request_hash(payload) -> str:
    """Stable hash of a request body, to tell a true repeat from a reused key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def describe(conn, release: dict, duplicate_of: str | None = None) -> dict:
    """The API view of a release: decision, approval and write-back jobs."""
    approval = releases.approval_for_release(conn, release["id"])
    return {
        "release_id": release["id"],
        "order_id": release["order_id"],
        "order_name": release["order_name"],
        "event_id": release["event_id"],
        "outcome": release["outcome"],
        "status": release["status"],
        "decision": release["decision"],
        "approval_id": approval["id"] if approval else None,
        "jobs": [describe_job(job) for job in jobs.for_release(conn, release["id"])],
        "duplicate_of": duplicate_of,
        "created_at": iso(release["created_at"]),
    }


def describe_job(job: dict) -> dict:
    """The API view of one outbox job."""
    return {"id": job["id"], "operation": job["operation"], "state": job["state"],
            "attempts": job["attempts"], "last_error": job["last_error"], "category": job["category"]}


def _replayed_answer(existing: dict, digest: str) -> tuple[int, dict, bool]:
    if existing["request_hash"] != digest:
        raise Conflict("this idempotency key was used with a different body", code="idempotency_key_reused")
    return existing["status_code"], existing["response"], True


def _read_facts(services: Services, envelope: dict, key: str) -> dict:
    """Read the quotation from Odoo; park the event as a dead letter when Odoo cannot answer."""
    request = release_request_from_webhook(envelope["data"])
    try:
        return build_release_facts(services.odoo.read_release_bundle(request["order_id"], request["requested_by"]))
    except OdooError as err:
        if err.category == "record_missing":
            raise NotFound(f"sale.order {request['order_id']} does not exist in Odoo", code="order_not_found") from err
        letter_id = park_event(services, envelope, key, err)
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category,
                             details=[{"dead_letter_id": letter_id, "category": err.category}]) from err


def park_event(services: Services, envelope: dict, key: str, err: OdooError) -> str:
    """Keep an event that could not be decided, replayable; one open letter per event."""
    detail = {"event": envelope, "idempotency_key": key, "error": err.message}
    summary = f"{envelope['type']} {envelope['id']} not decided: {err.message}"
    with services.db.transaction() as conn:
        letter = dead_letters.open_for_ref(conn, key)
        if letter:
            dead_letters.touch(conn, letter["id"], summary, detail)
            return letter["id"]
        letter_id = dead_letters.insert(conn, kind=dead_letters.EVENT, category=err.category,
                                        summary=summary, detail=detail, ref=key)
        audit.append(conn, "event.parked", key, {"dead_letter_id": letter_id, "category": err.category})
        return letter_id


def submit_release(services: Services, envelope: dict, key: str | None = None) -> tuple[int, dict, bool]:
    """Decide one release request; returns (status, answer, replayed). Safe to repeat."""
    contracts.validate_event(envelope)
    key = key or envelope["id"]
    digest = request_hash(envelope)
    with services.db.transaction() as conn:
        existing = idempotency.find(conn, key)
    if existing:
        return _replayed_answer(existing, digest)
    facts = _read_facts(services, envelope, key)
    order = facts["order"]
    if order["state"] not in QUOTATION_STATES:
        raise Conflict(f"{order['name']} is in state '{order['state']}': only quotations can be released",
                       code="not_a_quotation")
    decision = approval_routing.segregate(services, facts, evaluate(facts, services.policy,
                                                                     datetime.now(timezone.utc)))
    for attempt in range(2):  # a concurrent twin may win the race once; then answer as it did
        try:
            return _record(services, envelope, key, digest, facts, decision)
        except IntegrityError:
            if attempt:
                raise
            with services.db.transaction() as conn:
                existing = idempotency.find(conn, key)
            if existing:
                return _replayed_answer(existing, digest)
    raise AssertionError("unreachable")


def _record(services: Services, envelope: dict, key: str, digest: str, facts: dict, decision: dict):
    """Store decision, approval, jobs, audit and the idempotent answer in one transaction."""
    order = facts["order"]
    with services.db.transaction() as conn:
        audit.append(conn, "event.received", key, {"type": envelope["type"], "event_id": envelope["id"],
                                                   "order_id": order["id"]})
        in_flight = releases.release_in_flight(conn, order["id"])
        if in_flight:
            answer, status = describe(conn, in_flight, duplicate_of=in_flight["id"]), 200
            audit.append(conn, "event.duplicate", in_flight["id"], {"event_id": envelope["id"]})
        else:
            answer, status = _decide(conn, services, envelope, facts, decision), 201
        letter = dead_letters.open_for_ref(conn, key)
        if letter:  # a parked copy of this event is now handled
            dead_letters.set_status(conn, letter["id"], dead_letters.RESOLVED)
        idempotency.save(conn, key, OPERATION, digest, status, answer)
    return status, answer, False


def _decide(conn, services: Services, envelope: dict, facts: dict, decision: dict) -> dict:
    order = facts["order"]
    requester = facts["requested_by"]["login"]
    status = {"release": releases.RELEASING, "reject": releases.REJECTING,
              "approve": releases.AWAITING_APPROVAL}[decision["outcome"]]
    release_id = releases.insert_release(
        conn, order_id=order["id"], order_name=order["name"], event_id=envelope["id"],
        decision=decision, facts=facts, status=status, requested_by=requester)
    audit.append(conn, "decision.made", release_id, {
        "order_id": order["id"], "outcome": decision["outcome"], "policy": decision["policy"],
        "reasons": [r["code"] for r in decision["reasons"] if not r["passed"]]})
    if decision["outcome"] == "approve":
        approval_routing.open_approval(conn, release_id, order["id"], decision, requester)
    writebacks.queue(conn, release_id, "decision", writebacks.for_decision(order, decision),
                     services.settings.max_attempts)
    return describe(conn, releases.get_release(conn, release_id))


def get_release(services: Services, release_id: str) -> dict:
    """One release as the API shows it."""
    with services.db.transaction() as conn:
        release = releases.get_release(conn, release_id)
        if release is None:
            raise NotFound(f"no release {release_id}")
        return describe(conn, release)
