"""Outbox worker: delivers write-back jobs to Odoo with retries; exhausted jobs become dead letters."""
from __future__ import annotations

import logging
import random
import threading

from sidecar.odoo import writeback
from sidecar.odoo.errors import CATEGORY_LABELS, OdooError
from sidecar.services import Services
from sidecar.store import audit, dead_letters, jobs, releases

logger = logging.getLogger(__name__)
BATCH_SIZE = 10


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
    return random.uniform(0, min(cap, base * 2 ** max(attempt - 1, 0)))


def _finish_release(conn, release_id: str | None) -> None:
    """Once every job of a releasing/rejecting release is done, the release is final."""
    if not release_id:
        return
    release = releases.get_release(conn, release_id)
    final = {releases.RELEASING: releases.RELEASED, releases.REJECTING: releases.REJECTED}.get(release["status"])
    if final and all(j["state"] == jobs.DONE for j in jobs.for_release(conn, release_id)):
        releases.set_status(conn, release_id, final)
        audit.append(conn, "release.completed", release_id, {"status": final})


class OutboxWorker:
    """Claims due jobs, runs them against Odoo, records each outcome."""

    def __init__(self, services: Services):
        self.services = services
        self._stop = threading.Event()

    def run_once(self) -> int:
        """Deliver every job due now; returns how many were attempted."""
        with self.services.db.transaction() as conn:
            claimed = jobs.claim_due(conn, BATCH_SIZE)
        for job in claimed:
            self._deliver(job)
        return len(claimed)

    def drain(self, max_rounds: int = 100) -> None:
        """Run until nothing is due (tests and `worker --once`)."""
        for _ in range(max_rounds):
            if not self.run_once():
                return

    def run_forever(self) -> None:
        """Poll until stop() is called."""
        poll = self.services.settings.worker_poll_seconds
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # the store itself failed; keep the loop alive
                logger.exception("outbox worker round failed")
                busy = 0
            if not busy:
                self._stop.wait(poll)

    def stop(self) -> None:
        """Ask run_forever to return."""
        self._stop.set()

    def start_thread(self) -> threading.Thread:
        """Run in a daemon thread (the in-process option for small installs)."""
        thread = threading.Thread(target=self.run_forever, name="outbox-worker", daemon=True)
        thread.start()
        return thread

    def _deliver(self, job: dict) -> None:
        try:
            result = writeback.run(self.services.odoo, job["operation"], job["payload"])
        except OdooError as err:
            self._failed(job, err)
            return
        except Exception as err:  # a bug, not Odoo: keep the traceback once, treat as retryable
            logger.exception("job %s (%s) failed unexpectedly", job["id"], job["operation"])
            self._failed(job, OdooError("odoo_error", f"{type(err).__name__}: {err}", retryable=True))
            return
        with self.services.db.transaction() as conn:
            jobs.set_done(conn, job["id"], result)
            audit.append(conn, "writeback.done", job["release_id"] or job["id"],
                         {"job_id": job["id"], "operation": job["operation"], "result": result})
            _finish_release(conn, job["release_id"])

    def _failed(self, job: dict, err: OdooError) -> None:
        settings = self.services.settings
        with self.services.db.transaction() as conn:
            if err.retryable and job["attempts"] < job["max_attempts"]:
                delay = backoff_seconds(job["attempts"], settings.retry_base_seconds, settings.retry_max_seconds)
                jobs.set_retry(conn, job["id"], delay, err.message, err.category)
                logger.warning("job %s attempt %s failed (%s); retry in %.1fs",
                               job["id"], job["attempts"], err.category, delay)
                return
            jobs.set_dead(conn, job["id"], err.message, err.category)
            summary = f"{job['operation']} for sale.order {job['payload'].get('order_id')}: " \
                      f"{CATEGORY_LABELS.get(err.category, err.category)}"
            letter_id = dead_letters.insert(conn, kind=dead_letters.JOB, category=err.category, summary=summary,
                                            ref=job["id"], detail={"job_id": job["id"], "operation": job["operation"],
                                                                   "payload": job["payload"], "error": err.message,
                                                                   "attempts": job["attempts"]})
            audit.append(conn, "writeback.dead", job["release_id"] or job["id"],
                         {"job_id": job["id"], "dead_letter_id": letter_id, "category": err.category})
            logger.error("job %s is a dead letter %s after %s attempts: %s",
                         job["id"], letter_id, job["attempts"], err.message)
