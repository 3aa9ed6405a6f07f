"""A stack of real processes per test: the API under gunicorn and outbox workers, on the test's store,
reaching the Odoo double through a proxy that can refuse connections."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from sidecar.store import Database
from sidecar.store.schema import dead_letters, jobs, releases
from tests.conftest import sidecar_env
from tests.faults.stack import Stack

ODOO_TIMEOUT = "2"  # seconds: a crashed worker's job comes back after about 2x this (sidecar/worker.py)


def stack_env(tmp_path, odoo_target, odoo_proxy, **extra) -> dict:
    return sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                       SIDECAR_WORKERS="2", SIDECAR_THREADS="4", SIDECAR_WORKER_POLL_SECONDS="0.05",
                       SIDECAR_ODOO_TIMEOUT=ODOO_TIMEOUT, SIDECAR_LOG_LEVEL="warning", **extra)


@pytest.fixture
def make_stack(tmp_path, odoo_double, odoo_target, odoo_proxy):
    """Builds the stack (with environment overrides); every process it started is stopped at the end."""
    made = []

    def build(**extra) -> Stack:
        made.append(Stack(stack_env(tmp_path, odoo_target, odoo_proxy, **extra), tmp_path))
        return made[-1]

    yield build
    for stack in made:
        stack.stop()


def ledger(url: str) -> dict:
    """The store's side: decisions per order, job states, open dead letters by kind."""
    store = Database(url)
    try:
        with store.read() as conn:
            decided = conn.execute(sa.select(releases.c.order_id, sa.func.count())
                                   .group_by(releases.c.order_id)).all()
            states = conn.execute(sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)).all()
            letters = conn.execute(sa.select(dead_letters.c.kind, sa.func.count())
                                   .where(dead_letters.c.status == "open").group_by(dead_letters.c.kind)).all()
    finally:
        store.dispose()
    return {"decisions": dict(decided), "jobs": dict(states), "open_letters": dict(letters)}


def job_rows(url: str) -> list[dict]:
    """Every write-back job: its order, operation, state, crashes and the effect it recorded."""
    store = Database(url)
    try:
        with store.read() as conn:
            rows = conn.execute(sa.select(jobs.c.order_id, jobs.c.operation, jobs.c.state, jobs.c.crashes,
                                          jobs.c.result)).mappings().all()
    finally:
        store.dispose()
    return [{**row, "effect": (row["result"] or {}).get("effect")} for row in rows]


def settled(stack, seconds: float = 90) -> dict:
    """The ledger once no job is waiting or running any more (every write-back done or dead)."""
    deadline, book = time.monotonic() + seconds, {}
    while time.monotonic() < deadline:
        book = ledger(stack.env["SIDECAR_DATABASE_URL"])
        if book["jobs"] and not set(book["jobs"]) & {"pending", "started", "retrying"}:
            return book
        time.sleep(0.3)
    raise AssertionError(f"write-backs still in flight after {seconds}s: {book}")
