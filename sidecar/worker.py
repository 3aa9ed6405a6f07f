"""Outbox worker: delivers write-back jobs to Odoo one at a time, in order per document, exactly once.

Timing (T = the Odoo timeout, SIDECAR_ODOO_TIMEOUT):
- a claim's lease covers the whole run: T times the RPCs the operation makes (plus a login)
  plus a margin, in case the store cannot be written while the job runs; the worker's one
  heartbeat thread sets it at once, then every T/3, to T + 2*T/3 + margin, which always outlasts the call in progress,
  so a crashed worker's job comes back within about 2 T while a live worker's job is never
  taken from it;
- a retry waits at least that short lease (then exponential backoff with full jitter), so it
  never starts while the failed call may still be running in Odoo;
- "Odoo unreachable" is retried for SIDECAR_UNREACHABLE_BUDGET_SECONDS, other retryable errors
  SIDECAR_MAX_ATTEMPTS times; bugs and unknown operations are dead at once (`internal_error`);
- after an unreachable Odoo the worker stops claiming and probes Odoo every 2 T instead of
  spending T on every job; when Odoo answers again it replays its open `odoo_unreachable`
  job letters once. A worker process that starts while such letters are open (the one that saw
  the outage was killed or restarted) does the same: nothing else would replay them;
- between jobs it prunes expired rows (store/retention.py) once per SIDECAR_RETENTION_INTERVAL_SECONDS
  across all workers (a lease as long as the interval picks one), at most PRUNE_SECONDS at a time.
"""
from __future__ import annotations

import logging
import random
import threading
import time

from sidecar import correlation, metrics, n8n_resume
from sidecar.errors import SidecarError
from sidecar.flows import approval_routing, redecide, writebacks
from sidecar.mapping.service import load_mapper
from sidecar.odoo import writeback
from sidecar.odoo.errors import CATEGORY_LABELS, INTERNAL, UNREACHABLE, OdooError
from sidecar.services import Services
from sidecar.store import audit, dead_letters, jobs, locks, releases, retention
from sidecar.store.records import now

logger = logging.getLogger(__name__)
LEASE_MARGIN = 2.0  # seconds: clock drift and the store's own latency
MAX_CRASHES = 3     # a job that lost its worker this often is a dead letter, not a fourth crash
ACTOR = "worker"
RETENTION_LEASE = "retention"
PRUNE_FIRST_AFTER = 60.0  # seconds after start: a restarting worker does not prune on every start
PRUNE_ASK_EVERY = 60.0    # how often a worker asks for the retention lease (a short interval: that)
HEARTBEAT_IDLE_SECONDS = 1.0  # the heartbeat thread ends after this long (or an interval) with no job in hand
PRUNE_SECONDS = 2.0       # the longest one pruning round keeps the worker from its jobs
PRUNE_BACKLOG_PAUSE = 10.0  # between rounds while a backlog lasts: jobs keep most of the worker's time


def heartbeat_seconds(timeout: float) -> float:
    """How often a running job's lease is renewed."""
    return max(0.2, timeout / 3)


def short_lease(timeout: float) -> float:
    """A renewed lease: it outlasts any call started before the next heartbeat."""
    return timeout + 2 * heartbeat_seconds(timeout) + LEASE_MARGIN


def run_lease(operation: str, timeout: float) -> float:
    """The first lease of a claim: every RPC the operation makes, plus a login, at the timeout each."""
    rpcs = writeback.RPC_COUNT.get(operation, max(writeback.RPC_COUNT.values()))
    return max(timeout * (rpcs + 1) + LEASE_MARGIN, short_lease(timeout))


def backoff_seconds(attempt: int, base: float, cap: float, floor: float = 0.0) -> float:
    """`floor`, then exponential backoff with full jitter: floor + uniform[0, min(cap, base * 2**(attempt-1))]."""
    return floor + random.uniform(0, min(cap, base * 2 ** max(attempt - 1, 0)))


