"""The API killed with `kill -9` while requests are in flight (one gunicorn worker, then the whole server);
the clients send again with the same idempotency keys: one decision and one effect per event."""
from __future__ import annotations

import threading
import time

from tests.faults import effects
from tests.faults.conftest import settled
from tests.faults.stack import Sender, children, join

SLOW_READ = 0.4  # seconds each intake read of an order takes: requests are in flight when the kill comes


def _in_flight(odoo_double, reads: int, seconds: float = 30) -> None:
    """Wait until the API has started `reads` more intake reads of Odoo (requests in the middle)."""
    before, deadline = len(odoo_double.calls_to("sale.order", "search_count")), time.monotonic() + seconds
    while len(odoo_double.calls_to("sale.order", "search_count")) < before + reads:
        assert time.monotonic() < deadline, "no request reached Odoo"
        time.sleep(0.01)


def test_the_api_killed_mid_request_decides_each_event_once(make_stack, odoo_double, odoo_seed):
    outcomes = {effects.quotation(odoo_seed, outcome): outcome
                for outcome in [effects.RELEASE] * 6 + [effects.APPROVE] * 2}
    stack = make_stack()
    server = stack.api()
    stack.worker()
    odoo_double.delay("sale.order", "search_count", SLOW_READ)
    sender = Sender(stack.url)
    events = [effects.event(odoo_seed, order_id, "kill-api") for order_id in outcomes]
    threads = []
    stream = threading.Thread(target=lambda: threads.extend(sender.send_all(events, gap=0.3)), daemon=True)
    stream.start()  # a stream: events keep arriving across both kills

    _in_flight(odoo_double, 2)
    stack.kill_pid(children(server.pid)[0])  # one gunicorn worker: the master starts another
    _in_flight(odoo_double, 2)
    stack.kill(server)  # the whole server, master and workers, like a lost machine; a request was reading
    time.sleep(0.5)  # clients find nobody listening, and retry
    odoo_double.clear_failures()
    stack.api()
    stream.join(30)
    join(threads)

    decided = {}
    for event_id, answers in sender.answers.items():
        status, body, _headers = sender.final(event_id)
        assert status in (200, 201), (event_id, answers)
        decided.setdefault(body["order_id"], set()).add(body["release_id"])
    assert {order_id: len(ids) for order_id, ids in decided.items()} == {order_id: 1 for order_id in outcomes}
    cut_off = [a for answers in sender.answers.values() for a in answers
               if isinstance(a, str) and "Connection aborted" in a]  # not "refused": killed mid-request
    assert cut_off, "no request was cut off by the kills"
    book = settled(stack)
    assert book["decisions"] == {order_id: 1 for order_id in outcomes}
    assert set(book["jobs"]) == {"done"}
    assert effects.problems(odoo_seed, odoo_double, outcomes) == []
