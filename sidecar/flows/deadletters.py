"""Dead letters over HTTP and the CLI: record n8n failures, list, show, replay, resolve, abandon."""
from __future__ import annotations

from sidecar import contracts
from sidecar.errors import Conflict, NotFound, SidecarError
from sidecar.flows import advice_rank, letter_advice, pipeline, registry, writebacks
from sidecar.odoo.errors import CATEGORY_LABELS
from sidecar.services import Services
from sidecar.store import audit, dead_letters, jobs
from sidecar.store.records import MAX_PAGE, iso

N8N_FAILURE = "n8n_failure"
MAPPING_MISSING = "mapping_missing"  # an ingested record names a SKU, unit or partner nobody mapped yet
LABELS = {**CATEGORY_LABELS, N8N_FAILURE: "n8n execution failed", MAPPING_MISSING: "Mapping missing"}
CATEGORIES = tuple(LABELS)
STATUSES = tuple(value for value, _ in dead_letters.STATUSES)
KINDS = (dead_letters.JOB, dead_letters.EVENT, dead_letters.N8N_EXECUTION, dead_letters.RECORD)
NEWEST, PRIORITY, SORTS = advice_rank.NEWEST, advice_rank.PRIORITY, advice_rank.SORTS


def event_flow(letter: dict) -> str | None:
    """The flow of the event a letter carries (a parked event, an n8n report with its event), if any."""
    event = letter["detail"].get("event") if isinstance(letter["detail"], dict) else None
    event_type = event.get("type") if isinstance(event, dict) else None
    if not isinstance(event_type, str):
        return None
    return next((flow.name for flow in registry.flows() if flow.event_type == event_type), None)


def describe(letter: dict, full: bool = False, job_flow: str | None = None) -> dict:
    """The API view of a dead letter (with its detail when `full`); `job_flow`: the flow that decided its job."""
    view = {
        "id": letter["id"], "kind": letter["kind"], "category": letter["category"],
        "flow": event_flow(letter) or job_flow,
        "category_label": LABELS.get(letter["category"], letter["category"]),
        "status": letter["status"], "summary": letter["summary"], "ref": letter["ref"],
        "replayable": replayable(letter), "replay_count": letter["replay_count"],
        "reason": letter["reason"], "closed_by": letter["closed_by"], "linked_to": letter["linked_to"],
        "created_at": iso(letter["created_at"]), "updated_at": iso(letter["updated_at"]),
    }
    if full:
        view["detail"] = letter["detail"]
    return view


def replayable(letter: dict) -> bool:
    """Whether the sidecar itself can redo this letter's work (an open n8n report needs a valid event)."""
    if letter["status"] != dead_letters.OPEN:
        return False
    return letter["kind"] != dead_letters.N8N_EXECUTION or ("event" in letter["detail"] and not letter["reason"])


def _job_flows(conn, letters: list[dict]) -> dict[str, str]:
    """The flow that decided each job letter's release, by job id."""
    return jobs.flows_of(conn, [row["ref"] for row in letters if row["kind"] == dead_letters.JOB and row["ref"]])


def list_letters(services: Services, *, status=None, category=None, kind=None, flow=None,
                 limit: int = 50, sort: str = NEWEST, advised: bool = True) -> list[dict]:
    """Dead letters, newest first (or by the advice's priority); `flow` keeps those whose work belongs to that
    flow; `advised`: each with its advice (category and priority), which nothing else here reads."""
    limit = min(limit, MAX_PAGE)
    with services.db.read() as conn:
        # A letter's flow lies in its detail or its job's release, its priority in advice: both are applied
        # here, to a page as large as allowed.
        rows = dead_letters.list_letters(conn, status=status, category=category, kind=kind,
                                         limit=MAX_PAGE if flow else advice_rank.fetched(limit, sort))
        job_flows = _job_flows(conn, rows)
        rows = [row for row in rows if not flow or (event_flow(row) or job_flows.get(row["ref"])) == flow]
        rows = rows if sort == PRIORITY else rows[:limit]
        advice = letter_advice.advice_for(conn, services.settings.advisory, rows) if advised else None
    views = [describe(row, job_flow=job_flows.get(row["ref"])) for row in rows]
    if advice is not None:
        for view in views:
            view["advice"] = advice.get(view["id"])
    return advice_rank.rank(views, sort)[:limit]


def get_letter(services: Services, letter_id: str) -> dict:
    """One dead letter with its detail and its advice (category and priority)."""
    with services.db.read() as conn:
        letter = dead_letters.get(conn, letter_id)
        if letter is None:
            raise NotFound(f"no dead letter {letter_id}")
        view = describe(letter, full=True, job_flow=_job_flows(conn, [letter]).get(letter["ref"]))
        view["advice"] = letter_advice.advice_for(conn, services.settings.advisory, [letter]).get(letter_id)
        return view


