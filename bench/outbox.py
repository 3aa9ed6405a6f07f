"""Outbox throughput: write-back jobs delivered by the outbox worker, as a ratio of the same write-backs
called bare.

The Odoo double runs in its own process with 2 x N seeded quotations. N release decisions are made
through the API (in process), each queueing two jobs (the decision's note, then the confirmation);
`OutboxWorker.drain()` delivers them: claim, run against Odoo, record the outcome and its audit entry,
one job after the other. Then N more decisions, whose jobs are run bare: the same write-back
functions (`sidecar.odoo.writeback.run`) on the same gateway, in the same order, nothing stored.
Both count their RPC calls. Target: the worker within 1.5x the bare calls' time.

    .venv/bin/python bench/outbox.py [--decisions 100]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.batch_writes import Counted  # noqa: E402
from bench.harness import MACHINE, verdict  # noqa: E402
from bench.intake import bearer, event, odoo_double, seed_quotations, sidecar_env  # noqa: E402

TARGET = 1.5


def decide(client, bodies: list[dict], tag: str) -> list[str]:
    """One release decision per quotation; their ids."""
    ids = []
    for n, body in enumerate(bodies):
        answer = client.post("/v1/events", data=event(body, n), headers=bearer())
        assert answer.status_code == 201 and answer.json["outcome"] == "release", (tag, answer.json)
        ids.append(answer.json["release_id"])
    return ids


def by_worker(services) -> tuple[float, int, int]:
    """Drain the outbox: (seconds, jobs handled, RPC calls)."""
    from sidecar.worker import OutboxWorker
    counted = Counted(services.odoo)
    started = time.perf_counter()
    handled = OutboxWorker(services).drain()["handled"]
    return time.perf_counter() - started, handled, counted.calls


def bare(services, release_ids: list[str]) -> tuple[float, int, int]:
    """The same write-backs run straight on the gateway: (seconds, jobs run, RPC calls)."""
    from sidecar.flows import writebacks
    from sidecar.odoo import writeback
    from sidecar.store import jobs
    with services.db.read() as conn:
        work = [(job["operation"], writebacks.as_expected_now(conn, job))
                for release_id in release_ids for job in jobs.for_release(conn, release_id)]
    counted = Counted(services.odoo)
    started = time.perf_counter()
    for operation, payload in work:
        writeback.run(services.odoo, operation, payload)
    return time.perf_counter() - started, len(work), counted.calls


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100)
    args = parser.parse_args(argv)
    from sidecar.app import create_app
    from sidecar.config import load_settings
    from sidecar.store import jobs
    with odoo_double() as url, tempfile.TemporaryDirectory(prefix="bench-outbox-") as tmp:
        bodies = seed_quotations(url, 2 * args.decisions)
        app = create_app(settings=load_settings(sidecar_env(Path(tmp), url)))
        services, client = app.extensions["sidecar"], app.test_client()
        decide(client, bodies[:args.decisions], "worker")
        worker_time, worker_jobs, worker_calls = by_worker(services)
        with services.db.read() as conn:
            states = jobs.count_by_state(conn)
        assert states == {jobs.DONE: worker_jobs}, states
        bare_ids = decide(client, bodies[args.decisions:], "bare")
        bare_time, bare_jobs, bare_calls = bare(services, bare_ids)
        services.close()
    print(f"outbox: {args.decisions} release decisions, their jobs delivered against the Odoo double, {MACHINE}")
    print(f"  outbox worker: {worker_jobs} jobs, {worker_calls} RPC calls, {worker_time:.2f}s "
          f"({worker_jobs / worker_time:.1f} jobs/s)")
    print(f"  bare calls:    {bare_jobs} jobs, {bare_calls} RPC calls, {bare_time:.2f}s "
          f"({bare_jobs / bare_time:.1f} jobs/s)")
    return 0 if verdict("worker time / bare time", worker_time / bare_time, TARGET, higher_is_better=False) else 1


if __name__ == "__main__":
    sys.exit(main())
