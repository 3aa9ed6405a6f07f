"""Intake scaling from 1 to 2 gunicorn workers on PostgreSQL: the ratio of their throughputs.

The sidecar of bench/intake.py (Odoo answered from a recording, every event a new decision) runs
twice on one PostgreSQL database, under gunicorn with 1 worker and with 2 (4 threads each); both
are loaded in alternating rounds by the same clients. Target: 2 workers at least 1.8x one.

The bare Flask echo of bench/intake.py runs the same way, 1 worker and 2, in the same rounds: how far
this machine lets any gunicorn app scale (its cores are shared with the clients, PostgreSQL and the
rest), the ceiling the sidecar's ratio is read against.

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

from bench.harness import MACHINE, gunicorn, verdict  # noqa: E402
from bench.intake import echo_of, odoo_double, parser, print_rounds, ratios, rounds, stubbed_sidecar  # noqa: E402

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
                stubbed_sidecar(args, url, two_dir, database_url, workers=2) as (two, _build), \
                gunicorn("bench.apps:echo", {}, 1, args.threads) as echo_one, \
                gunicorn("bench.apps:echo", {}, 2, args.threads) as echo_two:
            runs = rounds([("1 worker", one, build), ("2 workers", two, build),
                           ("echo 1", echo_one, echo_of(build)), ("echo 2", echo_two, echo_of(build))], args)
    print_rounds(f"intake on PostgreSQL, Odoo stubbed: gunicorn 1 then 2 workers x {args.threads} threads, "
                 f"{args.concurrency} connections, {args.rounds} alternating rounds of {args.seconds:g}s, {MACHINE}",
                 runs, {"1 worker": "1 worker", "2 workers": "2 workers",
                        "echo 1": "bare Flask echo, 1 worker", "echo 2": "bare Flask echo, 2 workers"})
    ceiling = statistics.median(ratios(runs, "echo 2", "echo 1"))
    print(f"  this machine's ceiling: the bare echo scales {ceiling:.3f}x from 1 to 2 workers")
    ratio = statistics.median(ratios(runs, "2 workers", "1 worker"))
    return 0 if verdict("2 workers / 1 worker (median of the rounds)", ratio, TARGET) else 1


if __name__ == "__main__":
    sys.exit(main())
