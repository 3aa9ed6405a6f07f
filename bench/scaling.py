"""Intake scaling from 1 to 2 gunicorn workers on PostgreSQL: the ratio of their throughputs.

The sidecar of bench/intake.py (Odoo answered from a recording, every event a new decision) runs
twice on one PostgreSQL database, under gunicorn with 1 worker and with 2 (4 threads each); both
are loaded in alternating rounds by the same clients. Target: 2 workers at least 1.8x one.

Each run also counts the CPU time per decision of PostgreSQL (when SIDECAR_TEST_PGDATA names its data
directory, as scripts/postgres.sh prints it) and of the clients. With them the run prints this
machine's ceiling: the rate 2 workers would reach if every core went to serving decisions at the CPU
they cost (the sidecar's, PostgreSQL's and the clients'), over 1 worker's measured rate. Where that
ceiling is below the target, the target cannot be shown on this machine, whatever the sidecar does.

    eval "$(bash scripts/postgres.sh)"     # a throwaway server: SIDECAR_TEST_DATABASE_URL
    .venv/bin/python bench/scaling.py [--seconds 10] [--rounds 3] [--database-url postgresql+psycopg://...]

A new database (bench_<time>) is created on that server for the run and dropped after it.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import MACHINE, tree_cpu_seconds, verdict  # noqa: E402
from bench.intake import odoo_double, parser, print_rounds, ratios, rounds, stubbed_sidecar  # noqa: E402

TARGET = 1.8


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new database on the server of `server_url` (dropped afterwards); yields its URL."""
    import sqlalchemy as sa
    url = sa.engine.make_url(server_url)
    name = f"bench_{time.time_ns()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(argv=None) -> int:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--database-url", default=os.environ.get("SIDECAR_TEST_DATABASE_URL"))
    args = options.parse_args(argv)
    if not (args.database_url or "").startswith("postgresql"):
        print("give a PostgreSQL server: --database-url, or eval \"$(bash scripts/postgres.sh)\" first", file=sys.stderr)
        return 2
    with odoo_double() as url, fresh_database(args.database_url) as database_url, \
            tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        one_dir, two_dir = Path(tmp, "one"), Path(tmp, "two")
        one_dir.mkdir()
        two_dir.mkdir()
        with stubbed_sidecar(args, url, one_dir, database_url, workers=1) as (one, build), \
                stubbed_sidecar(args, url, two_dir, database_url, workers=2) as (two, _build):
            runs = rounds([("1 worker", one, build), ("2 workers", two, build)], args, also=postgres_meter())
    print_rounds(f"intake on PostgreSQL, Odoo stubbed: gunicorn 1 then 2 workers x {args.threads} threads, "
                 f"{args.concurrency} connections, {args.rounds} alternating rounds of {args.seconds:g}s, {MACHINE}",
                 runs, {"1 worker": "1 worker", "2 workers": "2 workers"})
    print_ceiling(runs)
    ratio = statistics.median(ratios(runs, "2 workers", "1 worker"))
    return 0 if verdict("2 workers / 1 worker (median of the rounds)", ratio, TARGET) else 1


def postgres_meter() -> dict:
    """PostgreSQL's CPU meter for harness.load, when its data directory is known."""
    data = os.environ.get("SIDECAR_TEST_PGDATA")
    pid_file = Path(data or "", "postmaster.pid")
    if not data or not pid_file.exists():
        return {}
    postmaster = int(pid_file.read_text().split()[0])
    return {"PostgreSQL": lambda: tree_cpu_seconds(postmaster)}


def print_ceiling(runs: dict[str, list]) -> None:
    """Each round's CPU per decision, and the ratio 2 workers could reach on this machine's cores."""
    ceilings = []
    for n, (one, two) in enumerate(zip(runs["1 worker"], runs["2 workers"]), start=1):
        postgres = (two.also_cpu_ms or {}).get("PostgreSQL")
        spent = two.cpu_ms + two.client_cpu_ms + (postgres or 0.0)
        ceilings.append(os.cpu_count() * 1000 / spent / one.rate)
        print(f"  round {n}, 2 workers: CPU per decision {spent:.2f} ms = sidecar {two.cpu_ms:.2f} + clients "
              f"{two.client_cpu_ms:.2f}" + (f" + PostgreSQL {postgres:.2f}" if postgres is not None else
                                             " (PostgreSQL not counted: SIDECAR_TEST_PGDATA unset)"))
    print(f"  this machine's ceiling for 2 workers / 1 worker (every core serving decisions at that CPU): "
          f"{statistics.median(ceilings):.3f}x")


if __name__ == "__main__":
    sys.exit(main())
