"""Authenticated GETs as a ratio of a bare Flask echo's GET under the same gunicorn settings.

Two of the sidecar's GETs, each with an API key: GET /v1/authority (the cheapest: authentication,
scope and an answer from the settings) and GET /v1/releases/{id} (one decision read from the store,
seeded by one event first). The echo answers GET /echo with a small JSON object. All three servers
are up at once and loaded in alternating rounds by the same clients; rates and p99 latencies are
compared round by round. Target: each GET at least 0.8x the echo's rate.

A reference is loaded in the same rounds: the echo that reads one stored body by its id from SQLite and
answers it as stored (`bench.apps:durable`, GET /echo/1), the body being the release's own answer, so
the same bytes go back. It is the least any GET that reads a store does; its ratio to the echo says
how much of the gap a store read alone makes on this machine.

    .venv/bin/python bench/reads.py [--seconds 10] [--rounds 3] [--concurrency 16]
"""
from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import MACHINE, gunicorn, verdict  # noqa: E402
from bench.intake import bearer, cpu_ratio, odoo_double, parser, print_rounds, ratios, rounds, stubbed_sidecar  # noqa: E402

TARGET = 0.8


def one_decision(server, build) -> str:
    """Send one event; the id of the decision it made."""
    method, path, body, headers = build(0)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    answer = json.loads(response.read())
    assert response.status == 201, answer
    return answer["release_id"]


def store_one(server, body: bytes) -> None:
    """POST one body to the durable echo: it is row 1 of its fresh store."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", "/echo", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status


def fetched(server, path: str, headers: dict) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, body
    return body


def getter(path: str, headers: dict | None = None):
    """Request builder: GET `path`."""
    def build(_n: int):
        return "GET", path, None, headers or {}
    return build


def main(argv=None) -> int:
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    auth = {"Authorization": bearer()["Authorization"]}
    with odoo_double() as url, tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp:
        with stubbed_sidecar(args, url, Path(tmp)) as (server, build), \
                gunicorn("bench.apps:echo", {}, args.workers, args.threads) as echo, \
                gunicorn("bench.apps:durable", {"BENCH_DURABLE_DB": f"{tmp}/durable.db"}, args.workers,
                         args.threads) as stored:
            release_id = one_decision(server, build)
            store_one(stored, fetched(server, f"/v1/releases/{release_id}", auth))
            runs = rounds([("echo", echo, getter("/echo")),
                           ("stored", stored, getter("/echo/1")),
                           ("authority", server, getter("/v1/authority", auth)),
                           ("release", server, getter(f"/v1/releases/{release_id}", auth))], args)
    names = {"echo": "bare Flask echo (GET /echo)", "stored": "echo reading one stored row (GET /echo/1)",
             "authority": "GET /v1/authority", "release": "GET /v1/releases/{id}"}
    print_rounds(f"authenticated GETs: gunicorn {args.workers} workers x {args.threads} threads, {args.concurrency} "
                 f"connections, {args.rounds} alternating rounds of {args.seconds:g}s, {MACHINE}", runs, names)
    print(f"  reference: echo reading one stored row / echo (median of the rounds): "
          f"{statistics.median(ratios(runs, 'stored', 'echo')):.3f}x, CPU {cpu_ratio(runs, 'stored', 'echo'):.3f}x; "
          f"GET /v1/releases/{{id}} / this reference: {statistics.median(ratios(runs, 'release', 'stored')):.3f}x")
    met = True
    for name in ("authority", "release"):
        ratio = statistics.median(ratios(runs, name, "echo"))
        p99 = statistics.median(r.percentile(99) / e.percentile(99) for r, e in zip(runs[name], runs["echo"]))
        met &= verdict(f"{names[name]} / echo (median of the rounds; p99 {p99:.1f}x the echo's)", ratio, TARGET)
        print(f"    server CPU per request, echo / this GET: {cpu_ratio(runs, name, 'echo'):.3f}x")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
