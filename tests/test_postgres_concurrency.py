"""Several API processes and outbox workers on one PostgreSQL store: one Odoo effect per decision."""
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from sidecar.store import Database
from sidecar.store.schema import jobs

from tests.conftest import ALL_SCOPES_KEY, bearer, sidecar_env
from tests.support.stores import ON_POSTGRES, ONLY_ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason=f"{ONLY_ON_POSTGRES}: SQLite serializes every writer")

WORKERS, APIS, ORDERS, DELIVERIES = 4, 2, 12, 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sidecar(env, *args):
    return subprocess.Popen([sys.executable, "-m", "sidecar", *args], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_healthy(url, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"API process exited: {process.stderr.read()[-2000:]}")
        try:
            if requests.get(f"{url}/health", timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def test_four_workers_and_two_apis_take_one_effect_per_decision(tmp_path, odoo_target, odoo_proxy, odoo_seed):
    orders = []
    for _ in range(ORDERS):
        product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
        order_id = odoo_seed.quotation(odoo_seed.customer(), lines=[(product, 1, 200.0)], state="sent")
        odoo_seed.request_release(order_id)
        orders.append(order_id)
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_WORKERS="2", SIDECAR_WORKER_POLL_SECONDS="0.05")
    ports = [_free_port() for _ in range(APIS)]
    apis = [_sidecar({**env, "SIDECAR_BIND": f"127.0.0.1:{port}"}, "serve") for port in ports]
    workers = []
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, apis):
            _wait_healthy(url, process)
        workers = [_sidecar(env, "worker") for _ in range(WORKERS)]  # draining while events pour in
        events = [{"id": f"odoo:sale.order:{order_id}:pg", "type": "sale_order.release_requested", "source": "odoo",
                   "data": odoo_seed.webhook_body(order_id)} for order_id in orders]
        deliveries = [event for event in events for _ in range(DELIVERIES)]
        random.Random(7).shuffle(deliveries)
        answers, problems = {}, []

        def deliver(index, event):
            try:
                answer = requests.post(f"{urls[index % APIS]}/v1/events", json=event, headers=bearer(), timeout=60)
            except requests.RequestException as err:
                problems.append(repr(err))
                return
            if answer.status_code not in (200, 201):
                problems.append((answer.status_code, answer.text[:300]))
            else:
                answers.setdefault(event["id"], set()).add(answer.json()["release_id"])

        threads = [threading.Thread(target=deliver, args=(n, event)) for n, event in enumerate(deliveries)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not problems
        assert all(len(ids) == 1 for ids in answers.values()) and len(answers) == ORDERS  # duplicates: one decision

        ops = bearer(ALL_SCOPES_KEY)
        deadline, statuses = time.monotonic() + 120, {}
        while time.monotonic() < deadline:
            statuses = {rid: requests.get(f"{urls[0]}/v1/releases/{rid}", headers=ops, timeout=10).json()["status"]
                        for ids in answers.values() for rid in ids}
            if set(statuses.values()) == {"released"}:
                break
            time.sleep(0.5)
        assert set(statuses.values()) == {"released"}, statuses
    finally:
        for process in [*workers, *apis]:
            process.send_signal(signal.SIGTERM)
        for process in [*workers, *apis]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    store = Database(env["SIDECAR_DATABASE_URL"])
    with store.read() as conn:
        claims = conn.execute(sa.select(jobs.c.state, jobs.c.crashes)).all()
    store.dispose()
    # No worker died, so no claim may have been taken from another (a crash) and every job is done.
    assert claims and {tuple(row) for row in claims} == {("done", 0)}
    for order_id in orders:  # Odoo's own record of the effects, read back as admin
        assert odoo_seed.order_state(order_id) == "sale"
        posted = [m for m in odoo_seed.messages(order_id) if "Release decision" in (m.get("body") or "")]
        assert len(posted) == 1, (order_id, posted)
    if odoo_target.is_double:
        for order_id in orders:
            confirms = [c for c in odoo_target.double.calls if c[1] == "action_confirm" and order_id in c[2][0]]
            assert len(confirms) == 1, order_id
