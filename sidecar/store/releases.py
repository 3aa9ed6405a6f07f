"""Governed decisions of every flow ("releases", after the first flow), and the approvals some wait for.

A decision is keyed by its document: the Odoo model and the record id (`order_id`, whatever the model).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar import correlation
from sidecar.store.database import Database
from sidecar.store.prepared import Prepared
from sidecar.store.records import as_dict, new_id, now
from sidecar.store.schema import approval_votes, approvals, jobs, releases

# Release statuses: what the sidecar is waiting for.
AWAITING_APPROVAL = "awaiting_approval"
RELEASING = "releasing"      # confirm + message queued
REJECTING = "rejecting"      # cancel + message queued
RELEASED = "released"
REJECTED = "rejected"
BLOCKED = "blocked"          # a write-back is a dead letter: resolve, replay or abandon it
SUPERSEDED = "superseded"    # the order changed after the decision; a new decision was asked for
ABANDONED = "abandoned"      # given up by a person, with a reason
STATUSES = [
    (AWAITING_APPROVAL, "Awaiting approval"), (RELEASING, "Releasing"), (REJECTING, "Rejecting"),
    (RELEASED, "Released"), (REJECTED, "Rejected"), (BLOCKED, "Blocked by a dead letter"),
    (SUPERSEDED, "Superseded by a new decision"), (ABANDONED, "Abandoned"),
]
FINAL = {RELEASED, REJECTED, SUPERSEDED, ABANDONED}

# Approval statuses. Unroutable: nobody may decide it; it leaves only by re-route or cancel.
PENDING, APPROVED, REJECTED_BY_APPROVER = "pending", "approved", "rejected"
UNROUTABLE, CANCELLED = "unroutable", "cancelled"
APPROVAL_STATUSES = (PENDING, UNROUTABLE, APPROVED, REJECTED_BY_APPROVER, CANCELLED)
OPEN_APPROVAL = (PENDING, UNROUTABLE)

# Statements of a decision's write transaction, built once (building one per call costs more than running
# it) and prepared (store/prepared.py: SQLAlchemy's per-execution machinery cost more than SQLite's work).
_INSERT_RELEASE = Prepared(releases.insert())
_RELEASE_BY_ID = Prepared(sa.select(releases).where(releases.c.id == sa.bindparam("release_id")))
_IN_FLIGHT = Prepared(sa.select(releases).where(releases.c.flow == sa.bindparam("flow"), releases.c.model == sa.bindparam("model"),
                                       releases.c.order_id == sa.bindparam("order_id"), releases.c.in_flight == 1))
_APPROVAL_OF_RELEASE = sa.select(approvals).where(approvals.c.release_id == sa.bindparam("release_id"))
# What the API shows of a decision, with its approval's id (a release has at most one), in one statement:
# not its facts, JSON that would be decoded for nothing.
_RELEASE_SHOWN = Prepared(sa.select(
    releases.c.id, releases.c.order_id, releases.c.order_name, releases.c.event_id, releases.c.outcome,
    releases.c.status, releases.c.decision, releases.c.created_at, releases.c.correlation_id,
    approvals.c.id.label("approval_id"),
).select_from(releases.outerjoin(approvals, approvals.c.release_id == releases.c.id)).where(
    releases.c.id == sa.bindparam("release_id")))
# GET /v1/releases/{id} in one statement: the columns the API shows, its approval's id and its jobs in the
# order they run (one row per job; one row with no job columns for a release without jobs). The decision
# comes as its stored JSON text, for an answer that carries it as it is rather than decoded and encoded again.
_RELEASE_ANSWER = Prepared(sa.select(
    releases.c.id, releases.c.order_id, releases.c.order_name, releases.c.event_id, releases.c.outcome,
    releases.c.status, sa.cast(releases.c.decision, sa.Text).label("decision"), releases.c.created_at,
    releases.c.correlation_id, approvals.c.id.label("approval_id"),
    jobs.c.id.label("job_id"), jobs.c.operation, jobs.c.state, jobs.c.attempts, jobs.c.last_error, jobs.c.category,
).select_from(releases.outerjoin(approvals, approvals.c.release_id == releases.c.id)
              .outerjoin(jobs, jobs.c.release_id == releases.c.id)).where(
    releases.c.id == sa.bindparam("release_id")).order_by(jobs.c.seq, jobs.c.created_at, jobs.c.id))
_JOB_SHOWN = ("operation", "state", "attempts", "last_error", "category")


def insert_release(conn: Connection, *, flow: str, model: str, order_id: int, order_name: str, event_id: str,
                   decision: dict, facts: dict, status: str, requested_by: str | None) -> str:
    """Store a flow's decision on a document; IntegrityError when the document has one in flight."""
    release_id = new_id("rel")
    stamp = now()
    _INSERT_RELEASE.run(conn, dict(
        id=release_id, flow=flow, model=model, order_id=order_id, order_name=order_name, event_id=event_id,
        outcome=decision["outcome"], status=status, decision=decision, facts=facts,
        policy_version=decision["policy"]["version"], requested_by=requested_by,
        in_flight=1, created_at=stamp, updated_at=stamp, correlation_id=correlation.current(),
    ))
    return release_id


