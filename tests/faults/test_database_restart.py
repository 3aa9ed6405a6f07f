"""The store's PostgreSQL server restarted while events arrive and the worker runs (after Odoo committed a
confirmation, before the worker could record it): 503s with Retry-After during the outage, then recovery,
one effect per event. The test starts a PostgreSQL server of its own (scripts/postgres.sh), so it runs
whatever store the rest of the suite uses."""
from __future__ import annotations

import time

import pytest
import requests

from tests.conftest import READONLY_KEY, bearer
from tests.faults import effects
from tests.faults.conftest import job_rows, settled
from tests.faults.stack import Sender, join
from tests.support.stores import ThrowawayPostgres

OUTAGE = 2.5  # seconds the server stays down
SLOW_ANSWER = 1.5  # seconds Odoo holds a committed confirmation's answer: the store goes down meanwhile


@pytest.fixture
def postgres(odoo_double):
    """A throwaway PostgreSQL server; it outlives the stack's processes."""
    server = ThrowawayPostgres()
    yield server
    server.stop()


def test_a_database_restart_answers_503_then_recovers_with_one_effect_per_event(postgres, make_stack, odoo_double,
                                                                                odoo_seed):
    url = postgres.url
    kinds = [effects.RELEASE] * 6 + [effects.APPROVE] * 2
    orders = [effects.quotation(odoo_seed, outcome) for outcome in kinds]
    outcomes = dict(zip(orders, kinds))
    events = [effects.event(odoo_seed, order_id, "pg-restart") for order_id in orders]
    stack = make_stack(SIDECAR_DATABASE_URL=url)
    stack.api()
    stack.worker()
    sender = Sender(stack.url)

    confirmed = len(odoo_double.calls_to("sale.order", "action_confirm"))
    odoo_double.delay("sale.order", "action_confirm", SLOW_ANSWER, when="after", times=1)
    threads = sender.send_all(events[:3], gap=0.2)
    deadline = time.monotonic() + 60
    while len(odoo_double.calls_to("sale.order", "action_confirm")) == confirmed:
        assert time.monotonic() < deadline, stack.log("worker")[-2000:]
        time.sleep(0.01)
    held = odoo_double.calls_to("sale.order", "action_confirm")[confirmed][2][0][0]
    postgres.down()
    try:
        threads += sender.send_all(events[3:], gap=0.2)
        time.sleep(max(0.0, OUTAGE - 0.2 * len(events[3:])))
        sender.wait_answered(events[3:], lambda: stack.log("api"))
        # A decision made before the outage, read during it: the one-statement read answers 503 as intake does.
        decided = next(a[1]["release_id"] for e in events[:3] for a in sender.answers.get(e["id"], [])
                       if isinstance(a, tuple) and a[0] == 201)
        read = requests.get(f"{stack.url}/v1/releases/{decided}", headers=bearer(READONLY_KEY), timeout=30)
    finally:
        postgres.up()
    join(threads)

    refused = sender.refused()
    assert refused, f"no 503 in the outage: {sender.answers}\n{stack.log('api')[-3000:]}"
    assert all(a[2].get("Retry-After") for a in refused)
    assert {a[1]["error"]["code"] for a in refused} == {"store_unavailable"}
    assert (read.status_code, read.json()["error"]["code"]) == (503, "store_unavailable"), read.text
    assert read.headers.get("Retry-After")
    assert sorted(sender.final(e["id"])[0] for e in events) == [201] * len(events)
    book = settled(stack)
    assert effects.problems(odoo_seed, odoo_double, outcomes) == []
    assert book["decisions"] == {order_id: 1 for order_id in orders}
    assert set(book["jobs"]) == {"done"} and book["open_letters"] == {}
    # The confirmation Odoo committed while the store was down: taken back after its lease, found done.
    assert [(r["crashes"], r["effect"]) for r in job_rows(url)
            if (r["order_id"], r["operation"]) == (held, "confirm_order")] == [(1, "already_done")]
