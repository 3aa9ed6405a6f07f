"""The one pipeline every governed event runs, whatever its flow.

validate (envelope + the flow's contract) -> deduplicate (idempotency key) -> check intake (wait
for Odoo's commit, then ask Odoo whether the document matches the policy's intake domain) -> read
facts (the flow's reader) -> refuse undecidable states -> decide (policy engine) -> record
(decision, approval, outbox jobs, audit, idempotent answer: one transaction) -> answer.
When Odoo cannot answer, the event is parked as a replayable dead letter (503).
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timezone
from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError

from sidecar.advisory import approver_summary, service as advisory_service
from sidecar.errors import Conflict, DependencyDown, NotFound, PolicyInvalid
from sidecar.flows import approval_routing, registry, writebacks
from sidecar.flows.registry import APPROVE, REJECT, Flow
from sidecar.odoo.errors import OdooError
from sidecar.policy import evaluate
from sidecar.services import Services
from sidecar.store import audit, dead_letters, idempotency, jobs, releases
from sidecar.store.records import iso

logger = logging.getLogger(__name__)
OPERATION = "submit_event"
FIRST_POLL_SECONDS, MAX_POLL_SECONDS = 0.05, 1.0
T = TypeVar("T")


def request_hash(payload) -> str:
    """Stable hash of a request body, to tell a true repeat from a reused key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def describe(conn, release: dict, duplicate_of: str | None = None) -> dict:
    """The API view of a decision: outcome, approval and write-back jobs (`order_*` name its document)."""
    approval = releases.approval_for_release(conn, release["id"])
    return view(release, approval["id"] if approval else None, jobs.shown_for_release(conn, release["id"]),
                duplicate_of)


def shown(conn, release_id: str) -> dict | None:
    """The API view of a stored decision, read without its facts and its jobs' payloads; None when there is none."""
    release = releases.release_shown(conn, release_id)
    return view(release, release["approval_id"], jobs.shown_for_release(conn, release_id)) if release else None


def view(release: dict, approval_id: str | None, release_jobs: list[dict], duplicate_of: str | None = None) -> dict:
    """The API view of a decision from its row, its approval's id and its jobs."""
    return {
        "release_id": release["id"],
        "order_id": release["order_id"],
        "order_name": release["order_name"],
        "event_id": release["event_id"],
        "outcome": release["outcome"],
        "status": release["status"],
        "decision": release["decision"],
        "approval_id": approval_id,
        "jobs": [describe_job(job) for job in release_jobs],
        "duplicate_of": duplicate_of,
        "created_at": iso(release["created_at"]),
        "correlation_id": release.get("correlation_id"),  # the decided event's (the header has this request's)
    }


def describe_job(job: dict) -> dict:
    """The API view of one outbox job."""
    return {"id": job["id"], "operation": job["operation"], "state": job["state"],
            "attempts": job["attempts"], "last_error": job["last_error"], "category": job["category"]}


# -- Odoo's answers the intake needs (small functions: the gateway may answer them in fewer calls) --

def count(odoo, model: str, domain: list) -> int:
    """How many documents of `model` Odoo finds for `domain`, as committed."""
    return odoo.search_count(model, domain)


def written_since(odoo, model: str, doc_id: int, write_date: str) -> bool:
    """True once Odoo's committed write_date of the document has reached `write_date` (microseconds count)."""
    return bool(count(odoo, model, [("id", "=", doc_id), ("write_date", ">=", write_date)]))


def matches(odoo, model: str, doc_id: int, domain: list) -> bool:
    """True when the document, as committed, matches `domain`."""
    return bool(count(odoo, model, [("id", "=", doc_id), *domain]))


def exists(odoo, model: str, doc_id: int) -> bool:
    """True when Odoo has the document (in any company of the integration user)."""
    return bool(count(odoo, model, [("id", "=", doc_id)]))