class _Heartbeat:
    """The worker's one lease-renewal thread: renews the lease of the job in hand at once when it starts,
    then every `interval`; notices when the claim was lost. It ends once no job was in hand for an
    interval (at least HEARTBEAT_IDLE_SECONDS), and starts again with the next one."""

    def __init__(self, services: Services, interval: float, lease: float):
        self.services, self.interval, self.lease = services, interval, lease
        self._cond = threading.Condition()
        self._job: dict | None = None
        self._renewed_at: float | None = None  # monotonic time the job in hand was last renewed (None: not yet)
        self._thread: threading.Thread | None = None

    def hold(self, job: dict) -> None:
        """Renew `job`'s lease from now on, the first time at once."""
        with self._cond:
            self._job, self._renewed_at = job, None
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)
                self._thread.start()
            self._cond.notify()

    def release(self) -> None:
        """The job in hand is finished: renew it no more."""
        with self._cond:
            self._job = None

    def _next(self) -> dict | None:
        """Wait until the job in hand is due a renewal; None when none was held for an interval (the thread ends)."""
        with self._cond:
            idle_until = time.monotonic() + max(self.interval, HEARTBEAT_IDLE_SECONDS)
            while True:
                wait = idle_until - time.monotonic()
                if self._job is not None:
                    if self._renewed_at is None:
                        return self._job
                    wait = self._renewed_at + self.interval - time.monotonic()
                    if wait <= 0:
                        return self._job
                elif wait <= 0:
                    self._thread = None
                    return None
                self._cond.wait(wait)

    def _run(self) -> None:
        # The first beat comes at once: from then on a crash frees the job after the short lease.
        while (job := self._next()) is not None:
            try:
                with self.services.db.transaction(durable=False) as conn:
                    kept = jobs.extend_lease(conn, job["id"], job["claim_token"], now() + self.lease)
            except Exception:  # the store is busy or down: the claim's first lease still covers the run
                logger.warning("could not renew the lease of job %s", job["id"], exc_info=True)
                kept = True
            with self._cond:
                if self._job is not job:  # finished meanwhile: its outcome, not this renewal, counts
                    continue
                self._renewed_at = time.monotonic()
                if not kept:
                    logger.warning("job %s: claim lost while running", job["id"])
                    self._job = None