def _report_problem(report: dict) -> str | None:
    """Why the sidecar cannot replay this report itself; None when its event can be submitted."""
    if "event" not in report:
        return f"no event in the report; re-run execution {report['execution']['id']} in n8n"
    found = registry.event_problems(report["event"])
    if not found:
        return None
    listed = "; ".join(f"{p['pointer'] or '/'}: {p['message'][:200]}" for p in found[:3])
    return f"its event does not match the event contract: {listed}"


def record_failure(services: Services, report: dict) -> dict:
    """A failed n8n execution becomes one dead letter (a repeat report updates it).

    When the failed execution was handling an event the sidecar already parked (same idempotency
    key), the report is linked to that letter instead of opening a twin: one failure, one letter.
    """
    contracts.validate("failure_report.v1", report)
    execution, workflow = report["execution"], report["workflow"]
    ref = f"n8n:{workflow.get('id', workflow['name'])}:{execution['id']}"
    error = (execution.get("error") or {}).get("message", "no error message")
    summary = f"{workflow['name']} failed at {execution.get('lastNodeExecuted', 'an unknown node')}: {error}"
    problem = _report_problem(report)
    with services.db.transaction() as conn:
        letter = dead_letters.latest_for_ref(conn, ref, dead_letters.N8N_EXECUTION)
        if letter and letter["status"] == dead_letters.OPEN:
            dead_letters.touch(conn, letter["id"], summary, report, reason=problem)
            return describe(dead_letters.get(conn, letter["id"]), full=True)
        if letter:  # reported again after it was linked, replayed or closed: nothing new to do
            return describe(letter, full=True)
        twin = None if problem else dead_letters.latest_for_ref(conn, report["event"]["id"], dead_letters.EVENT)
        if twin:
            letter_id = dead_letters.insert(
                conn, kind=dead_letters.N8N_EXECUTION, category=N8N_FAILURE, summary=summary, detail=report,
                ref=ref, status=dead_letters.LINKED, linked_to=twin["id"],
                reason=f"the sidecar's own letter {twin['id']} holds this failure")
        else:
            letter_id = dead_letters.insert(conn, kind=dead_letters.N8N_EXECUTION, category=N8N_FAILURE,
                                            summary=summary, detail=report, ref=ref, reason=problem)
        audit.append(conn, "n8n.failed", ref, {"dead_letter_id": letter_id, "error": error,
                                               "linked_to": twin["id"] if twin else None})
        return describe(dead_letters.get(conn, letter_id), full=True)


def _open_letter(conn, letter_id: str) -> dict:
    """The letter, when it exists and is still open; 404 or 409 otherwise."""
    letter = dead_letters.get(conn, letter_id)
    if letter is None:
        raise NotFound(f"no dead letter {letter_id}")
    if letter["status"] != dead_letters.OPEN:
        raise Conflict(f"dead letter {letter_id} is {letter['status']}, not open", code="not_open")
    return letter


def replay(services: Services, letter_id: str, actor: str | None = None) -> dict:
    """Redo one dead letter's work; work that already took effect takes none again."""
    with services.db.read() as conn:
        letter = _open_letter(conn, letter_id)
    if not replayable(letter):
        raise Conflict(f"dead letter {letter_id} cannot be replayed by the sidecar: {letter['reason']}",
                       code="not_replayable")
    if letter["kind"] == dead_letters.JOB:
        return _replay_job(services, letter, actor)
    if letter["kind"] == dead_letters.RECORD:
        from sidecar.flows import sync  # sync imports this module's LABELS
        return sync.replay_letter(services, letter, actor)
    return _replay_event(services, letter, actor)


def _replay_job(services: Services, letter: dict, actor: str | None) -> dict:
    with services.db.transaction() as conn:
        if jobs.requeue(conn, letter["ref"]):
            dead_letters.set_status(conn, letter["id"], dead_letters.REPLAYED, replayed=True)
            audit.append(conn, "deadletter.replayed", letter["id"], {"job_id": letter["ref"]}, actor=actor)
            writebacks.refresh_release(conn, jobs.get(conn, letter["ref"])["release_id"])  # no longer blocked
            return describe(dead_letters.get(conn, letter["id"]))
        reason = f"job {letter['ref']} is not dead any more; nothing to replay"
        _close(conn, letter, dead_letters.CLOSED, reason, actor)
    raise Conflict(f"dead letter {letter['id']} was closed: {reason}", code="not_open",
                   details=[{"dead_letter_id": letter["id"], "status": dead_letters.CLOSED, "reason": reason}])


def _replay_event(services: Services, letter: dict, actor: str | None) -> dict:
    detail = letter["detail"]
    event = detail["event"]
    key = detail.get("idempotency_key") or event.get("id")
    try:
        status, answer, repeated = pipeline.submit(services, event, key)  # resolves a parked event letter itself
    except SidecarError as err:
        if err.status < 500:
            _refused_for_good(services, letter, err, actor)
        _keep_one_letter(services, letter, err, actor)
        raise
    with services.db.transaction() as conn:
        current = dead_letters.get(conn, letter["id"])
        if current["status"] == dead_letters.OPEN:
            dead_letters.set_status(conn, letter["id"], dead_letters.REPLAYED, replayed=True)
        audit.append(conn, "deadletter.replayed", letter["id"], {"event_id": event.get("id"), "status": status},
                     actor=actor)
        view = describe(dead_letters.get(conn, letter["id"]))
    view["result"] = answer
    # The event was decided before (its key answered from the store, or its document already decided): no new effect.
    view["already_done"] = repeated or status == 200
    return view


