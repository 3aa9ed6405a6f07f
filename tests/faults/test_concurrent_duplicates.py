"""The same business event delivered three times at once, to two API processes: one decision, one effect."""
from __future__ import annotations

import threading

from tests.faults import effects
from tests.faults.conftest import settled
from tests.faults.stack import Sender, join

DELIVERIES = 3


def test_three_concurrent_deliveries_of_one_event_take_one_decision_and_one_effect(make_stack, odoo_double,
                                                                                     odoo_seed):
    outcomes = {effects.quotation(odoo_seed, outcome): outcome
                for outcome in (effects.RELEASE, effects.RELEASE, effects.APPROVE)}
    # The same webhook three times with one id (n8n retrying), and three times under three ids (Odoo's
    # rule fired again, another n8n execution): both are the same business event.
    same_id = [effects.event(odoo_seed, order_id, "same") for order_id in outcomes]
    deliveries = [(e, e["id"]) for e in same_id for _ in range(DELIVERIES)]
    copies = [effects.event(odoo_seed, order_id, f"copy-{n}") for order_id in outcomes for n in range(DELIVERIES)]
    deliveries += [(e, e["id"]) for e in copies]
    stack = make_stack()
    stack.api()
    # Every delivery reads Odoo's facts before any has recorded: they race to the store together.
    odoo_double.delay("sale.order", "search_count", 0.3)
    sender, start = Sender(stack.url), threading.Barrier(len(deliveries))

    def deliver(event, key):
        start.wait()
        sender.send(event, retry=False, key=key)

    threads = [threading.Thread(target=deliver, args=pair, daemon=True) for pair in deliveries]
    for thread in threads:
        thread.start()
    join(threads)
    odoo_double.clear_failures()

    decided, fresh = {}, 0
    for answers in sender.answers.values():
        for status, body, headers in answers:
            assert status in (200, 201), body
            decided.setdefault(body["order_id"], set()).add(body["release_id"])
            fresh += status == 201 and "Idempotent-Replayed" not in headers
    assert sum(map(len, sender.answers.values())) == len(deliveries)
    assert all(len(ids) == 1 for ids in decided.values()) and set(decided) == set(outcomes)
    assert fresh == len(outcomes)  # one delivery per order was decided; the others got its answer

    stack.worker()
    book = settled(stack)
    assert effects.problems(odoo_seed, odoo_double, outcomes) == []
    assert book["decisions"] == {order_id: 1 for order_id in outcomes}
    assert set(book["jobs"]) == {"done"} and book["open_letters"] == {}