def intake_domain(policy) -> list:
    """The policy's intake domain: which documents were submitted for a decision."""
    intake = policy.data["intake"]
    return intake["domain"] if "domain" in intake else intake["submitted_domain"]


def wait_for_commit(odoo, model: str, doc_id: int, write_date: str, wait_seconds: float,
                    sleep: Callable[[float], None] = time.sleep) -> bool:
    """Poll Odoo, at growing intervals, until the document's committed write_date reaches `write_date`.

    Odoo 17 posts an Automation Rule's webhook inside the transaction that made the change, before
    it commits (and may roll it back afterwards); deciding earlier would read the old document.
    """
    deadline, delay = time.monotonic() + wait_seconds, FIRST_POLL_SECONDS
    while not written_since(odoo, model, doc_id, write_date):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        sleep(min(delay, remaining))
        delay = min(delay * 2, MAX_POLL_SECONDS)
    return True


# -- the steps ------------------------------------------------------------------------------------

def _not_found(flow: Flow, doc_id: int) -> NotFound:
    return NotFound(f"{flow.model} {doc_id} does not exist in Odoo", code=flow.not_found_code)


def _ask_odoo(services: Services, flow: Flow, envelope: dict, key: str, question: Callable[[], T]) -> T:
    """Run one Odoo question; a missing document is a 404, an Odoo that cannot answer parks the event."""
    try:
        return question()
    except OdooError as err:
        if err.category == "record_missing":
            raise _not_found(flow, flow.request(envelope["data"])["id"]) from err
        letter_id = park_event(services, envelope, key, err)
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category,
                             details=[{"dead_letter_id": letter_id, "category": err.category}]) from err


def _refuse(services: Services, flow: Flow, envelope: dict, key: str, kind: str, error: Conflict) -> Conflict:
    """Audit an event that is not decided (nothing else is stored: a later delivery may succeed)."""
    with services.db.transaction() as conn:
        audit.append(conn, kind, key, {"type": envelope["type"], "event_id": envelope["id"], "flow": flow.name,
                                       "order_id": flow.request(envelope["data"])["id"], "code": error.code})
    return error


def check_intake(services: Services, flow: Flow, envelope: dict, key: str) -> dict:
    """Decide nothing until Odoo committed what the event describes and the document matches the intake domain."""
    request = flow.request(envelope["data"])
    doc_id, write_date, odoo, model = request["id"], request["write_date"], services.odoo, flow.model

    def ask(question):
        return _ask_odoo(services, flow, envelope, key, question)

    domain = intake_domain(registry.policy_for(services, flow))
    if ask(lambda: odoo.committed_match(model, doc_id, write_date, domain)):
        return request  # the common case, in one call: committed and submitted; else find out which is not
    if write_date and not ask(lambda: wait_for_commit(odoo, model, doc_id, write_date,
                                                      services.settings.commit_wait_seconds)):
        if not ask(lambda: exists(odoo, model, doc_id)):
            raise _not_found(flow, doc_id)
        raise _refuse(services, flow, envelope, key, "event.not_committed", Conflict(
            f"Odoo does not show {model} {doc_id} as written at {write_date} yet: its change was not "
            "committed (or was rolled back); nothing was decided", code="submission_not_committed",
            details=[{"pointer": "/data/write_date", "message": "not committed in Odoo"}]))
    if not ask(lambda: matches(odoo, model, doc_id, domain)):
        if not ask(lambda: exists(odoo, model, doc_id)):
            raise _not_found(flow, doc_id)
        raise _refuse(services, flow, envelope, key, "event.not_submitted", Conflict(
            f"{model} {doc_id} is not submitted for {flow.label} in Odoo (it does not match the policy's "
            "intake rule); nothing was decided", code="not_submitted",
            details=[{"pointer": "/data/_id", "message": f"does not match {json.dumps(domain)}"}]))
    return request


