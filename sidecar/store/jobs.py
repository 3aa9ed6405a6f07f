"""Outbox jobs: write-backs waiting for Odoo, modelled as a small state machine.

Jobs of one document (Odoo model + id) run in `seq` order: a job is claimable only while every
earlier job of its document is settled (done, superseded or abandoned), so a later phase never overtakes an earlier
one, on first delivery as on replay. A claim takes one job at a time under a lease and a
token; every later update is fenced to that token, so a worker that lost its claim cannot
overwrite what another one recorded.
"""
from __future__ import annotations

import uuid
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar import correlation
from sidecar.store.database import transaction_local
from sidecar.store.prepared import Prepared
from sidecar.store.records import as_dict, new_id, now
from sidecar.store.schema import jobs, releases

PENDING = "pending"        # waiting for its first attempt
RETRYING = "retrying"      # an attempt failed; waiting for the next one
STARTED = "started"        # claimed by a worker until locked_until
DONE = "done"
DEAD = "dead"              # budget exhausted or permanent error: a dead letter holds it
SUPERSEDED = "superseded"  # the order changed after the decision; a new decision replaces it
ABANDONED = "abandoned"    # given up by a person, with a reason
STATES = [(PENDING, "Pending"), (RETRYING, "Retrying"), (STARTED, "Started"), (DONE, "Done"),
          (DEAD, "Dead letter"), (SUPERSEDED, "Superseded"), (ABANDONED, "Abandoned")]
SETTLED = (DONE, SUPERSEDED, ABANDONED)  # states that no longer hold back later jobs of the order
WAITING = (PENDING, RETRYING)
DEFAULT_MODEL = "sale.order"  # the first flow's documents; every flow's write-backs name their model
DEFAULT_PRIORITY = 0  # a job queued without one (every governed flow's write-backs); higher runs first

# Statements of a decision's write transaction, built once and prepared (see store/releases.py).
_LAST_SEQ = Prepared(sa.select(sa.func.max(jobs.c.seq).label("last")).where(jobs.c.model == sa.bindparam("model"),
                                                    jobs.c.order_id == sa.bindparam("order_id")))
# A job follows its decision's correlation id (one id from the event to its last write-back), else the
# current request's; read inside the insert, no extra round trip.
_INSERT = Prepared(jobs.insert().values(correlation_id=sa.func.coalesce(
    sa.select(releases.c.correlation_id).where(releases.c.id == sa.bindparam("of_release")).scalar_subquery(),
    sa.bindparam("correlation"))))
_STATES_OF_RELEASE = Prepared(sa.select(jobs.c.state).where(jobs.c.release_id == sa.bindparam("release_id")))
_FOR_RELEASE = sa.select(jobs).where(jobs.c.release_id == sa.bindparam("release_id")).order_by(
    jobs.c.seq, jobs.c.created_at, jobs.c.id)
# What the API shows of a release's jobs: not their payloads and results, JSON that would be decoded for nothing.
_SHOWN_FOR_RELEASE = Prepared(_FOR_RELEASE.with_only_columns(
    jobs.c.id, jobs.c.operation, jobs.c.state, jobs.c.attempts, jobs.c.last_error, jobs.c.category))
_FOR_RELEASE = Prepared(_FOR_RELEASE)


def enqueue(conn: Connection, *, idempotency_key: str, operation: str, payload: dict,
            release_id: str | None, max_attempts: int, order_id: int | None = None,
            model: str = DEFAULT_MODEL, priority: int | None = None) -> str:
    """Add a job behind its document's earlier jobs; IntegrityError when its idempotency key was ever used.

    `priority` orders due jobs between documents (higher first); it never lets a job pass an
    earlier one of its own document.
    """
    job_id = new_id("job")
    stamp = now()
    order_id = order_id if order_id is not None else payload.get("order_id")
    seq = None
    if order_id is not None:
        seq = _next_seq(conn, model, order_id)
    _INSERT.run(conn, dict(
        id=job_id, idempotency_key=idempotency_key, release_id=release_id, model=model, order_id=order_id, seq=seq,
        operation=operation, payload=payload, state=PENDING, attempts=0, crashes=0, max_attempts=max_attempts,
        priority=priority, next_attempt_at=stamp, created_at=stamp, updated_at=stamp,
        of_release=release_id, correlation=correlation.current(),
    ))
    return job_id


def _next_seq(conn: Connection, model: str, order_id: int) -> int:
    """The document's next job seq; asked once per transaction and document (a decision queues several)."""
    local = transaction_local(conn)
    known = local.setdefault("job_seq", {}) if local is not None else {}
    if (model, order_id) not in known:
        if conn.dialect.name == "postgresql":
            # SQLite's write lock serializes enqueues; here two for one document would read the same max(seq).
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:model), :order_id)"),
                         {"model": model, "order_id": order_id})
        known[(model, order_id)] = _LAST_SEQ.scalar(conn, {"model": model, "order_id": order_id}) or 0
    known[(model, order_id)] += 1
    return known[(model, order_id)]


