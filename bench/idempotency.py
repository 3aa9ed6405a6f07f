"""Idempotency lookups in a store holding 1 M keys, as a ratio of the same in an empty store.

Two SQLite stores: one empty, one filled with `--keys` idempotency records (answers of a realistic
size). In each, alternately, the intake's two idempotency paths are timed: a first delivery (a write
transaction that looks the new key up and saves its answer) and a repeat (a read of a stored key,
picked at random). Target: the full store at least 0.95x the empty one's speed on both.

    .venv/bin/python bench/idempotency.py [--keys 1000000] [--runs 2000]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import MACHINE, verdict  # noqa: E402

TARGET = 0.95
BATCH = 20_000
ANSWER = {"release_id": "rel_0123456789abcdef0123", "order_id": 4242, "order_name": "S04242", "outcome": "release",
          "status": "releasing", "decision": {"outcome": "release", "reasons": [{"code": "margin", "passed": True}] * 4},
          "jobs": [{"id": "job_0123456789abcdef0123", "operation": "post_message", "state": "pending"}] * 2}


def store(path: Path, keys: int):
    """A store at `path` holding `keys` idempotency records (key-0 .. key-N)."""
    from sidecar.store import Database
    from sidecar.store.schema import idempotency
    db = Database(f"sqlite:///{path}")
    db.create_schema()
    for start in range(0, keys, BATCH):
        rows = [{"key": f"key-{n}", "operation": "submit_event", "request_hash": f"{n:064x}", "status_code": 201,
                 "response": ANSWER, "created_at": time.time()} for n in range(start, min(keys, start + BATCH))]
        with db.transaction() as conn:
            conn.execute(idempotency.insert(), rows)
    return db


def first_delivery(db, key: str) -> None:
    """What intake does with a new key: look it up, then save the answer, in one write transaction."""
    from sidecar.store import idempotency
    with db.transaction() as conn:
        assert idempotency.find(conn, key) is None
        idempotency.save(conn, key, "submit_event", "0" * 64, 201, ANSWER)


def repeat(db, key: str) -> None:
    """What intake does with a repeat: read the stored answer."""
    from sidecar.store import idempotency
    with db.read() as conn:
        assert idempotency.find(conn, key) is not None


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="bench-idempotency-") as tmp:
        started = time.perf_counter()
        stores = {"empty": store(Path(tmp, "empty.db"), 0), "full": store(Path(tmp, "full.db"), args.keys)}
        filled = time.perf_counter() - started
        stored = {"empty": [], "full": [f"key-{n}" for n in range(args.keys)]}
        times = {(name, path): [] for name in stores for path in ("first", "repeat")}
        for n in range(args.runs):
            for name, db in stores.items():  # alternating: the machine's ups and downs hit both alike
                key = f"new-{n}"
                times[(name, "first")].append(timed(lambda: first_delivery(db, key)))
                stored[name].append(key)
                times[(name, "repeat")].append(timed(lambda: repeat(db, rnd.choice(stored[name]))))
        size = Path(tmp, "full.db").stat().st_size
        for db in stores.values():
            db.dispose()
    medians = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    print(f"idempotency: {args.keys:,} keys ({size / 1e6:.0f} MB, filled in {filled:.0f}s) against an empty store, "
          f"{args.runs} alternating runs, medians, {MACHINE}")
    met = True
    for path, label in (("first", "first delivery (find + save)"), ("repeat", "repeat (find)")):
        print(f"  {label:<30} empty {medians[('empty', path)]:8.1f} µs   full {medians[('full', path)]:8.1f} µs")
        met &= verdict(f"{label}: full store speed / empty store speed",
                       medians[("empty", path)] / medians[("full", path)], TARGET)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
