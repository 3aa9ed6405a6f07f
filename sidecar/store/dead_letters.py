"""Dead letters: work that could not be done, kept with a business-readable category."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import as_dict, new_id, now
from sidecar.store.schema import dead_letters

JOB, EVENT, N8N_EXECUTION = "job", "event", "n8n_execution"
OPEN, REPLAYED, RESOLVED = "open", "replayed", "resolved"
STATUSES = [(OPEN, "Open"), (REPLAYED, "Replayed"), (RESOLVED, "Resolved")]


def insert(conn: Connection, *, kind: str, category: str, summary: str, detail: dict,
           ref: str | None = None) -> str:
    """Record a dead letter."""
    letter_id = new_id("dl")
    stamp = now()
    conn.execute(dead_letters.insert().values(
        id=letter_id, kind=kind, category=category, status=OPEN, summary=summary, ref=ref,
        detail=detail, replay_count=0, created_at=stamp, updated_at=stamp,
    ))
    return letter_id


def get(conn: Connection, letter_id: str) -> dict | None:
    """One dead letter by id."""
    return as_dict(conn.execute(sa.select(dead_letters).where(dead_letters.c.id == letter_id)).first())


def open_for_ref(conn: Connection, ref: str) -> dict | None:
    """The open dead letter holding a job, event or execution, if any."""
    query = sa.select(dead_letters).where(dead_letters.c.ref == ref, dead_letters.c.status == OPEN)
    return as_dict(conn.execute(query).first())


def list_letters(conn: Connection, *, status: str | None = None, category: str | None = None,
                 kind: str | None = None, limit: int = 50) -> list[dict]:
    """Dead letters, newest first, filtered."""
    query = sa.select(dead_letters).order_by(dead_letters.c.created_at.desc()).limit(limit)
    for column, value in ((dead_letters.c.status, status), (dead_letters.c.category, category),
                          (dead_letters.c.kind, kind)):
        if value:
            query = query.where(column == value)
    return [as_dict(row) for row in conn.execute(query)]


def touch(conn: Connection, letter_id: str, summary: str, detail: dict) -> None:
    """The same failure happened again: refresh what the letter says."""
    conn.execute(dead_letters.update().where(dead_letters.c.id == letter_id).values(
        summary=summary, detail=detail, updated_at=now()))


def set_status(conn: Connection, letter_id: str, status: str, *, replayed: bool = False) -> None:
    """Move a dead letter on (replayed counts one more replay)."""
    values = {"status": status, "updated_at": now()}
    if replayed:
        values["replay_count"] = dead_letters.c.replay_count + 1
    conn.execute(dead_letters.update().where(dead_letters.c.id == letter_id).values(**values))