def get(conn: Connection, job_id: str) -> dict | None:
    """One job by id."""
    return as_dict(conn.execute(_BY_ID, {"job_id": job_id}).first())


def by_key(conn: Connection, idempotency_key: str) -> dict | None:
    """The job queued under an idempotency key, whatever its state."""
    return as_dict(conn.execute(sa.select(jobs).where(jobs.c.idempotency_key == idempotency_key)).first())


def flows_of(conn: Connection, job_ids: list[str]) -> dict[str, str]:
    """The flow that decided each job's release, by job id (jobs without a release are left out)."""
    if not job_ids:
        return {}
    query = sa.select(jobs.c.id, releases.c.flow).join(releases, releases.c.id == jobs.c.release_id).where(
        jobs.c.id.in_(job_ids))
    return {row.id: row.flow for row in conn.execute(query) if row.flow}


def release_facts_of(conn: Connection, job_ids: list[str]) -> dict[str, dict]:
    """The facts each job's release was decided on, by job id (jobs without a release are left out)."""
    if not job_ids:
        return {}
    query = sa.select(jobs.c.id, releases.c.facts).join(releases, releases.c.id == jobs.c.release_id).where(
        jobs.c.id.in_(job_ids))
    return {row.id: row.facts for row in conn.execute(query) if isinstance(row.facts, dict)}


def for_release(conn: Connection, release_id: str) -> list[dict]:
    """A release's jobs in the order they run."""
    return _FOR_RELEASE.all(conn, {"release_id": release_id})


def states_of_release(conn: Connection, release_id: str) -> list[str]:
    """The states of a release's jobs (no payloads read)."""
    return [row["state"] for row in _STATES_OF_RELEASE.all(conn, {"release_id": release_id})]


def shown_for_release(conn: Connection, release_id: str) -> list[dict]:
    """A release's jobs in the order they run, with the columns the API shows only."""
    return _SHOWN_FOR_RELEASE.all(conn, {"release_id": release_id})


def _due(stamp):
    return sa.or_(
        sa.and_(jobs.c.state.in_(WAITING), jobs.c.next_attempt_at <= stamp),
        sa.and_(jobs.c.state == STARTED, jobs.c.locked_until < stamp),  # its worker stopped renewing
    )


def _head_of_its_order():
    earlier = jobs.alias("earlier")
    held_back = sa.exists().where(earlier.c.model == jobs.c.model, earlier.c.order_id == jobs.c.order_id,
                                  earlier.c.seq < jobs.c.seq,
                                  earlier.c.state.notin_(SETTLED))
    return sa.not_(held_back)


def _fenced(job_id, token):
    return sa.and_(jobs.c.id == job_id, jobs.c.state == STARTED, jobs.c.claim_token == token)


# The worker's statements, built once (as the decision's above): each job runs several.
_CLAIMABLE = sa.and_(_due(sa.bindparam("stamp")), _head_of_its_order())
_CANDIDATES = sa.select(jobs.c.id, jobs.c.state, jobs.c.operation).where(_CLAIMABLE).order_by(
    sa.func.coalesce(jobs.c.priority, DEFAULT_PRIORITY).desc(), jobs.c.next_attempt_at, jobs.c.seq)
_CANDIDATES_SQLITE = _CANDIDATES.limit(sa.bindparam("candidates"))
# A locked row is ours to claim: one is enough.
_CANDIDATES_PG = _CANDIDATES.with_for_update(skip_locked=True, of=jobs).limit(1)
_CLAIM = jobs.update().where(jobs.c.id == sa.bindparam("job_id"), _CLAIMABLE).values(
    state=STARTED, claim_token=sa.bindparam("token"), locked_until=sa.bindparam("until"),
    updated_at=sa.bindparam("stamp"), crashes=jobs.c.crashes + sa.bindparam("crash")).returning(*jobs.c)
_BY_ID = sa.select(jobs).where(jobs.c.id == sa.bindparam("job_id"))
_FENCED = _fenced(sa.bindparam("job_id"), sa.bindparam("token"))
_EXTEND = jobs.update().where(_FENCED).values(locked_until=sa.bindparam("until"))
_SET_DONE = jobs.update().where(_FENCED).values(
    state=DONE, result=sa.bindparam("result", type_=jobs.c.result.type), locked_until=None, claim_token=None,
    last_error=None, category=None, attempts=jobs.c.attempts + 1, done_at=sa.bindparam("stamp"),
    updated_at=sa.bindparam("stamp"))


def claim_next(conn: Connection, lease_for: Callable[[str], float], candidates: int = 5) -> dict | None:
    """Claim the next due job that heads its order's queue, the highest priority first; its `claim_token`
    fences later updates.

    A job taken back from a worker whose lease ran out counts a crash, not an attempt. On PostgreSQL
    the candidate is locked with FOR UPDATE SKIP LOCKED: concurrent workers pass over a job another
    one is claiming instead of queueing behind it; the fenced update below still decides.
    """
    stamp = now()
    if conn.dialect.name == "postgresql":
        found = conn.execute(_CANDIDATES_PG, {"stamp": stamp}).all()
    else:
        found = conn.execute(_CANDIDATES_SQLITE, {"stamp": stamp, "candidates": candidates}).all()
    for job_id, state, operation in found:
        token = uuid.uuid4().hex
        claimed = conn.execute(_CLAIM, {"job_id": job_id, "stamp": stamp, "token": token,
                                        "until": stamp + lease_for(operation), "crash": 1 if state == STARTED else 0})
        row = claimed.first()
        if row is not None:
            return as_dict(row)
    return None