def get_release(conn: Connection, release_id: str) -> dict | None:
    """One release by id."""
    return _RELEASE_BY_ID.first(conn, {"release_id": release_id})


def release_shown(conn: Connection, release_id: str) -> dict | None:
    """The columns of a release the API shows, and `approval_id` (None without an approval)."""
    return _RELEASE_SHOWN.first(conn, {"release_id": release_id})


def release_answer(db: Database, release_id: str) -> tuple[dict, list[dict]] | None:
    """A release as the API shows it (`decision` as JSON text) and its jobs, or None: one statement, run alone."""
    values = {"release_id": release_id}
    if Prepared.listened(db.engine):  # statement listeners see it run SQLAlchemy's own way
        with db.read() as conn:
            rows = _RELEASE_ANSWER.all(conn, values)
    else:
        rows = _RELEASE_ANSWER.all_alone(db.engine, values)
    if not rows:
        return None
    release = {key: value for key, value in rows[0].items() if key != "job_id" and key not in _JOB_SHOWN}
    shown = [{"id": row["job_id"], **{key: row[key] for key in _JOB_SHOWN}} for row in rows
             if row["job_id"] is not None]
    return release, shown


def release_in_flight(conn: Connection, flow: str, model: str, order_id: int) -> dict | None:
    """The flow's decision on the document still in flight, if any."""
    return _IN_FLIGHT.first(conn, {"flow": flow, "model": model, "order_id": order_id})


def set_status(conn: Connection, release_id: str, status: str) -> str:
    """Move a release on; a final status takes it out of flight. A release with a dead job stays blocked."""
    if status not in FINAL:
        dead = sa.select(jobs.c.id).where(jobs.c.release_id == release_id, jobs.c.state == "dead").limit(1)
        if conn.execute(dead).first():
            status = BLOCKED
    conn.execute(releases.update().where(releases.c.id == release_id).values(
        status=status, in_flight=0 if status in FINAL else 1, updated_at=now(),
    ))
    return status


def set_expected_write_date(conn: Connection, release_id: str, write_date: str) -> None:
    """The order's write_date after a write-back of our own moved it."""
    conn.execute(releases.update().where(releases.c.id == release_id).values(
        expected_write_date=write_date, updated_at=now()))


# Tier states inside `approvals.tiers`.
TIER_WAITING, TIER_OPEN, TIER_APPROVED, TIER_REJECTED = "waiting", "open", "approved", "rejected"


