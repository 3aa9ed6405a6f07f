"""Dead letters over HTTP and the CLI: record n8n failures, list, show, replay."""
from __future__ import annotations

from sidecar import contracts
from sidecar.errors import Conflict, NotFound, SidecarError
from sidecar.flows.release import submit_release
from sidecar.odoo.errors import CATEGORY_LABELS
from sidecar.services import Services
from sidecar.store import audit, dead_letters, jobs
from sidecar.store.records import iso

MAX_PAGE = 200
N8N_FAILURE = "n8n_failure"
LABELS = {**CATEGORY_LABELS, N8N_FAILURE: "n8n execution failed"}


def describe(letter: dict, full: bool = False) -> dict:
    """The API view of a dead letter (with its detail when `full`)."""
    view = {
        "id": letter["id"], "kind": letter["kind"], "category": letter["category"],
        "category_label": LABELS.get(letter["category"], letter["category"]),
        "status": letter["status"], "summary": letter["summary"], "ref": letter["ref"],
        "replayable": replayable(letter), "replay_count": letter["replay_count"],
        "created_at": iso(letter["created_at"]), "updated_at": iso(letter["updated_at"]),
    }
    if full:
        view["detail"] = letter["detail"]
    return view


def replayable(letter: dict) -> bool:
    """Whether the sidecar itself can redo this letter's work."""
    return letter["status"] == dead_letters.OPEN and (
        letter["kind"] != dead_letters.N8N_EXECUTION or "event" in letter["detail"])


def list_letters(services: Services, *, status=None, category=None, kind=None, limit: int = 50) -> list[dict]:
    """Dead letters, newest first."""
    with services.db.read() as conn:
        rows = dead_letters.list_letters(conn, status=status, category=category, kind=kind,
                                         limit=min(limit, MAX_PAGE))
    return [describe(row) for row in rows]


def get_letter(services: Services, letter_id: str) -> dict:
    """One dead letter with its detail."""
    with services.db.read() as conn:
        letter = dead_letters.get(conn, letter_id)
    if letter is None:
        raise NotFound(f"no dead letter {letter_id}")
    return describe(letter, full=True)


def record_failure(services: Services, report: dict) -> dict:
    """A failed n8n execution becomes one dead letter (a repeat report updates it)."""
    contracts.validate("failure_report.v1", report)
    execution, workflow = report["execution"], report["workflow"]
    ref = f"n8n:{workflow.get('id', workflow['name'])}:{execution['id']}"
    error = (execution.get("error") or {}).get("message", "no error message")
    summary = f"{workflow['name']} failed at {execution.get('lastNodeExecuted', 'an unknown node')}: {error}"
    with services.db.transaction() as conn:
        letter = dead_letters.open_for_ref(conn, ref)
        if letter:
            dead_letters.touch(conn, letter["id"], summary, report)
            letter_id = letter["id"]
        else:
            letter_id = dead_letters.insert(conn, kind=dead_letters.N8N_EXECUTION, category=N8N_FAILURE,
                                            summary=summary, detail=report, ref=ref)
            audit.append(conn, "n8n.failed", ref, {"dead_letter_id": letter_id, "error": error})
        return describe(dead_letters.get(conn, letter_id), full=True)


def replay(services: Services, letter_id: str, actor: str | None = None) -> dict:
    """Redo one dead letter's work; work that already took effect takes none again."""
    with services.db.transaction() as conn:
        letter = dead_letters.get(conn, letter_id)
    if letter is None:
        raise NotFound(f"no dead letter {letter_id}")
    if letter["status"] != dead_letters.OPEN:
        raise Conflict(f"dead letter {letter_id} is {letter['status']}, not open", code="not_open")
    if not replayable(letter):
        raise Conflict(f"dead letter {letter_id} has no event to replay; re-run execution "
                       f"{letter['detail']['execution']['id']} in n8n", code="not_replayable")
    if letter["kind"] == dead_letters.JOB:
        return _replay_job(services, letter, actor)
    return _replay_event(services, letter, actor)


def _replay_job(services: Services, letter: dict, actor: str | None) -> dict:
    with services.db.transaction() as conn:
        if not jobs.requeue(conn, letter["ref"]):
            raise Conflict(f"job {letter['ref']} is not dead any more", code="not_open")
        dead_letters.set_status(conn, letter["id"], dead_letters.REPLAYED, replayed=True)
        audit.append(conn, "deadletter.replayed", letter["id"], {"job_id": letter["ref"]}, actor=actor)
        return describe(dead_letters.get(conn, letter["id"]))


def _replay_event(services: Services, letter: dict, actor: str | None) -> dict:
    detail = letter["detail"]
    event = detail["event"]
    key = detail.get("idempotency_key") or event.get("id")
    status, answer, _ = submit_release(services, event, key)  # resolves a parked event letter itself
    with services.db.transaction() as conn:
        current = dead_letters.get(conn, letter["id"])
        if current["status"] == dead_letters.OPEN:
            dead_letters.set_status(conn, letter["id"], dead_letters.REPLAYED, replayed=True)
        audit.append(conn, "deadletter.replayed", letter["id"], {"event_id": event.get("id"), "status": status},
                     actor=actor)
        view = describe(dead_letters.get(conn, letter["id"]))
    view["result"] = answer
    return view


def replay_many(services: Services, body: dict, actor: str | None = None) -> dict:
    """Replay by ids, or every open letter of a category; report what was skipped and why."""
    contracts.validate("replay_request.v1", body)
    if "ids" in body:
        ids = body["ids"]
    else:
        limit = body.get("limit", MAX_PAGE)
        ids = [row["id"] for row in list_letters(services, status=dead_letters.OPEN,
                                                 category=body.get("category"), limit=limit)]
    replayed, skipped = [], []
    for letter_id in ids:
        try:
            replayed.append(replay(services, letter_id, actor))
        except SidecarError as err:
            skipped.append({"id": letter_id, "code": err.code, "message": err.message})
    return {"replayed": replayed, "skipped": skipped}