def extend_lease(conn: Connection, job_id: str, token: str, until: float) -> bool:
    """Keep a running job's claim; False when the claim was lost."""
    return conn.execute(_EXTEND, {"job_id": job_id, "token": token, "until": until}).rowcount == 1


def release_claim(conn: Connection, job_id: str, token: str) -> bool:
    """Hand a claimed job back untouched (the worker stops before running it)."""
    job = get(conn, job_id)
    state = RETRYING if job and job["attempts"] else PENDING
    result = conn.execute(jobs.update().where(_fenced(job_id, token)).values(
        state=state, claim_token=None, locked_until=None, updated_at=now()))
    return result.rowcount == 1


def set_done(conn: Connection, job_id: str, token: str, result: dict) -> bool:
    """The write-back took effect (now or earlier); False when the claim was lost."""
    return conn.execute(_SET_DONE, {"job_id": job_id, "token": token, "result": result,
                                    "stamp": now()}).rowcount == 1


def set_retry(conn: Connection, job_id: str, token: str, delay_seconds: float, error: str, category: str) -> bool:
    """Try again after `delay_seconds`; False when the claim was lost."""
    stamp = now()
    result = conn.execute(jobs.update().where(_fenced(job_id, token)).values(
        state=RETRYING, next_attempt_at=stamp + delay_seconds, locked_until=None, claim_token=None,
        attempts=jobs.c.attempts + 1, first_failed_at=sa.func.coalesce(jobs.c.first_failed_at, stamp),
        last_error=error, category=category, updated_at=stamp,
    ))
    return result.rowcount == 1


def set_dead(conn: Connection, job_id: str, token: str, error: str, category: str, *, ran: bool = True) -> bool:
    """No more attempts; a dead letter now holds the job. False when the claim was lost."""
    stamp = now()
    result = conn.execute(jobs.update().where(_fenced(job_id, token)).values(
        state=DEAD, locked_until=None, claim_token=None, last_error=error, category=category,
        attempts=jobs.c.attempts + (1 if ran else 0),
        first_failed_at=sa.func.coalesce(jobs.c.first_failed_at, stamp), updated_at=stamp,
    ))
    return result.rowcount == 1


def set_superseded(conn: Connection, job_id: str, token: str, result: dict) -> bool:
    """The order changed after the decision: the job did nothing and never will."""
    stamp = now()
    outcome = conn.execute(jobs.update().where(_fenced(job_id, token)).values(
        state=SUPERSEDED, result=result, locked_until=None, claim_token=None, attempts=jobs.c.attempts + 1,
        done_at=stamp, updated_at=stamp,
    ))
    return outcome.rowcount == 1


def settle_release(conn: Connection, release_id: str, state: str, reason: str) -> list[str]:
    """Mark every unfinished job of a release superseded or abandoned; their ids.

    A job a worker is running right now is left alone: its own outcome settles it.
    """
    open_states = (*WAITING, DEAD)
    ids = [row.id for row in conn.execute(sa.select(jobs.c.id).where(
        jobs.c.release_id == release_id, jobs.c.state.in_(open_states)))]
    if ids:
        conn.execute(jobs.update().where(jobs.c.id.in_(ids), jobs.c.state.in_(open_states)).values(
            state=state, last_error=reason, locked_until=None, claim_token=None, updated_at=now()))
    return ids


def resolve(conn: Connection, job_id: str, result: dict) -> bool:
    """A dead job done by hand in Odoo counts as done; False unless it was dead."""
    stamp = now()
    outcome = conn.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.state == DEAD).values(
        state=DONE, result=result, done_at=stamp, updated_at=stamp))
    return outcome.rowcount == 1


def requeue(conn: Connection, job_id: str) -> bool:
    """Give a dead job a fresh budget, due now; False unless it was dead."""
    stamp = now()
    result = conn.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.state == DEAD).values(
        state=PENDING, attempts=0, crashes=0, first_failed_at=None, next_attempt_at=stamp, locked_until=None,
        claim_token=None, updated_at=stamp,
    ))
    return result.rowcount == 1


def count_by_state(conn: Connection) -> dict[str, int]:
    """How many jobs are in each state."""
    query = sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)
    return {state: count for state, count in conn.execute(query)}


def count_due(conn: Connection) -> int:
    """Jobs a worker could claim right now (due and heading their order's queue)."""
    query = sa.select(sa.func.count()).select_from(jobs).where(_due(now()), _head_of_its_order())
    return conn.execute(query).scalar() or 0
