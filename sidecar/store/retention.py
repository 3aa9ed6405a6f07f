"""Retention: idempotency records, finished outbox jobs and closed dead letters expire after their window.

Rows go in batches, each its own short transaction, so no lock is held for long. The audit trail is kept:
its entries may name pruned jobs, letters and keys, and still verify (a seal covers the entry, not the rows
it names). Each run (not a dry one) appends one audit entry with its counts, zeros included.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store import audit, dead_letters, jobs
from sidecar.store.database import Database
from sidecar.store.records import iso, now
from sidecar.store.schema import dead_letters as letters_table
from sidecar.store.schema import idempotency, releases
from sidecar.store.schema import jobs as jobs_table

DAY = 86400.0
DEFAULT_BATCH = 500  # rows per delete: a few milliseconds of the write lock
KINDS = ("idempotency", "jobs", "dead_letters")


@dataclass(frozen=True)
class Retention:
    """How many days each kind of row is kept (None: forever) and how many rows one delete takes."""

    idempotency_days: float | None = 30.0
    jobs_days: float | None = 30.0
    dead_letters_days: float | None = 90.0
    batch: int = DEFAULT_BATCH

    @classmethod
    def from_settings(cls, settings) -> "Retention":
        """The windows SIDECAR_RETENTION_* configure."""
        return cls(settings.retention_idempotency_days, settings.retention_jobs_days,
                   settings.retention_dead_letters_days, settings.retention_batch)

    def cutoffs(self, at: float) -> dict[str, float | None]:
        """Per kind, the time before which its rows have expired (None: kept)."""
        days = {"idempotency": self.idempotency_days, "jobs": self.jobs_days, "dead_letters": self.dead_letters_days}
        return {kind: None if value is None else at - value * DAY for kind, value in days.items()}


def _expired(kind: str, cutoff: float):
    """(table, key column, condition) of the rows of `kind` that expired before `cutoff`."""
    if kind == "idempotency":
        return idempotency, idempotency.c.key, idempotency.c.created_at < cutoff
    if kind == "jobs":
        # Finished, and nothing still needs them: no open letter holds them, their decision is out of flight.
        open_letter = sa.exists().where(letters_table.c.ref == jobs_table.c.id,
                                        letters_table.c.status == dead_letters.OPEN)
        in_flight = sa.exists().where(releases.c.id == jobs_table.c.release_id, releases.c.in_flight == 1)
        return jobs_table, jobs_table.c.id, sa.and_(jobs_table.c.state.in_(jobs.SETTLED),
                                                    jobs_table.c.updated_at < cutoff,
                                                    sa.not_(open_letter), sa.not_(in_flight))
    return letters_table, letters_table.c.id, sa.and_(letters_table.c.status != dead_letters.OPEN,
                                                      letters_table.c.updated_at < cutoff)


def count_expired(conn: Connection, kind: str, cutoff: float) -> int:
    """How many rows of `kind` a prune at `cutoff` would delete."""
    table, _, condition = _expired(kind, cutoff)
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one()


def delete_expired(conn: Connection, kind: str, cutoff: float, limit: int) -> int:
    """Delete up to `limit` expired rows of `kind`; how many went."""
    table, key, condition = _expired(kind, cutoff)
    batch = sa.select(key).where(condition).limit(limit).scalar_subquery()
    return conn.execute(sa.delete(table).where(key.in_(batch))).rowcount


def prune(db: Database, retention: Retention, *, dry_run: bool = False, actor: str | None = None,
          at: float | None = None, seconds: float | None = None) -> dict:
    """Delete what expired, batch by batch (or, dry, count it); each run but a dry one is one audit entry.

    `seconds` bounds the run (the worker prunes between jobs): `complete` is False when rows remain.
    """
    at = now() if at is None else at
    deadline = None if seconds is None else time.monotonic() + seconds
    cutoffs = retention.cutoffs(at)
    counts, complete = {}, True
    for kind in KINDS:
        cutoff, counts[kind] = cutoffs[kind], 0
        if cutoff is None:
            continue
        if dry_run:
            with db.read() as conn:
                counts[kind] = count_expired(conn, kind, cutoff)
            continue
        while True:
            with db.transaction() as conn:
                deleted = delete_expired(conn, kind, cutoff, retention.batch)
            counts[kind] += deleted
            if deleted < retention.batch:
                break
            if deadline is not None and time.monotonic() > deadline:
                complete = False
                break
        if not complete:
            break
    report = {"dry_run": dry_run, "complete": complete, "pruned": counts,
              "before": {kind: iso(cutoff) for kind, cutoff in cutoffs.items()}}
    if not dry_run:
        with db.transaction() as conn:
            report["audit_seq"] = audit.append_now(conn, "store.pruned", "retention",
                                                   {key: report[key] for key in ("pruned", "before", "complete")},
                                                   actor=actor)
    return report