class OutboxWorker:
    """Claims one due job at a time, runs it against Odoo, records its outcome under the claim."""

    def __init__(self, services: Services):
        self.services = services
        self._stop = threading.Event()
        self._outage_since: float | None = None  # monotonic time Odoo was last found unreachable
        self._probe_at = 0.0
        self._prune_at = time.monotonic() + PRUNE_FIRST_AFTER
        self._links = approval_routing.link_renderer(services)  # tokens rendered at delivery only
        self._claimed: tuple[dict, dict] | None = None  # (job, payload) claimed with the last job's outcome
        self._heartbeat = _Heartbeat(services, heartbeat_seconds(self.timeout), short_lease(self.timeout))

    @property
    def timeout(self) -> float:
        return self.services.settings.odoo_timeout

    # -- loops --------------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Deliver the next due job, if any, and Odoo is not known to be down; True when one was handled."""
        return self._step(claim_next=False)

    def _step(self, claim_next: bool) -> bool:
        """Deliver the job claimed with the last one's outcome, else the next due one; with `claim_next`, the
        outcome of a job done claims the one after it in the same transaction (the loops: one write per job)."""
        claimed, self._claimed = self._claimed, None
        if claimed is None:
            if self._stop.is_set() or not self._odoo_available():
                return False
            with self.services.db.transaction(durable=False) as conn:  # a claim lost in a power cut: the job runs again
                claimed = self._claim(conn)
            if claimed is None:
                return False
        job, payload = claimed
        if self._stop.is_set():  # stopped while claiming: hand the job back untouched
            self._hand_back(job)
            return False
        self._handle(job, payload, claim_next)
        return True

    def _claim(self, conn) -> tuple[dict, dict] | None:
        """Claim the next due job in the caller's transaction: (the job, its payload as its release expects now)."""
        job = jobs.claim_next(conn, lambda operation: run_lease(operation, self.timeout))
        return None if job is None else (job, writebacks.as_expected_now(conn, job))

    def _hand_back(self, job: dict) -> None:
        with self.services.db.transaction() as conn:
            jobs.release_claim(conn, job["id"], job["claim_token"])

    def drain(self) -> dict:
        """Deliver until nothing is due (`worker --once`, tests); stops early when Odoo is unreachable."""
        if self._outage_since is not None:
            self._probe_at = 0.0  # a drain asks Odoo once more right away
        handled = 0
        while self._step(claim_next=True):
            handled += 1
        with self.services.db.read() as conn:
            retrying = jobs.count_by_state(conn).get(jobs.RETRYING, 0)
        return {"handled": handled, "odoo_unreachable": self._outage_since is not None, "retrying": retrying}

    def run_forever(self) -> None:
        """Poll until stop() is called; the job in hand is finished first."""
        poll = self.services.settings.worker_poll_seconds
        self._resume_outage()
        while not self._stop.is_set():
            try:
                # When pruning is due, the job in hand claims none after it: none waits while the worker prunes.
                busy = self._step(claim_next=not self._prune_due())
                self.prune_if_due()
            except Exception:  # the store itself failed; keep the loop alive
                logger.exception("outbox worker round failed")
                busy = False
            if not busy:
                self._stop.wait(poll)
        if self._claimed is not None:  # claimed with the last outcome, after stop() was asked: not begun
            job, self._claimed = self._claimed[0], None
            self._hand_back(job)
        logger.info("outbox worker stopped")

    def prune_if_due(self) -> dict | None:
        """Prune expired rows when this worker holds the retention lease; the run's report, else None."""
        if not self._prune_due():
            return None
        interval = self.services.settings.retention_interval_seconds
        self._prune_at = time.monotonic() + min(interval, PRUNE_ASK_EVERY)
        with self.services.db.transaction() as conn:
            token = locks.acquire(conn, RETENTION_LEASE, interval)
        if token is None:  # another worker pruned less than an interval ago
            return None
        report = retention.prune(self.services.db, retention.Retention.from_settings(self.services.settings),
                                 actor=ACTOR, seconds=PRUNE_SECONDS)
        logger.info("pruned expired rows: %s%s", report["pruned"], "" if report["complete"] else " (more remain)")
        if not report["complete"]:  # a backlog: hand the lease back, so this or another worker goes on soon
            with self.services.db.transaction() as conn:
                locks.release(conn, RETENTION_LEASE, token)
            self._prune_at = time.monotonic() + PRUNE_BACKLOG_PAUSE
        return report

    def _prune_due(self) -> bool:
        return bool(self.services.settings.retention_interval_seconds) and time.monotonic() >= self._prune_at

    def stop(self) -> None:
        """Ask the loops to return after the job in hand."""
        self._stop.set()

    def start_thread(self) -> threading.Thread:
        """Run in a daemon thread (the in-process option for small installs)."""
        thread = threading.Thread(target=self.run_forever, name="outbox-worker", daemon=True)
        thread.start()
        return thread

    # -- Odoo's availability --------------------------------------------------------------------

    def _odoo_available(self) -> bool:
        if self._outage_since is None:
            return True
        if time.monotonic() < self._probe_at:
            return False
        try:
            self.services.odoo.ping()
        except OdooError as err:
            logger.info("Odoo still unreachable (%s)", err.message)
            self._probe_at = time.monotonic() + 2 * self.timeout
            return False
        logger.info("Odoo answers again after %.0fs", time.monotonic() - self._outage_since)
        self._outage_since = None
        self._replay_unreachable_letters()
        return True

    def _resume_outage(self) -> None:
        """Open `odoo_unreachable` job letters at start: another worker saw an outage and is gone; probe
        Odoo first and replay them once it answers, as that worker would have."""
        try:
            with self.services.db.read() as conn:
                waiting = dead_letters.list_letters(conn, status=dead_letters.OPEN, category=UNREACHABLE,
                                                    kind=dead_letters.JOB, limit=1)
        except Exception:  # the store is down: the loop reports it; no outage to resume
            logger.warning("could not look for write-backs left dead by an outage", exc_info=True)
            return
        if waiting:
            self._outage_since, self._probe_at = time.monotonic(), 0.0

    def _odoo_unreachable(self) -> None:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
        self._probe_at = time.monotonic() + 2 * self.timeout

    def _replay_unreachable_letters(self) -> None:
        """Once per recovery: the write-backs that died of the outage go again (audited, actor `worker`)."""
        from sidecar.flows import deadletters  # flows import the pipeline; keep the worker light to import

        seen: set[str] = set()
        while True:
            with self.services.db.read() as conn:
                letters = dead_letters.list_letters(conn, status=dead_letters.OPEN, category=UNREACHABLE,
                                                    kind=dead_letters.JOB, limit=200)
            todo = [letter["id"] for letter in letters if letter["id"] not in seen]
            if not todo:
                return
            for letter_id in todo:
                seen.add(letter_id)
                try:
                    deadletters.replay(self.services, letter_id, actor=ACTOR)
                except SidecarError as err:  # another worker got there first, or it closed meanwhile
                    logger.info("dead letter %s not replayed: %s", letter_id, err)
                    continue
                logger.info("replayed dead letter %s now that Odoo answers", letter_id)
                with self.services.db.transaction() as conn:
                    job = jobs.get(conn, (dead_letters.get(conn, letter_id) or {}).get("ref") or "")
                    writebacks.refresh_release(conn, job and job["release_id"])  # no longer blocked

    # -- one job ----------------------------------------------------------------------------------

    def _handle(self, job: dict, payload: dict | None = None, claim_next: bool = False) -> None:
        """Run one job under its decision's correlation id (its log lines and audit entries carry it)."""
        if payload is None:
            with self.services.db.read() as conn:
                payload = writebacks.as_expected_now(conn, job)
        with correlation.bound(job.get("correlation_id") or correlation.new()):
            outcome = self._deliver(job, payload, claim_next)
        metrics.record_job(job["operation"], outcome)

    def _deliver(self, job: dict, payload: dict, claim_next: bool) -> str:
        if job["crashes"] >= MAX_CRASHES:
            self._dead(job, INTERNAL, f"the worker stopped {job['crashes']} times while running this job",
                       ran=False)
            return "dead"
        if job["operation"] == "post_message" and correlation.current():  # the note names the event it belongs to
            payload = {**payload, "correlation_id": correlation.current()}
        try:
            result = self._run(job, payload)
        except writeback.Superseded as stale:
            self._superseded(job, stale)
            return "superseded"
        except OdooError as err:
            return self._failed(job, err)
        except Exception as err:  # a bug or an unknown operation, not Odoo: permanent, traceback once
            logger.exception("job %s (%s) failed inside the sidecar", job["id"], job["operation"])
            self._dead(job, INTERNAL, f"{type(err).__name__}: {err}")
            return "dead"
        self._done(job, result, claim_next)
        return "done"

    def _run(self, job: dict, payload: dict) -> dict:
        """The job's effect, its lease renewed meanwhile."""
        self._heartbeat.hold(job)
        try:
            if job["operation"] == n8n_resume.OPERATION:  # not Odoo: n8n waits for the outcome
                settings = self.services.settings
                return n8n_resume.run(payload, f"msg_{job['id']}", settings.callback_secret, settings.n8n_resume_token)
            return writeback.run(self.services.odoo, job["operation"], payload, links=self._links,
                                 mapper=lambda source: load_mapper(self.services, source))
        finally:
            self._heartbeat.release()

    def _done(self, job: dict, result: dict, claim_next: bool = False) -> None:
        # Lost in a power cut, the job only runs again and finds its effect in Odoo: no fsync needed (nor
        # for the next job's claim: it would only be claimed again).
        with self.services.db.transaction(durable=False) as conn:
            if not jobs.set_done(conn, job["id"], job["claim_token"], result):
                logger.warning("job %s finished after its claim was lost; its outcome is not recorded", job["id"])
                return
            audit.append(conn, "writeback.done", job["release_id"] or job["id"],
                         {"job_id": job["id"], "operation": job["operation"], "result": result})
            writebacks.refresh_release(conn, job["release_id"], writebacks.note_own_write(conn, job, result))
            claimed = self._claim(conn) if claim_next and not self._stop.is_set() else None
        self._claimed = claimed  # only once the claim is committed
        info = result if isinstance(result, dict) else {}
        logger.info("job %s (%s) done: %s", job["id"], job["operation"], info.get("effect"),
                    extra={"job_id": job["id"], "release_id": job["release_id"], "operation": job["operation"],
                           "odoo_message_id": info.get("message_id")})

    def _failed(self, job: dict, err: OdooError) -> str:
        settings, stamp = self.services.settings, now()
        if err.category == UNREACHABLE:
            self._odoo_unreachable()
            within = stamp - (job["first_failed_at"] or stamp) < settings.unreachable_budget_seconds
        else:
            within = job["attempts"] + 1 < job["max_attempts"]
        if not (err.retryable and within):
            self._dead(job, err.category, err.message)
            return "dead"
        attempt = job["attempts"] + 1
        delay = backoff_seconds(attempt, settings.retry_base_seconds, settings.retry_max_seconds,
                                floor=short_lease(self.timeout))
        with self.services.db.transaction() as conn:
            if jobs.set_retry(conn, job["id"], job["claim_token"], delay, err.message, err.category):
                logger.warning("job %s attempt %s failed (%s); retry in %.1fs", job["id"], attempt, err.category, delay)
        return "retry"

    def _dead(self, job: dict, category: str, message: str, ran: bool = True) -> None:
        with self.services.db.transaction() as conn:
            if not jobs.set_dead(conn, job["id"], job["claim_token"], message, category, ran=ran):
                logger.warning("job %s failed after its claim was lost; its outcome is not recorded", job["id"])
                return
            release = releases.get_release(conn, job["release_id"]) if job["release_id"] else None
            if release and not release["in_flight"]:  # abandoned or superseded while it ran: nothing to hold
                state = jobs.ABANDONED if release["status"] == releases.ABANDONED else jobs.SUPERSEDED
                jobs.settle_release(conn, release["id"], state, f"failed after the release was {release['status']}")
                audit.append(conn, "writeback.settled", release["id"],
                             {"job_id": job["id"], "state": state, "error": message}, actor=ACTOR)
                return
            document = f"{job.get('model') or jobs.DEFAULT_MODEL} {job['payload'].get('order_id')}"
            summary = f"{job['operation']} for {document}: {CATEGORY_LABELS.get(category, category)}"
            attempts = job["attempts"] + (1 if ran else 0)
            letter_id = dead_letters.insert(conn, kind=dead_letters.JOB, category=category, summary=summary,
                                            ref=job["id"], detail={"job_id": job["id"], "operation": job["operation"],
                                                                   "payload": job["payload"], "error": message,
                                                                   "attempts": attempts, "crashes": job["crashes"]})
            audit.append(conn, "writeback.dead", job["release_id"] or job["id"],
                         {"job_id": job["id"], "dead_letter_id": letter_id, "category": category})
            writebacks.refresh_release(conn, job["release_id"])
        logger.error("job %s is a dead letter %s after %s attempts: %s", job["id"], letter_id, attempts, message)

    def _superseded(self, job: dict, stale: writeback.Superseded) -> None:
        """The order changed after the decision: do nothing, take the release out of flight, decide again."""
        result = {"effect": "superseded", "decided": stale.decided, "current": stale.current}
        release = None
        with self.services.db.transaction() as conn:
            if not jobs.set_superseded(conn, job["id"], job["claim_token"], result):
                return
            audit.append(conn, "writeback.superseded", job["release_id"] or job["id"],
                         {"job_id": job["id"], "operation": job["operation"], **result}, actor=ACTOR)
            found = releases.get_release(conn, job["release_id"]) if job["release_id"] else None
            if found and found["in_flight"]:
                writebacks.supersede_release(conn, found["id"], str(stale))
                release = found
        logger.warning("job %s not run: %s", job["id"], stale)
        if release:
            redecide.request(self.services, release, stale.current)
