"""What the ops console reads: decisions per flow and outcome, a document's subjects, the audit trail searched."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import MAX_PAGE
from sidecar.store.schema import approvals, audit_log, dead_letters, jobs, releases

FLOW = sa.func.coalesce(releases.c.flow, "sales-order-release")  # decisions from before flows


def decisions_by_flow(conn: Connection, since: float) -> list[tuple[str, str, int]]:
    """(flow, outcome, decisions) recorded since `since`."""
    query = (sa.select(FLOW, releases.c.outcome, sa.func.count()).where(releases.c.created_at >= since)
             .group_by(FLOW, releases.c.outcome).order_by(FLOW, releases.c.outcome))
    return [tuple(row) for row in conn.execute(query)]


def releases_of_document(conn: Connection, document: str, limit: int = 50) -> list[dict]:
    """Decisions about a document named by its Odoo name (`S00042`) or id, newest first."""
    match = releases.c.order_name == document
    if document.isascii() and document.isdigit() and len(document) < 12:
        match = sa.or_(match, releases.c.order_id == int(document))
    query = sa.select(releases).where(match).order_by(releases.c.created_at.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def releases_of_event(conn: Connection, event_id: str) -> list[dict]:
    """Decisions recorded for an event (by its id)."""
    query = sa.select(releases).where(releases.c.event_id == event_id).order_by(releases.c.created_at.desc())
    return [dict(row._mapping) for row in conn.execute(query)]


def subjects_of_releases(conn: Connection, release_ids: list[str]) -> set[str]:
    """Every audit subject about these decisions: them, their approvals, events, jobs and those jobs' letters."""
    if not release_ids:
        return set()
    subjects = set(release_ids)
    subjects.update(conn.execute(sa.select(approvals.c.id).where(approvals.c.release_id.in_(release_ids))).scalars())
    subjects.update(conn.execute(sa.select(releases.c.event_id).where(releases.c.id.in_(release_ids))).scalars())
    job_ids = list(conn.execute(sa.select(jobs.c.id).where(jobs.c.release_id.in_(release_ids))).scalars())
    subjects.update(job_ids)
    refs = job_ids + list(subjects)
    subjects.update(conn.execute(sa.select(dead_letters.c.id).where(dead_letters.c.ref.in_(refs))).scalars())
    return subjects


def search_audit(conn: Connection, *, subjects: set[str] | None = None, kind: str | None = None,
                 actor: str | None = None, since: float | None = None, until: float | None = None,
                 limit: int = MAX_PAGE) -> list[dict]:
    """Audit entries, newest first, matching every filter given (`kind` may end with `.` for a family)."""
    query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if subjects is not None:
        query = query.where(audit_log.c.subject.in_(sorted(subjects)))
    if kind:
        query = query.where(audit_log.c.kind.startswith(kind, autoescape=True) if kind.endswith(".")
                            else audit_log.c.kind == kind)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    return [dict(row._mapping) for row in conn.execute(query)]
