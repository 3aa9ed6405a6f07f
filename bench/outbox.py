"""Outbox throughput: write-back jobs delivered by the outbox worker, as a ratio of the same write-backs
called bare.

The Odoo double runs in its own process with 2 x N seeded quotations. In each of R rounds, N/R release
decisions are made through the API (in process), each queueing two jobs (the decision's note, then the
confirmation), and `OutboxWorker.drain()` delivers them: claim, run against Odoo, record the outcome and
its audit entry. N/R more decisions have their jobs run bare: the same write-back functions
(`sidecar.odoo.writeback.run`) on the same gateway, in the same order, nothing stored (their jobs are
then abandoned, so no later drain takes them). The two sides alternate which goes first, round by round,
so a machine that is busier at one moment, or a double that slows as it fills, weighs on both alike; the
ratio is the median of the rounds'. Both count their RPC calls and the sidecar process's CPU time.
Target: the worker within 1.5x the bare calls' time.

    .venv/bin/python bench/outbox.py [--decisions 100] [--rounds 5]
"""
from __future__ import annotations

import argparse
import statistics
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


def by_worker(services) -> tuple[float, float, int, int]:
    """Drain the outbox: (seconds, CPU seconds, jobs handled, RPC calls)."""
    from sidecar.worker import OutboxWorker
    counted = Counted(services.odoo)
    started, cpu = time.perf_counter(), time.process_time()
    handled = OutboxWorker(services).drain()["handled"]
    return time.perf_counter() - started, time.process_time() - cpu, handled, counted.calls


def bare(services, release_ids: list[str]) -> tuple[float, float, int, int]:
    """The same write-backs run straight on the gateway, then abandoned in the store: (seconds, CPU seconds,
    jobs run, RPC calls)."""
    from sidecar.flows import writebacks
    from sidecar.odoo import writeback
    from sidecar.store import jobs
    with services.db.read() as conn:
        work = [(job["operation"], writebacks.as_expected_now(conn, job))
                for release_id in release_ids for job in jobs.for_release(conn, release_id)]
    counted = Counted(services.odoo)
    started, cpu = time.perf_counter(), time.process_time()
    for operation, payload in work:
        writeback.run(services.odoo, operation, payload)
    took = time.perf_counter() - started, time.process_time() - cpu, len(work), counted.calls
    with services.db.transaction() as conn:
        for release_id in release_ids:
            writebacks.abandon_release_jobs(conn, release_id, "run bare by the benchmark")
    return took


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    from sidecar.app import create_app
    from sidecar.config import load_settings
    from sidecar.store import jobs
    per_round = max(1, args.decisions // args.rounds)
    totals = {"worker": [0.0, 0.0, 0, 0], "bare": [0.0, 0.0, 0, 0]}
    ratios = []
    with odoo_double() as url, tempfile.TemporaryDirectory(prefix="bench-outbox-") as tmp:
        bodies = seed_quotations(url, 2 * per_round * args.rounds)
        app = create_app(settings=load_settings(sidecar_env(Path(tmp), url)))
        services, client = app.extensions["sidecar"], app.test_client()
        for number in range(args.rounds):
            chunk = bodies[2 * per_round * number:2 * per_round * (number + 1)]
            took = {}
            for side in ("worker", "bare") if number % 2 == 0 else ("bare", "worker"):
                ids = decide(client, chunk[:per_round] if side == "worker" else chunk[per_round:], side)
                took[side] = by_worker(services) if side == "worker" else bare(services, ids)
                totals[side] = [a + b for a, b in zip(totals[side], took[side])]
            ratios.append(took["worker"][0] / took["bare"][0])
            print(f"  round {number + 1}: worker {took['worker'][0]:.2f}s, bare {took['bare'][0]:.2f}s: "
                  f"{ratios[-1]:.2f}x", flush=True)
        with services.db.read() as conn:
            states = jobs.count_by_state(conn)
        assert states == {jobs.DONE: totals["worker"][2], jobs.ABANDONED: totals["bare"][2]}, states
        services.close()
    print(f"outbox: {per_round * args.rounds} release decisions a side in {args.rounds} alternating rounds, "
          f"their jobs delivered against the Odoo double, {MACHINE}")
    for side, label in (("worker", "outbox worker:"), ("bare", "bare calls:   ")):
        seconds, cpu, count, calls = totals[side]
        print(f"  {label} {count} jobs, {calls} RPC calls, {seconds:.2f}s ({count / seconds:.1f} jobs/s), "
              f"sidecar CPU {1000 * cpu / count:.2f} ms/job")
    return 0 if verdict("worker time / bare time (median of the rounds)", statistics.median(ratios), TARGET,
                        higher_is_better=False) else 1


if __name__ == "__main__":
    sys.exit(main())
