"""The outbox worker killed with `kill -9` while it holds a claimed job whose effect Odoo has already
committed (its answer not yet back): a new worker takes the job back when the lease runs out, finds the
effect in Odoo and does not make it again."""
from __future__ import annotations

import time

from tests.faults import effects
from tests.faults.conftest import job_rows, settled
from tests.faults.stack import Sender, join

SLOW_ANSWER = 1.0  # seconds Odoo holds its answer after committing: the worker dies in that window


def _killed_after_commit(stack, worker, odoo_double, odoo_seed, method: str, applied) -> int:
    """Hold the next `method` call's answer, kill the worker once Odoo shows the effect; the order's id."""
    before = len(odoo_double.calls_to("sale.order", method))
    odoo_double.delay("sale.order", method, SLOW_ANSWER, when="after", times=1)
    deadline = time.monotonic() + 60
    while len(odoo_double.calls_to("sale.order", method)) == before:
        assert time.monotonic() < deadline and worker.poll() is None, stack.log("worker")[-2000:]
        time.sleep(0.01)
    call = odoo_double.calls_to("sale.order", method)[before]
    order_id = call[2][0][0]
    while not applied(order_id):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    stack.kill(worker)
    return order_id


def test_a_worker_killed_mid_batch_leaves_each_effect_once(make_stack, odoo_double, odoo_seed):
    outcomes = {effects.quotation(odoo_seed, outcome): outcome
                for outcome in [effects.RELEASE] * 4 + [effects.APPROVE] * 2}
    stack = make_stack()
    stack.api()
    sender = Sender(stack.url)
    join(sender.send_all([effects.event(odoo_seed, order_id, "kill-worker") for order_id in outcomes]))
    assert sorted(a[0] for a in map(sender.final, sender.answers)) == [201] * len(outcomes)

    confirmed = _killed_after_commit(stack, stack.worker(), odoo_double, odoo_seed, "action_confirm",
                                     lambda order_id: odoo_seed.order_state(order_id) == "sale")
    noted = _killed_after_commit(stack, stack.worker(), odoo_double, odoo_seed, "message_post",
                                 lambda order_id: effects.of_order(odoo_seed, odoo_double, order_id)["refs"])
    stack.worker()
    settled(stack)
    assert effects.problems(odoo_seed, odoo_double, outcomes) == []

    rows = job_rows(stack.env["SIDECAR_DATABASE_URL"])
    taken_back = {(r["order_id"], r["operation"]): (r["state"], r["crashes"], r["effect"])
                  for r in rows if r["crashes"]}
    # Each killed claim came back once and found its effect already in Odoo; no other job lost a worker.
    assert taken_back == {(confirmed, "confirm_order"): ("done", 1, "already_done"),
                          (noted, "post_message"): ("done", 1, "already_done")}
    assert {r["state"] for r in rows} == {"done"}
