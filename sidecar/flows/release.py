"""Sales order release: validate, deduplicate, read facts, decide, queue write-backs, record."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timezone
from typing import Callable, TypeVar

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
SUPERUSER_ID = 1  # OdooBot (__system__): writes made by Odoo itself name no person
FIRST_POLL_SECONDS, MAX_POLL_SECONDS = 0.05, 1.0
T = TypeVar("T")


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


def _ask_odoo(services: Services, envelope: dict, key: str, question: Callable[[], T]) -> T:
    """Run one Odoo question; a missing order is a 404, an Odoo that cannot answer parks the event."""
    try:
        return question()
    except OdooError as err:
        if err.category == "record_missing":
            order_id = release_request_from_webhook(envelope["data"])["order_id"]
            raise NotFound(f"sale.order {order_id} does not exist in Odoo", code="order_not_found") from err
        letter_id = park_event(services, envelope, key, err)
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category,
                             details=[{"dead_letter_id": letter_id, "category": err.category}]) from err


def wait_for_commit(odoo, order_id: int, write_date: str, wait_seconds: float,
                    sleep: Callable[[float], None] = time.sleep) -> bool:
    """Poll Odoo, at growing intervals, until the order's committed write_date reaches `write_date`.

    Odoo 17 posts an Automation Rule's webhook inside the transaction that made the change, before
    it commits (and may roll it back afterwards); deciding earlier would read the old order.
    """
    deadline, delay = time.monotonic() + wait_seconds, FIRST_POLL_SECONDS
    while not odoo.order_written_since(order_id, write_date):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        sleep(min(delay, remaining))
        delay = min(delay * 2, MAX_POLL_SECONDS)
    return True


def _refuse(services: Services, envelope: dict, key: str, kind: str, error: Conflict) -> Conflict:
    """Audit an event that is not decided (nothing else is stored: a later delivery may succeed)."""
    with services.db.transaction() as conn:
        audit.append(conn, kind, key, {"type": envelope["type"], "event_id": envelope["id"],
                                       "order_id": release_request_from_webhook(envelope["data"])["order_id"],
                                       "code": error.code})
    return error


def check_submission(services: Services, envelope: dict, key: str) -> dict:
    """Decide nothing until Odoo committed what the event describes and the order matches the intake rule."""
    request = release_request_from_webhook(envelope["data"])
    order_id, write_date, odoo = request["order_id"], request["write_date"], services.odoo

    def exists() -> bool:
        return bool(_ask_odoo(services, envelope, key, lambda: odoo.count_orders([("id", "=", order_id)])))

    if write_date and not _ask_odoo(services, envelope, key, lambda: wait_for_commit(
            odoo, order_id, write_date, services.settings.commit_wait_seconds)):
        if not exists():
            raise NotFound(f"sale.order {order_id} does not exist in Odoo", code="order_not_found")
        raise _refuse(services, envelope, key, "event.not_committed", Conflict(
            f"Odoo does not show sale.order {order_id} as written at {write_date} yet: its change was not "
            "committed (or was rolled back); nothing was decided", code="submission_not_committed",
            details=[{"pointer": "/data/write_date", "message": "not committed in Odoo"}]))
    domain = services.policy.submitted_domain
    if not _ask_odoo(services, envelope, key, lambda: odoo.order_matches(order_id, domain)):
        if not exists():
            raise NotFound(f"sale.order {order_id} does not exist in Odoo", code="order_not_found")
        raise _refuse(services, envelope, key, "event.not_submitted", Conflict(
            f"sale.order {order_id} is not submitted for release in Odoo (it does not match the policy's "
            "intake rule); nothing was decided", code="not_submitted",
            details=[{"pointer": "/data/_id", "message": f"does not match {json.dumps(domain)}"}]))
    return request


def _identify(services: Services, facts: dict) -> dict:
    """Requester = Odoo's last writer of the committed submission; unknown when Odoo names no person."""
    requester_id, salesperson_id = facts["requested_by"]["user_id"], facts["order"].get("salesperson_id")
    logins = services.odoo.user_logins([uid for uid in (requester_id, salesperson_id) if uid])
    known = requester_id not in (None, SUPERUSER_ID) and requester_id in logins
    facts["requested_by"] = {"user_id": requester_id, "login": logins[requester_id] if known else None}
    facts["order"]["salesperson_login"] = logins.get(salesperson_id)
    return facts


def _read_facts(services: Services, envelope: dict, key: str) -> dict:
    """Read the quotation and its submitter from Odoo; never from the event body."""
    order_id = release_request_from_webhook(envelope["data"])["order_id"]
    return _ask_odoo(services, envelope, key, lambda: _identify(
        services, build_release_facts(services.odoo.read_release_bundle(order_id, None))))


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
    check_submission(services, envelope, key)
    facts = _read_facts(services, envelope, key)
    order = facts["order"]
    if order["state"] not in QUOTATION_STATES:
        raise Conflict(f"{order['name']} is in state '{order['state']}': only quotations can be released",
                       code="not_a_quotation")
    moment = datetime.now(timezone.utc)
    decision = evaluate(facts, services.policy, moment)
    decision = _ask_odoo(services, envelope, key,
                         lambda: approval_routing.with_people(services, facts, decision, moment))
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
        # Parked copies of this event, and of any other event for the same order, are now handled.
        dead_letters.resolve_handled(conn, key, order["id"], f"order decided in release {answer['release_id']}")
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
    notices = []
    if decision["outcome"] == "approve":
        approval_id = approval_routing.open_approval(conn, release_id, order["id"], decision, requester)
        notices = approval_routing.notices(services, releases.get_approval(conn, approval_id), order,
                                           decision.get("summary", ""))
    writebacks.queue(conn, release_id, "decision", writebacks.for_decision(order, decision, notices),
                     services.settings.max_attempts)
    if decision["outcome"] == "approve":  # parallel tiers open from the start get their own activity and links
        approval_routing.open_other_tiers(conn, services, approval_id, order, decision.get("summary", ""))
    return describe(conn, releases.get_release(conn, release_id))


def get_release(services: Services, release_id: str) -> dict:
    """One release as the API shows it."""
    with services.db.read() as conn:
        release = releases.get_release(conn, release_id)
        if release is None:
            raise NotFound(f"no release {release_id}")
        return describe(conn, release)


def preview_release(services: Services, order_id: int) -> dict:
    """What deciding the order now would give; reads Odoo, records nothing, parks nothing."""
    try:
        facts = _identify(services, build_release_facts(services.odoo.read_release_bundle(order_id, None)))
    except OdooError as err:
        if err.category == "record_missing":
            raise NotFound(f"sale.order {order_id} does not exist in Odoo", code="order_not_found") from err
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category) from err
    if facts["order"]["state"] not in QUOTATION_STATES:
        raise Conflict(f"{facts['order']['name']} is in state '{facts['order']['state']}': only quotations "
                       "can be released", code="not_a_quotation")
    decision = evaluate(facts, services.policy, datetime.now(timezone.utc))
    return {"outcome": decision["outcome"], "summary": decision["summary"],
            "route": (decision.get("route") or {}).get("role"), "requested_by": facts["requested_by"]["login"]}
