"""Outbox jobs: write-backs waiting for Odoo, modelled as a small state machine."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import as_dict, new_id, now
from sidecar.store.schema import jobs

PENDING = "pending"   # waiting for its next attempt
STARTED = "started"   # claimed by a worker until locked_until
DONE = "done"
DEAD = "dead"         # budget exhausted or permanent error: a dead letter holds it
STATES = [(PENDING, "Pending"), (STARTED, "Started"), (DONE, "Done"), (DEAD, "Dead letter")]

LOCK_SECONDS = 120  # a crashed worker's claim expires after this


def enqueue(conn: Connection, *, idempotency_key: str, operation: str, payload: dict,
            release_id: str | None, max_attempts: int) -> str:
    """Add a job; IntegrityError when its idempotency key was ever used."""
    job_id = new_id("job")
    stamp = now()
    conn.execute(jobs.insert().values(
        id=job_id, idempotency_key=idempotency_key, release_id=release_id, operation=operation,
        payload=payload, state=PENDING, attempts=0, max_attempts=max_attempts,
        next_attempt_at=stamp, created_at=stamp, updated_at=stamp,
    ))
    return job_id


def get(conn: Connection, job_id: str) -> dict | None:
    """One job by id."""
    return as_dict(conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first())


def for_release(conn: Connection, release_id: str) -> list[dict]:
    """A release's jobs in the order they were queued."""
    query = sa.select(jobs).where(jobs.c.release_id == release_id).order_by(jobs.c.created_at, jobs.c.id)
    return [as_dict(row) for row in conn.execute(query)]


def claim_due(conn: Connection, limit: int = 10) -> list[dict]:
    """Claim jobs whose time has come (or whose worker died); each claim is a conditional update."""
    stamp = now()
    due = sa.or_(
        sa.and_(jobs.c.state == PENDING, jobs.c.next_attempt_at <= stamp),
        sa.and_(jobs.c.state == STARTED, jobs.c.locked_until < stamp),
    )
    candidates = conn.execute(sa.select(jobs.c.id).where(due).order_by(jobs.c.next_attempt_at).limit(limit)).all()
    claimed = []
    for (job_id,) in candidates:
        result = conn.execute(jobs.update().where(jobs.c.id == job_id, due).values(
            state=STARTED, locked_until=stamp + LOCK_SECONDS, attempts=jobs.c.attempts + 1, updated_at=stamp,
        ))
        if result.rowcount == 1:
            claimed.append(get(conn, job_id))
    return claimed


def set_done(conn: Connection, job_id: str, result: dict) -> None:
    """The write-back took effect (now or earlier)."""
    stamp = now()
    conn.execute(jobs.update().where(jobs.c.id == job_id).values(
        state=DONE, result=result, locked_until=None, last_error=None, category=None,
        done_at=stamp, updated_at=stamp,
    ))


def set_retry(conn: Connection, job_id: str, delay_seconds: float, error: str, category: str) -> None:
    """Try again after `delay_seconds`."""
    stamp = now()
    conn.execute(jobs.update().where(jobs.c.id == job_id).values(
        state=PENDING, next_attempt_at=stamp + delay_seconds, locked_until=None,
        last_error=error, category=category, updated_at=stamp,
    ))


def set_dead(conn: Connection, job_id: str, error: str, category: str) -> None:
    """No more attempts; a dead letter now holds the job."""
    conn.execute(jobs.update().where(jobs.c.id == job_id).values(
        state=DEAD, locked_until=None, last_error=error, category=category, updated_at=now(),
    ))


def requeue(conn: Connection, job_id: str) -> bool:
    """Give a dead job a fresh budget, due now; False unless it was dead."""
    stamp = now()
    result = conn.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.state == DEAD).values(
        state=PENDING, attempts=0, next_attempt_at=stamp, locked_until=None, updated_at=stamp,
    ))
    return result.rowcount == 1


def count_by_state(conn: Connection) -> dict[str, int]:
    """How many jobs are in each state."""
    query = sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)
    return {state: count for state, count in conn.execute(query)}
