"""Intake throughput: POST /v1/events under gunicorn, as a ratio of a bare Flask echo under the same settings.

Both run under gunicorn with the sidecar's settings (sidecar/gunicorn_conf.py: gthread, 2 workers x
4 threads by default), one after the other in the same run, loaded by the same clients over kept-alive
connections; the echo gets the same event bodies. Every event is a new release decision on its own
quotation (a new idempotency key and order id each time): authenticate, validate, decide with the
demo policy, and record the decision, its two write-back jobs, the audit entries and the answer.

  --odoo stub    (default) Odoo answers from a recording made from the Odoo double before the run
                 (bench/apps.py): the sidecar alone is measured. Target: at least 0.5x the echo.
  --odoo double  every intake and fact read goes to the Odoo double (its own process), on seeded
                 quotations: the first event of each is decided, later ones answer as duplicates.

The store is a new SQLite file unless --database-url names another (e.g. PostgreSQL: see
bench/scaling.py).

    .venv/bin/python bench/intake.py [--seconds 10] [--concurrency 16] [--workers 2] [--threads 4]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import MACHINE, ROOT, describe, free_port, gunicorn, load, verdict  # noqa: E402

TARGET = 0.5
API_KEY = "bench-0123456789abcdef"
AUDIT_KEY = "bench-audit-key-0123456789abcdef0123456789"
DOUBLE_DB = "gov17"
ORDER_BASE = 10_000_000  # stubbed order ids: far from anything the double seeded


def bearer() -> dict:
    return {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


def sidecar_env(store_dir: Path, odoo_url: str, database_url: str | None = None, **extra) -> dict:
    """The sidecar's environment: an all-scopes key, the demo policy, rate limits out of the way."""
    from sidecar.policy import DEMO_POLICY_PATH
    return {"ODOO_URL": odoo_url, "ODOO_DB": DOUBLE_DB, "ODOO_USER": "admin", "ODOO_PASSWORD": "admin",
            "SIDECAR_DATABASE_URL": database_url or f"sqlite:///{store_dir}/sidecar.db",
            "SIDECAR_AUDIT_KEY": AUDIT_KEY, "SIDECAR_AUDIT_CHECKPOINT_FILE": f"{store_dir}/checkpoints.jsonl",
            "SIDECAR_API_KEYS": f"bench:{API_KEY}:*", "SIDECAR_APPROVAL_SECRET": "bench-approval-secret-0123456789abcdef",
            "SIDECAR_CALLBACK_SECRET": "whsec_YmVuY2gtY2FsbGJhY2stc2VjcmV0LTAxMjM0NTY3",
            "SIDECAR_N8N_RESUME_TOKEN": "bench-n8n-resume-token-0123456789abcdef",
            "SIDECAR_POLICY_FILE": str(DEMO_POLICY_PATH),
            "SIDECAR_RATE_LIMITS": "default=1000000/minute", **extra}


@contextmanager
def odoo_double() -> Iterator[str]:
    """The Odoo double in a process of its own; yields its URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.odoo_double", "--port", str(port), "--db", DOUBLE_DB],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        process.stdout.readline()  # its "serving" line: it listens
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def seed_quotations(url: str, count: int) -> list[dict]:
    """`count` submitted quotations the demo policy releases; the webhook body of each."""
    from tests.support.odoo_seed import OdooSeed
    seed = OdooSeed(url, DOUBLE_DB, "admin", "admin")
    try:
        customer = seed.customer(credit_limit=10_000_000.0)
        products = [(seed.product(cost=cost, price=price, on_hand=10_000.0), price)
                    for cost, price in ((60.0, 100.0), (12.0, 30.0))]
        bodies = []
        for _ in range(count):
            order_id = seed.quotation(customer, lines=[(p, 2.0, price) for p, price in products], state="sent")
            bodies.append(seed.request_release(order_id))
        return bodies
    finally:
        seed.close()


def record(url: str, path: Path) -> dict:
    """One quotation's webhook body and what the sidecar's gateway reads of it, saved for the stub."""
    from sidecar.odoo import OdooGateway
    body = seed_quotations(url, 1)[0]
    gateway = OdooGateway(url, DOUBLE_DB, "admin", "admin")
    try:
        bundle = gateway.read_release_bundle(body["_id"], None)
    finally:
        gateway.close()
    path.write_text(json.dumps({"body": body, "bundle": bundle}, default=str))
    return body


def event(body: dict, number: int, order_id: int | None = None) -> bytes:
    """Event `number`: a new id (its idempotency key), on `order_id` when given."""
    data = dict(body, _id=order_id) if order_id is not None else body
    return json.dumps({"id": f"bench:{number}:{time.time_ns()}", "type": "sale_order.release_requested",
                       "source": "odoo", "data": data}).encode()


def stubbed_events(body: dict):
    """Request builder: event n on its own stubbed order."""
    def build(n: int):
        return "POST", "/v1/events", event(body, n, ORDER_BASE + n), bearer()
    return build


def echo_of(build):
    """The same bodies, posted to the echo."""
    def echo(n: int):
        _method, _path, data, headers = build(n)
        return "POST", "/echo", data, headers
    return echo


def rounds(pairs: list[tuple[str, int, object]], args, also: dict | None = None) -> dict[str, list]:
    """Load each (name, port, request builder) in turn, `args.rounds` times over: alternating keeps a
    shared machine's ups and downs out of the ratios. Request numbers never repeat. `also`: other
    processes whose CPU time is counted too (see harness.load)."""
    runs: dict[str, list] = {name: [] for name, _server, _build in pairs}
    first = 0
    for _ in range(args.rounds):
        for name, server, build in pairs:
            run = load(server, build, seconds=args.seconds, concurrency=args.concurrency, first=first, also=also)
            first += 10_000_000
            runs[name].append(run)
    return runs


def print_rounds(headline: str, runs: dict[str, list], labels: dict[str, str]) -> None:
    """The headline, then each round's run of each server (labels: run name -> what it loads)."""
    print(headline)
    for n in range(len(next(iter(runs.values())))):
        for name, label in labels.items():
            print(describe(f"round {n + 1}: {label}", runs[name][n]))


