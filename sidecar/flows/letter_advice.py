"""Advice beside dead letters (category and priority) and the fairness report over the letters it scores.

Computed when letters are listed or shown, never stored: a replay, resolve or abandon reads none of it.
"""
from __future__ import annotations

import time

from sidecar.advisory import fairness, letters
from sidecar.advisory.config import AdvisoryConfig
from sidecar.advisory.local import LocalAdvisor
from sidecar.flows import advice_rank
from sidecar.services import Services
from sidecar.store import dead_letters, jobs
from sidecar.store.records import iso

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 365
MAX_CASES = 2000  # the newest letters of the window a report scores


def advice_for(conn, config: AdvisoryConfig, rows: list[dict], now: float | None = None) -> dict[str, dict]:
    """Advice on each letter, by id. Always the local backend: a page of letters must not wait on a chat API once
    per row."""
    now = time.time() if now is None else now

    def advise() -> dict[str, dict]:
        facts = jobs.release_facts_of(conn, [row["ref"] for row in rows if row["kind"] == dead_letters.JOB
                                             and row["ref"]])
        return letters.advise_letters(LocalAdvisor(config), [(row, facts.get(row["ref"], {})) for row in rows], now)
    return advice_rank.guarded("dead letters", len(rows), advise)


def fairness_report(services: Services, days: int = DEFAULT_WINDOW_DAYS, now: float | None = None) -> dict:
    """Priority scores of the dead letters made in the last `days`, per customer tier, with the gap between tiers."""
    now = time.time() if now is None else now
    since = now - days * 86400
    with services.db.read() as conn:
        rows = dead_letters.list_letters(conn, since=since, limit=MAX_CASES)
        advice = advice_for(conn, services.settings.advisory, rows, now)
    versions = sorted({found["model_version"] for found in advice.values()})
    return {"advisory_only": True, "scored": "dead letters", "segment_by": "customer tier", "window_days": days,
            "since": iso(since), "until": iso(now), "model_versions": versions,
            **fairness.report([(found["segment"], found["priority"]) for found in advice.values()])}
