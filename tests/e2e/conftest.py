"""The end-to-end stack every flow's test drives: Odoo's webhook -> n8n workflows -> sidecar
(gunicorn + worker) -> Odoo.

Odoo is the protocol double, or a real Odoo 17 when ``ODOO_URL`` is set.  n8n is installed once
(``scripts/n8n.sh install``, outside the repository), then imported and started in a temporary
folder on free ports once per run: starting n8n is the slow part, so every module shares it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa

from sidecar.store import schema
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, RESUME_TOKEN, demo_policies, sidecar_env
from tests.support.smtp_sink import SmtpSink
from tests.support.webhook_receiver import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
N8N_SH = ROOT / "scripts" / "n8n.sh"
APPROVAL_HOOK = "approvals/decision"
ODOO_WEBHOOK_TIMEOUT = 1.0  # seconds: Odoo's "Send Webhook Notification" gives up after this
INSTALL_TIMEOUT = 30 * 60
N8N_TIMEOUT = 5 * 60
SETTLE = 60  # seconds for n8n + sidecar + worker to finish one event
# SIDECAR_E2E_N8N_QUEUE=1: n8n in queue mode (main enqueues, a worker executes, Redis, PostgreSQL).
QUEUE_MODE = os.environ.get("SIDECAR_E2E_N8N_QUEUE") == "1"
N8N_SCOPES = "events.write,releases.read,approvals.write,approvals.read,deadletters.write"  # as scripts/run.sh

# What the Automation Rule's URL carries as user:password@ (n8n's "Odoo webhook" credential).
WEBHOOK_USER, WEBHOOK_PASSWORD = "odoo", "0123456789abcdef-webhook"
# What carriers, suppliers and the WMS send to the ingest webhooks (n8n's "Partner webhook" credential).
PARTNER_TOKEN = "partner-token-0123456789abcdef"
FEED_TOKEN = "channel-feed-token-0123456789"  # n8n's "Channel feed" credential
# The ingest workflows' systems of record: the WMS counts the main warehouse, the supplier dates its receipts
# and prices its own products.
AUTHORITY = {"stock": {"WH": "wms-main"}, "receipts": {"acme-supplies": "acme-supplies"},
             "prices": {"acme-supplies": "acme-supplies"}}
# Where the Approval request by email workflow sends each approver's links (its APPROVER_EMAILS).
APPROVER_EMAILS = {"admin": "admin@example.com", "demo": "demo@example.com"}
# Where the Return request workflow emails the team the advice routes a request to (its TEAM_EMAILS).
TEAM_EMAILS = {"returns": "returns-desk@example.com", "delivery": "delivery-desk@example.com",
               "billing": "billing@example.com", "customer-service": "customer-service@example.com"}
CHANNELS = {"shop-eu": {"warehouses": ["WH"], "buffer_units": 2}, "pos-store-12": {"warehouses": ["WH"],
                                                                                   "buffer_percent": 10}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} is missing)"


def wait_for(predicate, what: str, timeout: float = SETTLE, every: float = 0.5, logs=()):
    """Poll until `predicate()` is truthy; return its value or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            details = "\n".join(f"--- {p.name}\n{tail(p)}" for p in logs)
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{details}")
        time.sleep(every)