def insert_approval(conn: Connection, *, release_id: str, order_id: int, route: dict,
                    requested_by: str | None, salesperson: str | None, due_at: float | None,
                    activity_ref: str | None, tiers: list[dict] | None = None,
                    resume_url: str | None = None) -> str:
    """Open an approval for a release: pending, or unroutable when nobody may decide it."""
    approval_id = new_id("apr")
    eligible = list(route.get("eligible", []))
    conn.execute(approvals.insert().values(
        id=approval_id, release_id=release_id, order_id=order_id,
        status=PENDING if eligible else UNROUTABLE, role=route.get("role"), assignee=route.get("assignee"),
        eligible=eligible, requested_by=requested_by, salesperson=salesperson, due_at=due_at,
        generation=0, activity_ref=activity_ref, created_at=now(), tiers=tiers, resume_url=resume_url,
    ))
    return approval_id


def tiers_of(approval: dict) -> list[dict]:
    """An approval's tiers; a one-tier approval stored before tiers existed is its own single tier."""
    if approval.get("tiers"):
        return approval["tiers"]
    return [{"role": approval["role"], "mode": "sequential", "quorum": 1, "eligible": approval["eligible"],
             "assignee": approval["assignee"], "due_at": approval["due_at"], "activity_ref": approval["activity_ref"],
             "status": TIER_OPEN if approval["status"] in OPEN_APPROVAL else TIER_APPROVED, "reason": None}]


def set_tiers(conn: Connection, approval_id: str, generation: int, tiers: list[dict]) -> bool:
    """Store new tier states; the first open tier is mirrored in role/eligible/assignee/due_at.

    The generation stays (the other open tiers' tokens keep working); False when the approval was
    decided, cancelled or re-routed meanwhile.
    """
    current = next((t for t in tiers if t["status"] == TIER_OPEN), None)
    values: dict = {"tiers": tiers}
    if current:
        values.update(role=current["role"], eligible=current["eligible"], assignee=current["assignee"],
                      due_at=current.get("due_at"), activity_ref=current.get("activity_ref"),
                      status=PENDING if current["eligible"] else UNROUTABLE)
    result = conn.execute(approvals.update().where(
        approvals.c.id == approval_id, approvals.c.status.in_(OPEN_APPROVAL),
        approvals.c.generation == generation).values(**values))
    return result.rowcount == 1


def add_vote(conn: Connection, *, approval_id: str, tier: int, role: str | None, voter: str, decision: str,
             comment: str | None, token: str, via: str | None) -> str:
    """Record one person's vote; IntegrityError when they (or this token) already voted."""
    vote_id = new_id("vot")
    conn.execute(approval_votes.insert().values(
        id=vote_id, approval_id=approval_id, tier=tier, role=role, voter=voter, decision=decision,
        comment=comment, token=token, via=via, created_at=now()))
    return vote_id


def votes_for(conn: Connection, approval_id: str) -> list[dict]:
    """An approval's votes, oldest first."""
    query = sa.select(approval_votes).where(approval_votes.c.approval_id == approval_id).order_by(
        approval_votes.c.created_at, approval_votes.c.id)
    return [as_dict(row) for row in conn.execute(query)]


def vote_by_token(conn: Connection, token: str) -> dict | None:
    """The vote a token (fingerprint) carried, if any."""
    return as_dict(conn.execute(sa.select(approval_votes).where(approval_votes.c.token == token)).first())


def get_approval(conn: Connection, approval_id: str) -> dict | None:
    """One approval by id."""
    return as_dict(conn.execute(sa.select(approvals).where(approvals.c.id == approval_id)).first())


def approval_for_release(conn: Connection, release_id: str) -> dict | None:
    """The approval a release waits for, if any."""
    return as_dict(conn.execute(_APPROVAL_OF_RELEASE, {"release_id": release_id}).first())


def decided_on(conn: Connection, release_ids: list[str]) -> dict[str, tuple[dict, dict]]:
    """The facts and the decision of each release, by release id."""
    if not release_ids:
        return {}
    query = sa.select(releases.c.id, releases.c.facts, releases.c.decision).where(releases.c.id.in_(release_ids))
    return {row.id: (row.facts if isinstance(row.facts, dict) else {},
                     row.decision if isinstance(row.decision, dict) else {}) for row in conn.execute(query)}