def refuse_undecidable(flow: Flow, facts: dict) -> None:
    """409 naming the document's state when the flow may not act on it."""
    document = flow.document(facts)
    if document["state"] not in flow.decidable_states:
        message = flow.undecidable_message.format(name=document.get("name"), state=document["state"],
                                                  flow=flow.name, states=", ".join(flow.decidable_states))
        raise Conflict(message, code=flow.undecidable_code,
                       details=[{"state": document["state"], "decidable_states": list(flow.decidable_states)}])


def decide(services: Services, flow: Flow, facts: dict) -> dict:
    """The policy in force's decision on the facts; 422 (nothing recorded) for an outcome the flow does not know."""
    policy = registry.policy_for(services, flow)
    decision = evaluate(facts, policy, datetime.now(timezone.utc))
    if decision["outcome"] not in flow.outcomes:
        declared = ((policy.data.get("decision") or {}).get("pass_outcome")) or "not set"
        raise PolicyInvalid(f"the policy of flow {flow.name} decided '{decision['outcome']}', which the flow does "
                            f"not know (its outcomes: {', '.join(flow.outcomes)}); nothing was decided",
                            code="policy_outcome_unknown",
                            details=[{"pointer": "/decision/pass_outcome", "message": f"is {declared}, the flow's "
                                      f"passing outcome is {flow.passing_outcome}"}])
    return decision


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


def _replayed_answer(existing: dict, digest: str) -> tuple[int, dict, bool]:
    if existing["request_hash"] != digest:
        raise Conflict("this idempotency key was used with a different body", code="idempotency_key_reused")
    return existing["status_code"], existing["response"], True


def submit(services: Services, envelope: dict, key: str | None = None) -> tuple[int, dict, bool]:
    """Run one event through its flow; returns (status, answer, replayed). Safe to repeat."""
    flow = registry.validate_event(envelope)
    key = key or envelope["id"]
    digest = request_hash(envelope)
    with services.db.read() as conn:
        existing = idempotency.find(conn, key)
    if existing:
        return _replayed_answer(existing, digest)
    request = check_intake(services, flow, envelope, key)
    facts = _ask_odoo(services, flow, envelope, key, lambda: flow.facts(services, request))
    refuse_undecidable(flow, facts)
    decision = decide(services, flow, facts)
    decision = _ask_odoo(services, flow, envelope, key, lambda: approval_routing.with_people(
        services, facts, decision, datetime.now(timezone.utc), registry.policy_for(services, flow)))
    # Advice goes beside the decision, never in it; the flow's check first, so an approver's summary can name it.
    decision = advisory_service.checked(services, flow, facts, decision)
    decision = advisory_service.advised(services, flow, facts, decision)
    for attempt in range(2):  # a concurrent twin may win the race once; then answer as it did
        try:
            return _record(services, flow, envelope, key, digest, facts, decision)
        except IntegrityError:
            if attempt:
                raise
            with services.db.read() as conn:
                existing = idempotency.find(conn, key)
            if existing:
                return _replayed_answer(existing, digest)
    raise AssertionError("unreachable")


def _record(services: Services, flow: Flow, envelope: dict, key: str, digest: str, facts: dict, decision: dict):
    """Store decision, approval, jobs, audit and the idempotent answer in one transaction."""
    document = flow.document(facts)
    with services.db.transaction() as conn:
        audit.append(conn, "event.received", key, {"type": envelope["type"], "event_id": envelope["id"],
                                                   "order_id": document["id"]})
        in_flight, refused = releases.release_in_flight(conn, flow.name, flow.model, document["id"]), None
        if in_flight and flow.same_ask and not flow.same_ask(in_flight["facts"], facts):
            audit.append(conn, "event.refused_in_flight", in_flight["id"], {"event_id": envelope["id"],
                                                                           "code": "decision_in_flight"})
            refused = in_flight  # audited; nothing else is stored, so the event can be sent again later
        elif in_flight:
            answer, status = describe(conn, in_flight, duplicate_of=in_flight["id"]), 200
            audit.append(conn, "event.duplicate", in_flight["id"], {"event_id": envelope["id"]})
        else:
            answer, status = _decide(conn, services, flow, envelope, facts, decision), 201
        if not refused:
            # Parked copies of this event, and of any other event for the same document, are now handled.
            dead_letters.resolve_handled(conn, key, document["id"], f"document decided in {answer['release_id']}",
                                         model=flow.model)
            idempotency.save(conn, key, OPERATION, digest, status, answer)
    if refused:
        raise Conflict(f"{flow.model} {document['id']} has a {flow.name} decision in flight ({refused['id']}) "
                       "for another ask; this one was not decided: send it again once that one is decided",
                       code="decision_in_flight", details=[{"release_id": refused["id"]}])
    return status, answer, False


