"""The highest intake / echo ratio a SQLite store allows: what a decision spends inside SQLite's own calls.

bench/intake.py holds intake to 0.5x a bare Flask echo's rate. Whatever the sidecar does in Python, a
decision also does what the echo does (gunicorn takes the request, Flask parses and answers JSON) and
runs its statements and its synced commit in SQLite. If CPU limits both servers, intake's rate over
the echo's is at most

    ceiling = echo CPU per request / (echo CPU per request + SQLite CPU per decision)

the ratio intake would reach if all the sidecar's Python took no time at all.

Measured in one run:
  - decisions (each a new release on its own quotation, Odoo answered from a recording exactly as in
    bench/intake.py) sent by `--threads` threads straight to the sidecar's WSGI app in this process.
    A connection class installed through SQLAlchemy's `do_connect` event counts the CPU time each
    thread spends inside the SQLite driver's calls: statements, fetches, commits with their fsync.
    The process's CPU per decision is printed beside it;
  - the bare echo under gunicorn with the sidecar's settings, loaded as bench/intake.py loads it, with
    the same event bodies, after a first load that is not counted (a new gunicorn's first seconds cost
    up to twice the CPU per request): its server CPU per request.

    .venv/bin/python bench/intake_ceiling.py [--decisions 2000] [--threads 4] [--seconds 8]
"""
from __future__ import annotations

import argparse
import io
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import MACHINE, describe, gunicorn, load  # noqa: E402
from bench.intake import TARGET, bearer, echo_of, odoo_double, record, sidecar_env, stubbed_events  # noqa: E402

CLOCK = Counter()  # driver call name -> CPU seconds spent inside it, all threads
_CLOCK_LOCK = threading.Lock()


def _clocked(call):
    """`call` with the calling thread's CPU time inside it added to CLOCK."""
    name = call.__name__

    def clocked(*args, **kwargs):
        start = time.thread_time()
        try:
            return call(*args, **kwargs)
        finally:
            spent = time.thread_time() - start
            with _CLOCK_LOCK:
                CLOCK[name] += spent
    return clocked


class ClockedCursor(sqlite3.Cursor):
    execute = _clocked(sqlite3.Cursor.execute)
    executemany = _clocked(sqlite3.Cursor.executemany)
    fetchone = _clocked(sqlite3.Cursor.fetchone)
    fetchall = _clocked(sqlite3.Cursor.fetchall)


class ClockedConnection(sqlite3.Connection):
    def cursor(self, factory=ClockedCursor):
        return super().cursor(factory)

    execute = _clocked(sqlite3.Connection.execute)
    commit = _clocked(sqlite3.Connection.commit)
    rollback = _clocked(sqlite3.Connection.rollback)


def clock_sqlite(engine) -> None:
    """New connections of `engine` are ClockedConnections; the pooled ones are dropped."""
    from sqlalchemy import event

    @event.listens_for(engine, "do_connect")
    def clocked_connection(dialect, record, cargs, cparams):
        cparams["factory"] = ClockedConnection
    engine.dispose()


def wsgi_call(app, method: str, path: str, body: bytes, headers: dict) -> str:
    """One request straight to a WSGI app; its status line."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "bench", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": headers.get("Content-Type", ""), "HTTP_AUTHORIZATION": headers.get("Authorization", "")}
    status = []
    for _ in app(environ, lambda line, _headers, _exc=None: status.append(line)):
        pass
    return status[0]


def decide_in_process(app, build, decisions: int, threads: int) -> tuple[float, float]:
    """(process CPU, SQLite CPU) per decision, in seconds, with `threads` threads deciding at once."""
    failures = []

    def send(first: int, count: int) -> None:
        for n in range(first, first + count):
            status = wsgi_call(app, *build(n))
            if not status.startswith("201"):
                failures.append(status)

    send(0, 200)  # warm-up: first statements prepared, pool filled
    CLOCK.clear()
    per_thread = decisions // threads
    workers = [threading.Thread(target=send, args=(1_000_000 * (k + 1), per_thread)) for k in range(threads)]
    start = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done = per_thread * threads
    if failures:
        raise RuntimeError(f"{len(failures)} decisions failed, the first: {failures[0]}")
    return (time.process_time() - start) / done, sum(CLOCK.values()) / done


def main(argv=None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--decisions", type=int, default=2000, help="decisions made in process")
    options.add_argument("--threads", type=int, default=4, help="threads deciding at once (gunicorn's per worker)")
    options.add_argument("--seconds", type=float, default=8.0, help="measured seconds of the echo's load")
    options.add_argument("--concurrency", type=int, default=16)
    args = options.parse_args(argv)
    with odoo_double() as url, tempfile.TemporaryDirectory(prefix="bench-ceiling-") as tmp:
        recording = Path(tmp) / "recording.json"
        build = stubbed_events(record(url, recording))
        os.environ.update(sidecar_env(Path(tmp), url, BENCH_RECORDING=str(recording)))
        from bench.apps import stubbed_app
        app = stubbed_app()
        clock_sqlite(app.extensions["sidecar"].db.engine)
        process_cpu, sqlite_cpu = decide_in_process(app, build, args.decisions, args.threads)
        with gunicorn("bench.apps:echo", {}) as echo:
            # a new gunicorn's first seconds run slow
            load(echo, echo_of(build), seconds=min(4.0, args.seconds), concurrency=args.concurrency)
            echo_run = load(echo, echo_of(build), seconds=args.seconds, concurrency=args.concurrency, first=10_000_000)
    echo_cpu = echo_run.cpu_ms / 1000
    ceiling = echo_cpu / (echo_cpu + sqlite_cpu)
    spent = ", ".join(f"{name} {seconds / sum(CLOCK.values()):.0%}" for name, seconds in CLOCK.most_common())
    print(f"intake ceiling on SQLite: {args.decisions} decisions by {args.threads} threads in process, {MACHINE}")
    print(f"  CPU per decision in process: {process_cpu * 1000:.3f} ms, of it inside SQLite's calls "
          f"{sqlite_cpu * 1000:.3f} ms ({sqlite_cpu / process_cpu:.0%}; {spent})")
    print(describe("bare echo under gunicorn (POST /echo)", echo_run))
    print(f"  ceiling, echo / (echo + SQLite per decision): {ceiling:.3f}x   intake's target {TARGET:g}x: "
          f"{'within reach' if ceiling >= TARGET else 'above the ceiling'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