def ratios(runs: dict[str, list], name: str, baseline: str) -> list[float]:
    """Round by round, `name`'s rate over `baseline`'s."""
    return [a.rate / b.rate for a, b in zip(runs[name], runs[baseline])]


def cpu_ratio(runs: dict[str, list], name: str, baseline: str) -> float:
    """`baseline`'s server CPU time per request over `name`'s (median of the rounds): the rate ratio the
    two would reach if CPU alone limited them, whatever else the machine runs meanwhile."""
    return statistics.median(b.cpu_ms / a.cpu_ms for a, b in zip(runs[name], runs[baseline]))


@contextmanager
def stubbed_sidecar(args, url: str, tmp: Path, database_url: str | None = None,
                    workers: int | None = None) -> Iterator[tuple[int, object]]:
    """The sidecar under gunicorn, Odoo answered from a recording of the double: (server, event builder)."""
    recording = tmp / "recording.json"
    build = stubbed_events(record(url, recording))
    env = sidecar_env(tmp, url, database_url, BENCH_RECORDING=str(recording))
    with gunicorn("bench.apps:stubbed", env, workers or args.workers, args.threads) as server:
        yield server, build


def measure_stubbed(args, database_url: str | None = None) -> dict[str, list]:
    """Echo, durable echo and the stubbed sidecar, alternately: their runs."""
    with odoo_double() as url, tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        with stubbed_sidecar(args, url, Path(tmp), database_url) as (server, build), \
                gunicorn("bench.apps:echo", {}, args.workers, args.threads) as echo, \
                gunicorn("bench.apps:durable", {"BENCH_DURABLE_DB": f"{tmp}/durable.db"}, args.workers,
                         args.threads) as durable:
            return rounds([("echo", echo, echo_of(build)), ("durable", durable, echo_of(build)),
                           ("sidecar", server, build)], args)


def measure_double(args) -> dict[str, list]:
    """Echo and the sidecar reading the Odoo double, alternately: their runs."""
    with odoo_double() as url, tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        bodies = seed_quotations(url, args.orders)

        def build(n: int):
            return "POST", "/v1/events", event(bodies[n % len(bodies)], n), bearer()

        with gunicorn("sidecar.wsgi:app", sidecar_env(Path(tmp), url), args.workers, args.threads) as server, \
                gunicorn("bench.apps:echo", {}, args.workers, args.threads) as echo:
            return rounds([("echo", echo, echo_of(build)), ("sidecar", server, build)], args)


def parser(description: str) -> argparse.ArgumentParser:
    """The load options every HTTP benchmark takes."""
    options = argparse.ArgumentParser(description=description)
    options.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run (after 2 of warm-up)")
    options.add_argument("--concurrency", type=int, default=16, help="kept-alive client connections")
    options.add_argument("--workers", type=int, default=2)
    options.add_argument("--threads", type=int, default=4)
    options.add_argument("--rounds", type=int, default=3, help="alternating runs of each; the median ratio counts")
    return options


def main(argv=None) -> int:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--odoo", choices=["stub", "double"], default="stub")
    options.add_argument("--orders", type=int, default=200, help="--odoo double: quotations seeded")
    options.add_argument("--database-url", help="the store (default: a new SQLite file)")
    args = options.parse_args(argv)
    runs = measure_stubbed(args, args.database_url) if args.odoo == "stub" else measure_double(args)
    store = (args.database_url or "sqlite").split(":")[0]
    print_rounds(f"intake, Odoo {args.odoo}, store {store}: gunicorn {args.workers} workers x {args.threads} "
                 f"threads, {args.concurrency} connections, {args.rounds} alternating rounds of {args.seconds:g}s, "
                 f"{MACHINE}", runs, {"echo": "bare Flask echo (POST /echo)", "sidecar": "POST /v1/events",
                                      **({"durable": "echo storing each body durably"} if "durable" in runs else {})})
    ratio = statistics.median(ratios(runs, "sidecar", "echo"))
    print(f"  server CPU per request, echo / intake: {cpu_ratio(runs, 'sidecar', 'echo'):.3f}x "
          "(the rate ratio if CPU alone limited both)")
    if "durable" in runs:
        print(f"  for reference: durable echo / echo {statistics.median(ratios(runs, 'durable', 'echo')):.3f}x, "
              f"intake / durable echo {statistics.median(ratios(runs, 'sidecar', 'durable')):.3f}x (no target)")
    if args.odoo == "stub":
        return 0 if verdict("intake / echo (median of the rounds)", ratio, TARGET) else 1
    print(f"  intake / echo (median of the rounds): {ratio:.3f}x (no target: Odoo's own time is in it)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
