"""The real processes of a deployment, for fault tests: the API under gunicorn (`sidecar serve`) and
outbox workers (`sidecar worker`), each in a session of its own so `kill -9` can take a whole server."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.conftest import N8N_KEY

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers under its master)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Stack:
    """Starts API servers and outbox workers with one environment; kills or stops them; logs in `folder`."""

    def __init__(self, env: dict, folder: Path):
        self.env = {**os.environ, **env}
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, *args: str, **env) -> subprocess.Popen:
        with (self.folder / f"{name}.log").open("ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "sidecar", *args], env={**self.env, **env},
                                       stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
        self.processes.append(process)
        return process

    def api(self, seconds: float = 60) -> subprocess.Popen:
        """`sidecar serve` on this stack's port (the same one after a crash), once it answers."""
        process = self._spawn("api", "serve", SIDECAR_BIND=f"127.0.0.1:{self.port}")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the API exited {process.returncode}: {self.log('api')[-3000:]}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200 and children(process.pid):
                    return process
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the API did not answer within {seconds}s: {self.log('api')[-3000:]}")

    def worker(self) -> subprocess.Popen:
        return self._spawn("worker", "worker")

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """`kill -9` of the process and everything it started (a crashed machine, not a shutdown)."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=STOP_SECONDS)

    @staticmethod
    def kill_pid(pid: int) -> None:
        """`kill -9` of one process (a gunicorn worker: its master starts another)."""
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM to whatever still runs, SIGKILL after STOP_SECONDS."""
        running = [p for p in self.processes if p.poll() is None]
        for process in running:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in running:
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill(process)


class Sender:
    """What n8n does with an event: POST it with its idempotency key and, while the answer is a 503 or
    no answer at all, send it again with the same key (a short wait instead of Retry-After's, for speed).
    Every answer is kept."""

    def __init__(self, url: str, seconds: float = 90):
        self.url, self.seconds = url, seconds
        self.answers: dict[str, list] = {}  # event id -> [(status, body, headers) or exception text]
        self._lock = threading.Lock()

    def _keep(self, event_id: str, answer) -> None:
        with self._lock:
            self.answers.setdefault(event_id, []).append(answer)

    def send(self, event: dict, retry: bool = True, key: str | None = None) -> tuple | None:
        """The final answer (status, body, headers); None when it gave up on no answer."""
        deadline = time.monotonic() + self.seconds
        headers = {"Authorization": f"Bearer {N8N_KEY}", "Idempotency-Key": key or event["id"]}
        while True:
            try:
                reply = requests.post(f"{self.url}/v1/events", json=event, headers=headers, timeout=30)
                answer = (reply.status_code, reply.json(), dict(reply.headers))
            except (requests.RequestException, ValueError) as err:  # killed mid-request, or not listening
                answer = None
                self._keep(event["id"], repr(err))
            else:
                self._keep(event["id"], answer)
                if answer[0] != 503:
                    return answer
            if not retry or time.monotonic() > deadline:
                return answer
            time.sleep(0.2)

    def send_all(self, events: list[dict], gap: float = 0.0, retry: bool = True) -> list[threading.Thread]:
        """One thread per event, started `gap` seconds apart (a stream); returns them running."""
        threads = []
        for event in events:
            thread = threading.Thread(target=self.send, args=(event, retry), daemon=True)
            thread.start()
            threads.append(thread)
            time.sleep(gap)
        return threads

    def wait_answered(self, events: list[dict], log=lambda: "", seconds: float = 60) -> None:
        """Until each event has a first answer (or a failure to get one): an outage must last until the API
        has met every event sent into it, however late a loaded machine reaches them. `log`: the API's log,
        read if they never are."""
        deadline = time.monotonic() + seconds
        while True:
            with self._lock:
                if all(self.answers.get(event["id"]) for event in events):
                    return
            assert time.monotonic() < deadline, f"unanswered: {self.answers}\n{log()[-3000:]}"
            time.sleep(0.05)

    def refused(self) -> list[tuple]:
        """Every 503 answer (status, body, headers)."""
        return [a for answers in self.answers.values() for a in answers if isinstance(a, tuple) and a[0] == 503]

    def final(self, event_id: str):
        """The last answer to an event (status, body, headers), or the last error's text."""
        return self.answers[event_id][-1]


def join(threads: list[threading.Thread], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a sender is still waiting"
