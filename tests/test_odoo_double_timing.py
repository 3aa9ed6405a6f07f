"""The double's timing modes: calls that interleave, and a webhook that leaves before its commit."""
from __future__ import annotations

import threading
import time

from sidecar.odoo import OdooGateway


def test_slow_calls_let_two_check_then_act_callers_interleave(odoo_double, odoo_target, odoo_seed):
    """Two callers each look for a note, then post it; with Odoo slow to post, both looked before
    either posted, so both post (the race of a lease that expires mid-call)."""
    order = odoo_seed.quotation(odoo_seed.customer(), [(odoo_seed.product(cost=1.0, price=2.0), 1)])
    slow = 1.0  # each post's wait; one after the other they would take twice as long
    odoo_double.delay("sale.order", "message_post", slow, when="before")
    barrier = threading.Barrier(2)

    def post_once():
        gw = OdooGateway(odoo_target.url, odoo_target.db, odoo_target.login, odoo_target.password)
        try:
            barrier.wait()
            if not gw.find_messages("sale.order", order, "Ref: race-1"):
                gw.post_note("sale.order", order, "<p>note</p><div>Ref: race-1</div>")
        finally:
            gw.close()

    started = time.monotonic()
    threads = [threading.Thread(target=post_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 1.8 * slow  # both waits overlapped: no global lock held while slow
    assert len([m for m in odoo_seed.messages(order) if "race-1" in (m["body"] or "")]) == 2


def test_a_delay_after_the_call_gives_the_effect_before_the_answer(odoo_double, gateway, odoo_seed):
    order = odoo_seed.quotation(odoo_seed.customer(), [(odoo_seed.product(cost=1.0, price=2.0), 1)])
    held = 3.0  # the answer's wait after the commit: long enough for the reads below on a loaded machine
    odoo_double.delay("sale.order", "action_confirm", held, when="after", times=1)
    answered = []

    def confirm():
        gateway.confirm_order(order)
        answered.append(time.monotonic())

    confirming = threading.Thread(target=confirm)
    started = time.monotonic()
    confirming.start()
    while odoo_seed.order_state(order) != "sale":
        assert time.monotonic() - started < held, "the confirmation was not seen in Odoo before its answer was due"
        time.sleep(0.02)
    assert answered == []  # done in Odoo, no answer yet
    confirming.join()
    assert answered and answered[0] - started >= held


def test_the_webhook_leaves_before_its_transaction_commits(odoo_double, odoo_seed):
    order = odoo_seed.quotation(odoo_seed.customer(), [(odoo_seed.product(cost=1.0, price=2.0), 1)],
                                state="draft")
    before = odoo_seed.read("sale.order", [order], ["state", "write_date"])[0]
    commit_after = 2.0  # long enough for the read below on a loaded machine
    body = odoo_double.webhook_before_commit("sale.order", order, {"state": "sent"}, commit_after)
    assert (body["_id"], body["state"]) == (order, "sent")
    assert len(body["write_date"]) == 26 and body["write_date"][:19] >= before["write_date"]
    assert odoo_seed.read("sale.order", [order], ["state", "write_date"])[0] == before  # not committed yet
    deadline = time.monotonic() + commit_after + 3
    while odoo_seed.order_state(order) != "sent" and time.monotonic() < deadline:
        time.sleep(0.05)
    after = odoo_seed.read("sale.order", [order], ["state", "write_date"])[0]
    assert after == {"id": order, "state": "sent", "write_date": body["write_date"][:19]}


def test_a_webhook_whose_transaction_rolls_back_never_lands(odoo_double, odoo_seed):
    order = odoo_seed.quotation(odoo_seed.customer(), [(odoo_seed.product(cost=1.0, price=2.0), 1)],
                                state="draft")
    body = odoo_double.webhook_before_commit("sale.order", order, {"state": "sent"}, 0.05, rollback=True)
    assert body["state"] == "sent"
    time.sleep(0.2)
    assert odoo_seed.order_state(order) == "draft"