@dataclass
class Stack:
    """The running processes and how to reach them."""

    sidecar_url: str
    n8n_url: str
    database_url: str
    folder: Path

    @property
    def logs(self):
        return [self.folder / "sidecar.log", self.folder / "worker.log", self.folder / "n8n" / "n8n.log",
                *sorted((self.folder / "n8n").glob("worker-*.log"))]

    def n8n_executions(self) -> dict:
        """n8n's execution ids by where they went, from its logs: `enqueued` by the main instance (queue
        mode), `on_worker` started by an n8n worker."""
        folder = self.folder / "n8n"
        workers = "".join(tail(p, 1000000) for p in folder.glob("worker-*.log"))
        return {"enqueued": set(re.findall(r"Enqueued execution (\d+)", tail(folder / "n8n.log", 1000000))),
                "on_worker": set(re.findall(r"Worker started execution (\d+)", workers))}

    def webhook(self, path: str, body: dict, auth=(WEBHOOK_USER, WEBHOOK_PASSWORD)) -> requests.Response:
        """POST to an n8n webhook as Odoo does: credentials as user:password@ in the URL (sent as Basic auth)."""
        url = f"{self.n8n_url}/webhook/{path}"
        if auth:
            url = url.replace("http://", f"http://{quote(auth[0], safe='')}:{quote(auth[1], safe='')}@", 1)
        return requests.post(url, json=body, timeout=30)

    def partner_webhook(self, path: str, body: bytes, content_type: str, token: str | None = PARTNER_TOKEN,
                        **params) -> requests.Response:
        """POST a partner's own payload to an ingest webhook, with its token header."""
        headers = {"Content-Type": content_type, **({"X-Webhook-Token": token} if token else {})}
        return requests.post(f"{self.n8n_url}/webhook/{path}", data=body, headers=headers, params=params,
                             timeout=30)

    def sidecar(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {ALL_SCOPES_KEY}"}
        return requests.request(method, f"{self.sidecar_url}{path}", headers=headers, timeout=30, **kwargs)

    def n8n_letters(self) -> dict:
        """The dead letters n8n's error handler recorded: id -> summary."""
        items = self.sidecar("GET", "/v1/dead-letters", params={"kind": "n8n_execution", "limit": 200}).json()
        return {d["id"]: d["summary"] for d in items["items"]}

    def audit_entries(self) -> int:
        report = self.sidecar("GET", "/v1/audit/verify").json()
        assert report["ok"], report
        return report["entries"]

    def _read_store(self, read):
        """Run `read(conn)` on the sidecar's store (read-only look, for counting)."""
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return read(conn)
        finally:
            engine.dispose()

    @staticmethod
    def _decisions(order_id: int, model: str):
        """The ids of the decisions on one document (a sale order and a purchase order may share an id)."""
        releases = schema.releases.c
        return sa.select(releases.id).where(releases.order_id == order_id, releases.model == model)

    def counts(self, order_id: int, model: str = "sale.order") -> dict:
        """What the sidecar holds for one document, and its dead letters."""
        def read(conn):
            release_ids = [r.id for r in conn.execute(self._decisions(order_id, model))]
            jobs = conn.execute(sa.select(sa.func.count()).select_from(schema.jobs)
                                .where(schema.jobs.c.release_id.in_(release_ids))).scalar()
            letters = conn.execute(sa.select(sa.func.count()).select_from(schema.dead_letters)).scalar()
            return {"releases": len(release_ids), "jobs": jobs, "dead_letters": letters}
        return self._read_store(read)

    def job_states(self, order_id: int, model: str = "sale.order") -> set:
        """The states of the document's outbox jobs."""
        query = sa.select(schema.jobs.c.state).where(schema.jobs.c.release_id.in_(self._decisions(order_id, model)))
        return self._read_store(lambda conn: {r.state for r in conn.execute(query)})

    def decision_ids(self, order_id: int, model: str = "sale.order") -> set:
        return self._read_store(lambda conn: {r.id for r in conn.execute(self._decisions(order_id, model))})

    def events_received(self) -> int:
        """How many POST /v1/events gunicorn has logged."""
        return tail(self.folder / "sidecar.log", 100000).count('"POST /v1/events')


def _n8n_env(folder: Path, n8n_port: int, sidecar_url: str) -> dict:
    env = dict(os.environ)
    feeds = folder / "channel-feeds.json"  # the feed receiver's URLs, written by the stack
    smtp = folder / "smtp-port"  # the mailbox's, written by the stack
    env.update({
        "PARTNER_WEBHOOK_TOKEN": PARTNER_TOKEN,
        "CHANNEL_FEED_TOKEN": FEED_TOKEN,
        "SIDECAR_N8N_RESUME_TOKEN": RESUME_TOKEN,
        "CHANNEL_FEEDS": feeds.read_text() if feeds.exists() else "{}",
        "N8N_USER_FOLDER": str(folder / "n8n"),
        "N8N_PORT": str(n8n_port),
        "N8N_RUNNERS_BROKER_PORT": str(free_port()),
        "SIDECAR_URL": sidecar_url,
        "SIDECAR_N8N_API_KEY": N8N_KEY,
        "SIDECAR_N8N_OPS_API_KEY": ALL_SCOPES_KEY,  # the ops workflows' credential "Sidecar ops key"
        # The credential "n8n API" is imported with this stand-in; tests/e2e/n8n_api.py puts a real key of the
        # owner in it once n8n runs (an n8n API key can only be made then).
        "OPS_N8N_API_KEY": "made-once-n8n-runs",
        "ODOO_WEBHOOK_AUTH": f"{WEBHOOK_USER}:{WEBHOOK_PASSWORD}",
        "N8N_START_TIMEOUT": "180",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.read_text() if smtp.exists() else "25", "SMTP_SECURE": "false",
        "APPROVER_EMAILS": json.dumps(APPROVER_EMAILS), "APPROVAL_MAIL_FROM": "approvals@example.com",
        "TEAM_EMAILS": json.dumps(TEAM_EMAILS),
    })
    if QUEUE_MODE:
        # PostgreSQL runs as a non-root user when the tests run as root: its data lives outside pytest's
        # root-only temporary folder.
        env.update({"N8N_QUEUE": "1", "N8N_WORKERS": "1",
                    "N8N_POSTGRES_DIR": tempfile.mkdtemp(prefix="e2e-n8n-postgres.")})
    return env


def _n8n(command: list[str], env: dict, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(N8N_SH), *command], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def _spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = log.open("ab")
    try:
        # A session of its own: stopping it ends gunicorn's workers too.
        return subprocess.Popen([sys.executable, "-m", "sidecar", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    finally:
        out.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def n8n_installed():
    """n8n 2.41.1 with its Node.js; skips the module only when it cannot be installed at all (fails in CI)."""
    # In CI the end-to-end run is part of the verdict: a missing n8n fails rather than shrinks the suite.
    give_up = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    try:
        done = _n8n(["install"], dict(os.environ), INSTALL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        give_up(f"n8n cannot be installed: {err}")
    if done.returncode != 0:
        give_up("n8n cannot be installed (scripts/n8n.sh install failed):\n"
                + "\n".join((done.stdout + done.stderr).splitlines()[-15:]))


@pytest.fixture(scope="session")
def feed_receiver():
    """Stands in for the sales channels' availability feed endpoints."""
    receiver = WebhookReceiver("channel-feed")
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def mailbox():
    """The mail server the approval requests go to."""
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def stack(n8n_installed, odoo_target, tmp_path_factory, feed_receiver, mailbox):
    """Sidecar (gunicorn), its outbox worker and n8n with every workflow imported and active."""
    folder = tmp_path_factory.mktemp("e2e")
    sidecar_port, n8n_port = free_port(), free_port()
    sidecar_url = f"http://127.0.0.1:{sidecar_port}"
    env = {**os.environ, **sidecar_env(folder, odoo_target.url, odoo_target.db, odoo_target.login,
                                       odoo_target.password),
           "SIDECAR_BIND": f"127.0.0.1:{sidecar_port}", "SIDECAR_WORKERS": "2",
           "SIDECAR_WORKER_POLL_SECONDS": "0.2", "SIDECAR_RECONCILE_GRACE_MINUTES": "0",
           # reconciliation looks only at documents the tests make, never at the shared database's older ones
           "SIDECAR_GO_LIVE_AT": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
           "SIDECAR_FLOW_POLICIES": demo_policies(),
           "SIDECAR_APPROVAL_LINK_BASE": f"http://127.0.0.1:{n8n_port}/webhook/{APPROVAL_HOOK}",
           # n8n's key holds what scripts/run.sh gives it: its scheduled workflows (reconcile at :00/:15/...,
           # overdue approvals) may run during the test and must succeed.
           "SIDECAR_API_KEYS": f"ops:{ALL_SCOPES_KEY}:* n8n:{N8N_KEY}:{N8N_SCOPES}",
           "SIDECAR_AUTHORITY": json.dumps(AUTHORITY), "SIDECAR_CHANNELS": json.dumps(CHANNELS)}
    (folder / "channel-feeds.json").write_text(json.dumps({name: f"{feed_receiver.url}/{name}"
                                                           for name in CHANNELS}))
    (folder / "smtp-port").write_text(str(mailbox.port))
    n8n_env = _n8n_env(folder, n8n_port, sidecar_url)
    stack = Stack(sidecar_url, f"http://127.0.0.1:{n8n_port}", env["SIDECAR_DATABASE_URL"], folder)
    processes = []
    try:
        processes.append(_spawn(["serve"], env, folder / "sidecar.log"))
        wait_for(lambda: _answers(f"{sidecar_url}/health"), "the sidecar to answer /health", 60,
                 logs=stack.logs[:1])
        processes.append(_spawn(["worker"], env, folder / "worker.log"))
        # The node package (scripts/build-n8n-package.sh), installed as n8n installs community packages.
        for command in (["package"], ["import"], ["start"]):
            done = _n8n(command, n8n_env, N8N_TIMEOUT)
            assert done.returncode == 0, f"n8n.sh {command[0]} failed:\n{done.stdout}\n{done.stderr}"
        yield stack
    finally:
        _n8n(["stop"], n8n_env, 120)
        if "N8N_POSTGRES_DIR" in n8n_env:
            shutil.rmtree(n8n_env["N8N_POSTGRES_DIR"], ignore_errors=True)
        for process in reversed(processes):
            _stop(process)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def assert_answered_at_once(answer: requests.Response) -> None:
    """n8n's webhook answered as Odoo needs: at once, before the workflow runs."""
    assert answer.status_code == 200, answer.text
    assert answer.elapsed.total_seconds() < ODOO_WEBHOOK_TIMEOUT, answer.elapsed
    assert answer.json() == {"message": "Workflow was started"}


def first_answer(stack: Stack, body: dict, event_type: str) -> dict:
    """The sidecar's 201 answer to n8n, asked again as n8n's own retry would (same key, same event)."""
    event_id = f"odoo:{body['_model']}:{body['_id']}:{body['write_date']}"
    # n8n re-serialises the body in JavaScript, where 200.0 is 200: send what it sent.
    data = json.loads(json.dumps(body), parse_float=lambda text: int(float(text)) if float(text).is_integer()
                      else float(text))
    event = {"id": event_id, "type": event_type, "source": "odoo", "data": data}
    answer = requests.post(f"{stack.sidecar_url}/v1/events", json=event, timeout=30,
                           headers={"Authorization": f"Bearer {N8N_KEY}", "Idempotency-Key": event_id})
    assert answer.status_code == 201 and answer.headers.get("Idempotent-Replayed") == "true", answer.text
    return answer.json()


def pending_approval(stack: Stack, order_id: int, model: str = "sale.order") -> dict | None:
    """The document's pending approval, if any."""
    items = stack.sidecar("GET", "/v1/approvals", params={"status": "pending"}).json()["items"]
    decisions = stack.decision_ids(order_id, model)
    return next((a for a in items if a["order_id"] == order_id and a["release_id"] in decisions), None)
