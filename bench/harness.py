"""What the HTTP benchmarks share: a gunicorn started with the sidecar's settings, a keep-alive load
generator in forked processes, percentiles, and the line that compares a ratio with its target."""
from __future__ import annotations

import http.client
import itertools
import multiprocessing
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
# One request: (method, path, body or None, headers). Built from a number unique across the whole run.
Request = tuple[str, str, bytes | None, dict]
MACHINE = f"{os.cpu_count()} cores (shared)"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn: its port, and the CPU time its processes used."""

    port: int
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU time of the master and its workers so far (Linux /proc)."""
        return tree_cpu_seconds(self.pid)


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children so far (Linux /proc): a gunicorn, a
    PostgreSQL server (its postmaster and backends)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    total = 0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that just ended
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@contextmanager
def gunicorn(app: str, env: dict, workers: int = 2, threads: int = 4, ready_path: str = "/health",
             log_dir: Path | None = None) -> Iterator[Server]:
    """gunicorn with the sidecar's settings (sidecar/gunicorn_conf.py) serving `app`."""
    port = free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="bench-gunicorn-"))
    log = open(log_dir / f"gunicorn-{port}.log", "wb")
    full_env = {**os.environ, **env, "SIDECAR_BIND": f"127.0.0.1:{port}", "SIDECAR_WORKERS": str(workers),
                "SIDECAR_THREADS": str(threads), "SIDECAR_LOG_LEVEL": "warning",
                "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-metrics-"),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:sidecar.gunicorn_conf", app],
                               env=full_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(port, ready_path, process, log.name)
        yield Server(port, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(port: int, path: str, process: subprocess.Popen, log: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {path} within {seconds}s; see {log}")


@dataclass
class Load:
    """What one load run measured."""

    ok: int
    failed: int
    seconds: float
    latencies: list[float]
    statuses: dict
    answered: int = 0  # every answer, warm-up included
    cpu_ms: float | None = None  # the server's CPU time per answered request, when measured
    client_cpu_ms: float | None = None  # the load generator's, per answered request
    also_cpu_ms: dict | None = None  # other processes' (`load(also=...)`), per answered request


    @property
    def rate(self) -> float:
        """Answered requests per second (failures excluded)."""
        return self.ok / self.seconds

    def percentile(self, p: float) -> float:
        """Latency at percentile p (0..100), in ms."""
        return percentile(self.latencies, p) * 1000


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _client_process(port: int, build: Callable[[int], Request], start: int, step: int, threads: int,
                    warmup: float, seconds: float, ok_statuses: frozenset, out) -> None:
    """Threads sending requests over kept-alive connections; results of the measured window go to `out`."""
    numbers = itertools.count(start, step)
    begin = time.monotonic() + warmup
    end = begin + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0, "answered": 0}
    statuses: dict = {}

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (now := time.monotonic()) < end:
            method, path, body, headers = build(next(numbers))
            sent = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            took = time.perf_counter() - sent
            with lock:
                counts["answered"] += 1
            if now < begin:
                continue
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status in ok_statuses:
                    counts["ok"] += 1
                    latencies.append(took)
                else:
                    counts["failed"] += 1
        conn.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    out.put((counts["ok"], counts["failed"], latencies, statuses, counts["answered"]))


def load(server: Server, build: Callable[[int], Request], *, seconds: float = 10.0, warmup: float = 2.0,
         concurrency: int = 16, processes: int = 2, ok_statuses=(200, 201), first: int = 0,
         also: dict[str, Callable[[], float]] | None = None) -> Load:
    """Send requests from `processes` forked clients with `concurrency` connections in all; count those
    answered with an expected status during the `seconds` after `warmup`, and the CPU time per answer of
    the server, of the clients and of each process in `also` (name: its CPU seconds so far). Request
    numbers start at `first`."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    per_process = max(1, concurrency // processes)
    clients = [context.Process(target=_client_process, args=(server.port, build, first + i, processes, per_process, warmup,
                                                             seconds, frozenset(ok_statuses), out))
               for i in range(processes)]
    also = also or {}
    cpu_before, also_before = server.cpu_seconds(), {name: meter() for name, meter in also.items()}
    clients_before = _children_cpu_seconds()
    for client in clients:
        client.start()
    results = [out.get() for _ in clients]
    for client in clients:
        client.join()
    cpu = server.cpu_seconds() - cpu_before
    also_cpu = {name: meter() - also_before[name] for name, meter in also.items()}
    client_cpu = _children_cpu_seconds() - clients_before
    statuses: dict = {}
    for _, _, _, found, _ in results:
        for status, n in found.items():
            statuses[status] = statuses.get(status, 0) + n
    answered = sum(r[4] for r in results)
    return Load(ok=sum(r[0] for r in results), failed=sum(r[1] for r in results), seconds=seconds,
                latencies=[t for r in results for t in r[2]], statuses=statuses, answered=answered,
                cpu_ms=cpu / answered * 1000 if answered else None,
                client_cpu_ms=client_cpu / answered * 1000 if answered else None,
                also_cpu_ms={name: spent / answered * 1000 for name, spent in also_cpu.items()} if answered else None)


def _children_cpu_seconds() -> float:
    """CPU time of this process's children that ended and were waited for (the load's clients)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def describe(name: str, run: Load) -> str:
    """One line: rate, median and p99 latency, failures."""
    failed = f", {run.failed} failed {dict(sorted(run.statuses.items()))}" if run.failed else ""
    cpu = f"   server CPU {run.cpu_ms:6.2f} ms/req" if run.cpu_ms is not None else ""
    return (f"  {name:<44}{run.rate:9.1f} req/s   p50 {run.percentile(50):7.1f} ms   "
            f"p99 {run.percentile(99):7.1f} ms{cpu}{failed}")


def verdict(label: str, ratio: float, target: float, higher_is_better: bool = True) -> bool:
    """Print the ratio against its target; True when the target is met."""
    met = ratio >= target if higher_is_better else ratio <= target
    sign = ">=" if higher_is_better else "<="
    print(f"  {label}: {ratio:.3f}x   target {sign} {target:g}x: {'met' if met else 'MISSED'}")
    return met


def median_seconds(work: Callable[[], object], runs: int) -> float:
    """Median wall time of `runs` calls of `work` (one call first, untimed)."""
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
