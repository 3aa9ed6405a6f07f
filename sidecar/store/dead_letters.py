"""Dead letters: work that could not be done, kept with a business-readable category."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.prepared import Prepared
from sidecar.store.records import as_dict, new_id, now
from sidecar.store.schema import dead_letters

JOB, EVENT, N8N_EXECUTION = "job", "event", "n8n_execution"
RECORD = "record"  # one record of an ingested payload that could not be synced (a mapping was missing)
OPEN = "open"
REPLAYED = "replayed"    # its work was queued or decided again
RESOLVED = "resolved"    # handled: by a later decision of the same order, or by hand (with a reason)
ABANDONED = "abandoned"  # ops gave up on it, with a reason
CLOSED = "closed"        # it can never replay (Odoo refused the replay for good), with the reason
LINKED = "linked"        # the same failure as another letter (`linked_to`), which carries it
STATUSES = [(OPEN, "Open"), (REPLAYED, "Replayed"), (RESOLVED, "Resolved"), (ABANDONED, "Abandoned"),
            (CLOSED, "Closed"), (LINKED, "Linked")]


def insert(conn: Connection, *, kind: str, category: str, summary: str, detail: dict,
           ref: str | None = None, status: str = OPEN, reason: str | None = None,
           linked_to: str | None = None) -> str:
    """Record a dead letter."""
    letter_id = new_id("dl")
    stamp = now()
    conn.execute(dead_letters.insert().values(
        id=letter_id, kind=kind, category=category, status=status, summary=summary, ref=ref,
        detail=detail, replay_count=0, created_at=stamp, updated_at=stamp, reason=reason, linked_to=linked_to,
    ))
    return letter_id


def get(conn: Connection, letter_id: str) -> dict | None:
    """One dead letter by id."""
    return as_dict(conn.execute(sa.select(dead_letters).where(dead_letters.c.id == letter_id)).first())


_OPEN_BY_REF = Prepared(sa.select(dead_letters).where(dead_letters.c.ref == sa.bindparam("ref"), dead_letters.c.status == OPEN))
_HOLDS_AN_EVENT = sa.or_(dead_letters.c.kind == EVENT, dead_letters.c.kind == N8N_EXECUTION)
_OPEN_EVENTS = Prepared(sa.select(dead_letters).where(dead_letters.c.status == OPEN, _HOLDS_AN_EVENT))
# A decision's one look at the letters it may have handled: open event letters, and the one under its key.
_OPEN_EVENTS_OR_REF = Prepared(sa.select(dead_letters).where(
    dead_letters.c.status == OPEN, sa.or_(_HOLDS_AN_EVENT, dead_letters.c.ref == sa.bindparam("ref"))))


def open_for_ref(conn: Connection, ref: str) -> dict | None:
    """The open dead letter holding a job, event or execution, if any."""
    return _OPEN_BY_REF.first(conn, {"ref": ref})


def latest_for_ref(conn: Connection, ref: str, kind: str | None = None) -> dict | None:
    """The newest letter holding `ref` (of `kind`), whatever its status."""
    query = sa.select(dead_letters).where(dead_letters.c.ref == ref)
    if kind:
        query = query.where(dead_letters.c.kind == kind)
    return as_dict(conn.execute(query.order_by(dead_letters.c.created_at.desc()).limit(1)).first())


def list_letters(conn: Connection, *, status: str | None = None, category: str | None = None,
                 kind: str | None = None, limit: int = 50, since: float | None = None) -> list[dict]:
    """Dead letters, newest first, filtered (`since`: made at or after that moment)."""
    query = sa.select(dead_letters).order_by(dead_letters.c.created_at.desc()).limit(limit)
    if since is not None:
        query = query.where(dead_letters.c.created_at >= since)
    for column, value in ((dead_letters.c.status, status), (dead_letters.c.category, category),
                          (dead_letters.c.kind, kind)):
        if value:
            query = query.where(column == value)
    return [as_dict(row) for row in conn.execute(query)]


def open_events_for_order(conn: Connection, order_id: int, model: str = "sale.order") -> list[dict]:
    """Open letters that hold an event about document `model` `order_id` (parked events, n8n reports)."""
    query = _OPEN_EVENTS  # built once, as every statement of a decision's transaction (see store/releases.py)
    # Open event letters are few (an outage's worth at most): matching in Python keeps the
    # JSON query portable between SQLite and PostgreSQL.
    return [letter for letter in query.all(conn)
            if _order_of(letter["detail"]) == (model, order_id)]


def resolve_handled(conn: Connection, key: str, order_id: int, reason: str, model: str = "sale.order") -> list[str]:
    """An event for the document was decided: its parked letters, under this key or any other, are handled
    (found in one statement: every decision asks, and nearly always finds none)."""
    handled = [letter["id"] for letter in _OPEN_EVENTS_OR_REF.all(conn, {"ref": key})
               if letter["ref"] == key or (letter["kind"] in (EVENT, N8N_EXECUTION)
                                          and _order_of(letter["detail"]) == (model, order_id))]
    return [letter_id for letter_id in handled if close(conn, letter_id, RESOLVED, reason)]


def _order_of(detail) -> tuple[str, int] | None:
    """(model, id) of the document a letter's event is about (Odoo's webhook shape: `_model`, `_id`)."""
    data = ((detail or {}).get("event") or {}).get("data") if isinstance(detail, dict) else None
    if not isinstance(data, dict):
        return None
    order_id = data.get("_id")
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        return None
    return data.get("_model") or "sale.order", order_id


def touch(conn: Connection, letter_id: str, summary: str, detail: dict, reason: str | None = None) -> None:
    """The same failure happened again: refresh what the letter says."""
    conn.execute(dead_letters.update().where(dead_letters.c.id == letter_id).values(
        summary=summary, detail=detail, reason=reason, updated_at=now()))


def set_status(conn: Connection, letter_id: str, status: str, *, replayed: bool = False) -> None:
    """Move a dead letter on (replayed counts one more replay)."""
    values = {"status": status, "updated_at": now()}
    if replayed:
        values["replay_count"] = dead_letters.c.replay_count + 1
    conn.execute(dead_letters.update().where(dead_letters.c.id == letter_id).values(**values))


def close(conn: Connection, letter_id: str, status: str, reason: str, *, by: str | None = None,
          linked_to: str | None = None) -> bool:
    """Take an open letter out of the queue for good, saying why; False when it was not open."""
    result = conn.execute(dead_letters.update().where(
        dead_letters.c.id == letter_id, dead_letters.c.status == OPEN).values(
        status=status, reason=reason, closed_by=by, linked_to=linked_to, updated_at=now()))
    return result.rowcount == 1