def _decide(conn, services: Services, flow: Flow, envelope: dict, facts: dict, decision: dict) -> dict:
    document = flow.document(facts)
    requester = facts["requested_by"]["login"]
    status = {APPROVE: releases.AWAITING_APPROVAL, REJECT: releases.REJECTING}.get(decision["outcome"],
                                                                                   releases.RELEASING)
    release_id = releases.insert_release(
        conn, flow=flow.name, model=flow.model, order_id=document["id"], order_name=document["name"],
        event_id=envelope["id"], decision=decision, facts=facts, status=status, requested_by=requester)
    audit.append(conn, "decision.made", release_id, {
        "flow": flow.name, "model": flow.model, "order_id": document["id"], "outcome": decision["outcome"],
        "policy": decision["policy"], "reasons": [r["code"] for r in decision["reasons"] if not r["passed"]]})
    if decision.get("advice"):
        advisory_service.record(conn, release_id, decision["advice"])
    notices = []
    if decision["outcome"] == APPROVE:
        approval_id = approval_routing.open_approval(conn, release_id, document["id"], decision, requester)
        notices = approval_routing.notices(services, releases.get_approval(conn, approval_id), document,
                                           decision.get("summary", ""))
    operations = flow.writebacks(facts, decision, notices)
    writebacks.queue(conn, release_id, "decision", operations, services.settings.max_attempts,
                     {"id": release_id, "flow": flow.name, "model": flow.model, "facts": facts})
    if not operations:  # nothing to write back: a passing or rejecting decision is final at once
        writebacks.refresh_release(conn, release_id)
    if decision["outcome"] == APPROVE:  # parallel tiers open from the start get their own activity and links
        approval_routing.open_other_tiers(conn, services, approval_id, document, decision.get("summary", ""),
                                          flow.words, approver_summary.note(decision))
    if flow.on_decided:
        flow.on_decided(conn, release_id, facts, decision)
    return shown(conn, release_id)


def get_release(services: Services, release_id: str) -> dict:
    """One decision as the API shows it."""
    with services.db.read() as conn:
        answer = shown(conn, release_id)
    if answer is None:
        raise NotFound(f"no release {release_id}")
    return answer


def read_for_preview(services: Services, flow: Flow, doc_id: int, request: dict | None = None) -> dict:
    """The flow's facts of one document (with the event's request when given), for a preview: a missing
    document is a 404, Odoo down a 503."""
    try:
        return flow.facts(services, request) if request else flow.read_facts(services, doc_id)
    except OdooError as err:
        if err.category == "record_missing":
            raise _not_found(flow, doc_id) from err
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category) from err


def preview(services: Services, flow: Flow, doc_id: int) -> dict:
    """What deciding the document now would give; reads Odoo, records nothing, parks nothing."""
    facts = read_for_preview(services, flow, doc_id)
    refuse_undecidable(flow, facts)
    decision = decide(services, flow, facts)
    return {"outcome": decision["outcome"], "summary": decision["summary"],
            "route": (decision.get("route") or {}).get("role"), "requested_by": facts["requested_by"]["login"]}