def list_approvals(conn: Connection, status: str | None, limit: int, overdue_at: float | None = None) -> list[dict]:
    """Approvals, newest first; with `overdue_at`, only open ones whose SLA ended before it."""
    query = sa.select(approvals).order_by(approvals.c.created_at.desc()).limit(limit)
    if status:
        query = query.where(approvals.c.status == status)
    if overdue_at is not None:
        query = query.where(approvals.c.status.in_(OPEN_APPROVAL), approvals.c.due_at.is_not(None),
                            approvals.c.due_at < overdue_at)
    return [as_dict(row) for row in conn.execute(query)]


def decide_approval(conn: Connection, approval_id: str, status: str, decided_by: str, comment: str | None,
                    token_fingerprint: str, generation: int, tiers: list[dict] | None = None) -> bool:
    """Record a decision; False when the approval was no longer pending on that routing."""
    values = {"tiers": tiers} if tiers is not None else {}
    result = conn.execute(approvals.update().where(
        approvals.c.id == approval_id, approvals.c.status == PENDING, approvals.c.generation == generation,
    ).values(status=status, decided_by=decided_by, decided_token=token_fingerprint, comment=comment,
             decided_at=now(), **values))
    return result.rowcount == 1


def reroute_approval(conn: Connection, approval_id: str, *, generation: int, role: str | None,
                     eligible: list[str], due_at: float | None, activity_ref: str | None,
                     tiers: list[dict] | None = None) -> bool:
    """Give an open approval new approvers (voiding earlier tokens); False when it moved on meanwhile."""
    values = {"tiers": tiers} if tiers is not None else {}
    result = conn.execute(approvals.update().where(
        approvals.c.id == approval_id, approvals.c.status.in_(OPEN_APPROVAL),
        approvals.c.generation == generation,
    ).values(status=PENDING, role=role, eligible=eligible, assignee=eligible[0], due_at=due_at,
             generation=generation + 1, activity_ref=activity_ref, **values))
    return result.rowcount == 1


def cancel_approval(conn: Connection, approval_id: str, cancelled_by: str | None, reason: str) -> bool:
    """Close an open approval without a decision; False when it was no longer open."""
    result = conn.execute(approvals.update().where(
        approvals.c.id == approval_id, approvals.c.status.in_(OPEN_APPROVAL),
    ).values(status=CANCELLED, decided_by=cancelled_by, comment=reason, decided_at=now(),
             generation=approvals.c.generation + 1))
    return result.rowcount == 1


def latest_for_orders(conn: Connection, model: str, order_ids: list[int], flow: str | None = None) -> dict[int, dict]:
    """Each document's most recent decision (id, status, in_flight, updated_at), of `flow` only when given
    (decisions from before flows, without one, count as any flow's: they are the release's, on sale.order)."""
    if not order_ids:
        return {}
    query = (sa.select(releases.c.order_id, releases.c.id, releases.c.status, releases.c.in_flight,
                       releases.c.updated_at)
             .where(releases.c.model == model, releases.c.order_id.in_(order_ids)).order_by(releases.c.updated_at))
    if flow is not None:
        query = query.where(sa.or_(releases.c.flow == flow, releases.c.flow.is_(None)))
    return {row.order_id: dict(row._mapping) for row in conn.execute(query)}


def in_flight_order_ids(conn: Connection, flow: str, model: str) -> list[int]:
    """Ids of the documents of `model` with a decision of `flow` in flight (reconciliation leaves them alone)."""
    query = sa.select(releases.c.order_id).where(releases.c.flow == flow, releases.c.model == model,
                                                 releases.c.in_flight == 1).distinct()
    return sorted(row.order_id for row in conn.execute(query))


def set_resume_url(conn: Connection, approval_id: str, url: str) -> None:
    """Remember the n8n execution waiting for this approval's outcome."""
    conn.execute(approvals.update().where(approvals.c.id == approval_id).values(resume_url=url))