def _refused_for_good(services: Services, letter: dict, err: SidecarError, actor: str | None) -> None:
    """Every later replay would get the same 4xx (not a quotation any more, order deleted): close it."""
    reason = f"replay refused for good ({err.status} {err.code}): {err.message}"
    with services.db.transaction() as conn:
        _close(conn, letter, dead_letters.CLOSED, reason, actor)
    raise Conflict(f"dead letter {letter['id']} can never replay and is now closed: {err.message}",
                   code="replay_refused", details=[{"dead_letter_id": letter["id"], "status": dead_letters.CLOSED,
                                                    "cause": err.code, "reason": reason}]) from err


def _keep_one_letter(services: Services, letter: dict, err: SidecarError, actor: str | None) -> None:
    """Odoo is still down: if the replay parked the event in a new letter, this one links to it."""
    parked = next((d.get("dead_letter_id") for d in err.details if isinstance(d, dict)), None)
    if parked and parked != letter["id"]:
        with services.db.transaction() as conn:
            _close(conn, letter, dead_letters.LINKED, f"the replay parked the event again as {parked}", actor,
                   linked_to=parked)


def _close(conn, letter: dict, status: str, reason: str, actor: str | None, linked_to: str | None = None) -> None:
    if dead_letters.close(conn, letter["id"], status, reason, by=actor, linked_to=linked_to):
        audit.append(conn, f"deadletter.{status}", letter["id"],
                     {"reason": reason, "ref": letter["ref"], "linked_to": linked_to}, actor=actor)


def resolve(services: Services, letter_id: str, body: dict, actor: str | None) -> dict:
    """Close an open letter whose work was done another way (by hand in Odoo, say)."""
    return _close_by_hand(services, letter_id, body, actor, dead_letters.RESOLVED)


def abandon(services: Services, letter_id: str, body: dict, actor: str | None) -> dict:
    """Close an open letter whose work nobody will do."""
    return _close_by_hand(services, letter_id, body, actor, dead_letters.ABANDONED)


def _close_by_hand(services: Services, letter_id: str, body: dict, actor: str | None, status: str) -> dict:
    contracts.validate("dead_letter_closing.v1", body)
    with services.db.transaction() as conn:
        letter = _open_letter(conn, letter_id)
        reason = body["reason"].strip()
        _close(conn, letter, status, reason, actor)
        if letter["kind"] == dead_letters.JOB:
            _settle_job(conn, letter["ref"], status, reason, actor)
        return describe(dead_letters.get(conn, letter_id), full=True)


def _settle_job(conn, job_id: str, status: str, reason: str, actor: str | None) -> None:
    """A job letter closed by hand moves its release on: resolved counts the job as done; abandoned
    gives the release up (out of flight, so the order can be submitted again) with its other letters."""
    if status == dead_letters.RESOLVED:
        writebacks.resolve_job(conn, job_id, reason, actor)
        return
    job = jobs.get(conn, job_id)
    if job is None or not job["release_id"]:
        return
    for settled in writebacks.abandon_release_jobs(conn, job["release_id"], reason, actor):
        sibling = dead_letters.open_for_ref(conn, settled)
        if sibling:
            _close(conn, sibling, dead_letters.ABANDONED, reason, actor)


def replay_many(services: Services, body: dict, actor: str | None = None, progress=None) -> dict:
    """Replay by ids, or every open letter of a category; report what was skipped and why.
    `progress(letter_id, view, error)` hears of each letter as it ends."""
    contracts.validate("replay_request.v1", body)
    ids = body["ids"] if "ids" in body else open_ids(services, body.get("category"), body.get("limit", MAX_PAGE))
    replayed, skipped = [], []
    for letter_id, view, err in replay_each(services, ids, actor):
        if progress is not None:
            progress(letter_id, view, err)
        if err is None:
            replayed.append(view)
        else:
            skipped.append({"id": letter_id, "code": err.code, "message": err.message})
    return {"replayed": replayed, "skipped": skipped}


def open_ids(services: Services, category: str | None = None, limit: int = MAX_PAGE) -> list[str]:
    """Ids of the open letters (of a category), newest first: what a bulk replay takes."""
    return [row["id"] for row in list_letters(services, status=dead_letters.OPEN, category=category, limit=limit,
                                              advised=False)]


def replay_each(services: Services, ids, actor: str | None = None):
    """Replay letters one by one, yielding (id, view, None) or (id, None, error) as each ends: for progress."""
    for letter_id in ids:
        try:
            yield letter_id, replay(services, letter_id, actor), None
        except SidecarError as err:
            yield letter_id, None, err
