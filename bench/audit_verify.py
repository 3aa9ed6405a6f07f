"""`audit verify` of 1 M entries: how long it takes, and whether writes go on meanwhile.

A SQLite store is filled with `--entries` sealed, chained audit entries (through the store's own
audit code, in transactions of 10,000). Then, in the same run:

  alone   the full verification (sidecar.store.audit_verify.verify) with nothing else running
  busy    the same verification in another process while this one keeps committing write
          transactions of a decision's size (4 audit entries each), timed one by one
  then    an incremental verification from the checkpoint the last one signed (the new entries)

and before and after, the same write transactions with no verification running (the baseline).
Each verification's wall time is printed beside its process's CPU time (per entry too) and the load
average: on a shared machine the CPU time is the steady figure.
Targets: verification under 30 s; writes continue during it (their rate at least half the
baseline's, none waiting more than a second) and the chain they extend verifies.

    .venv/bin/python bench/audit_verify.py [--entries 1000000]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import MACHINE, percentile  # noqa: E402

TARGET_SECONDS = 30.0
BATCH = 10_000
KEY = b"bench-audit-key-0123456789abcdef0123456789"
DATA = {"type": "sale_order.release_requested", "event_id": "odoo:sale.order:4242:bench", "order_id": 4242,
        "outcome": "release", "policy": {"name": "sales-order-release", "version": "2026.11"}}


def database(path: Path):
    from sidecar.store import Database
    from sidecar.store.audit import AuditSeal
    return Database(f"sqlite:///{path}", AuditSeal(KEY, path.with_suffix(".checkpoints")))


def fill(path: Path, entries: int) -> float:
    """`entries` audit entries in the store at `path`; seconds it took."""
    from sidecar.store import audit
    db = database(path)
    db.create_schema()
    started = time.perf_counter()
    for start in range(0, entries, BATCH):
        with db.transaction() as conn:
            for n in range(start, min(entries, start + BATCH)):
                audit.append(conn, "decision.made", f"rel_{n:020d}", DATA)
    db.dispose()
    return time.perf_counter() - started


def _verify(path: Path, incremental: bool, out) -> None:
    from sidecar.store.audit_verify import verify
    db = database(path)
    started, cpu = time.perf_counter(), time.process_time()
    report = verify(db, incremental=incremental)
    out.put((time.perf_counter() - started, time.process_time() - cpu, report["ok"], report["entries"]))


def writes(db, seconds: float, until=None) -> list[float]:
    """Decision-sized write transactions for `seconds` (or until `until()` is true): each one's time."""
    from sidecar.store import audit
    times, deadline, n = [], time.monotonic() + seconds, 0
    while time.monotonic() < deadline and not (until and until()):
        started = time.perf_counter()
        with db.transaction() as conn:
            for kind in ("event.received", "decision.made", "writeback.queued", "writeback.queued"):
                audit.append(conn, kind, f"bench-{n}", DATA)
        times.append(time.perf_counter() - started)
        n += 1
    return times


def verify_in_process(path: Path, db=None, incremental: bool = False) -> tuple[float, float, bool, int, list[float]]:
    """Verify in another process; with `db`, write meanwhile: (seconds, CPU seconds, ok, entries, write times)."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, as `sidecar audit verify` is
    out = context.Queue()
    process = context.Process(target=_verify, args=(path, incremental, out))
    process.start()
    written = writes(db, 3600, until=lambda: not process.is_alive()) if db is not None else []
    seconds, cpu, ok, entries = out.get()
    process.join()
    return seconds, cpu, ok, entries, written


def load() -> str:
    """The 1-minute load average: how many runnable processes shared the cores."""
    return f"load {os.getloadavg()[0]:.1f}"


def timing(seconds: float, cpu: float, entries: int) -> str:
    return (f"{seconds:6.1f}s ({seconds / max(entries, 1) * 1e6:.0f} µs/entry), CPU {cpu:.1f}s "
            f"({cpu / max(entries, 1) * 1e6:.1f} µs/entry)")


def summary(times: list[float], seconds: float) -> str:
    return (f"{len(times)} in {seconds:.1f}s ({len(times) / seconds:.0f}/s), "
            f"p50 {percentile(times, 50) * 1000:.1f} ms, p99 {percentile(times, 99) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.0f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        path = Path(tmp, "sidecar.db")
        filled = fill(path, args.entries)
        loads = [load()]
        alone, cpu_alone, ok_alone, walked, _ = verify_in_process(path)
        loads.append(load())
        db = database(path)
        before = writes(db, args.baseline_seconds)
        busy, cpu_busy, ok_busy, walked_busy, during = verify_in_process(path, db)
        loads.append(load())
        after = writes(db, args.baseline_seconds)
        final, _, ok_final, walked_final, _ = verify_in_process(path, incremental=True)
        db.dispose()
    baseline = before + after
    rate, rate_during = len(baseline) / (2 * args.baseline_seconds), len(during) / busy
    print(f"audit verify: {args.entries:,} entries (filled in {filled:.0f}s), SQLite, {MACHINE}, "
          f"{', '.join(loads)} (before, after alone, after busy)")
    print(f"  verify alone:           {timing(alone, cpu_alone, walked)}, {walked:,} entries, ok={ok_alone}")
    print(f"  verify while writing:   {timing(busy, cpu_busy, walked_busy)}, {walked_busy:,} entries, ok={ok_busy}")
    print(f"  writes, no verify:      {summary(baseline, 2 * args.baseline_seconds)}")
    print(f"  writes during verify:   {summary(during, busy)}")
    print(f"  then incrementally, from the checkpoint the last verification signed: {walked_final:,} new entries "
          f"in {final:.1f}s, ok={ok_final}")
    time_met = max(alone, busy) < TARGET_SECONDS
    flowing = rate_during >= 0.5 * rate and max(during) < 1.0 and ok_final
    print(f"  verification time: target < {TARGET_SECONDS:g}s: {'met' if time_met else 'MISSED'}")
    print(f"  writes during verification: {rate_during / rate:.2f}x the baseline rate, longest "
          f"{max(during) * 1000:.0f} ms; target: at least 0.5x, none over 1 s: {'met' if flowing else 'MISSED'}")
    return 0 if time_met and flowing and ok_alone and ok_busy else 1


if __name__ == "__main__":
    sys.exit(main())
