"""What /metrics reads from the store at scrape time: one grouped query per family, no row loads."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.releases import OPEN_APPROVAL
from sidecar.store.schema import approvals, dead_letters, jobs, releases


def outbox_by_state(conn: Connection) -> list[tuple[str, int, float]]:
    """(state, jobs, oldest created_at) per job state."""
    query = sa.select(jobs.c.state, sa.func.count(), sa.func.min(jobs.c.created_at)).group_by(jobs.c.state)
    return [(state, count, oldest) for state, count, oldest in conn.execute(query)]


def dead_letters_by_category(conn: Connection) -> list[tuple[str, str, int]]:
    """(category, status, letters)."""
    query = (sa.select(dead_letters.c.category, dead_letters.c.status, sa.func.count())
             .group_by(dead_letters.c.category, dead_letters.c.status))
    return [tuple(row) for row in conn.execute(query)]


def open_approvals_by_flow(conn: Connection, at: float) -> list[tuple[str, int, int, float]]:
    """(flow, waiting approvals, of which past their SLA at `at`, oldest created_at) per flow."""
    overdue = sa.func.sum(sa.case((sa.and_(approvals.c.due_at.is_not(None), approvals.c.due_at < at), 1), else_=0))
    flow = sa.func.coalesce(releases.c.flow, "sales-order-release")  # decisions from before flows
    query = (sa.select(flow, sa.func.count(), overdue, sa.func.min(approvals.c.created_at))
             .select_from(approvals.join(releases, releases.c.id == approvals.c.release_id))
             .where(approvals.c.status.in_(OPEN_APPROVAL)).group_by(flow))
    return [(name, count, int(late or 0), oldest) for name, count, late, oldest in conn.execute(query)]
