"""Where n8n runs the executions: in queue mode (SIDECAR_E2E_N8N_QUEUE=1) the main instance only
enqueues what a webhook starts and an n8n worker runs it; in regular mode the main instance runs it
and nothing is enqueued.  The event is a purchase order waiting for approval (Purchase approval)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import QUEUE_MODE, assert_answered_at_once, wait_for
from tests.e2e.test_n8n_purchase import MODEL, PURCHASE_HOOK, purchase, waiting  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_a_webhook_execution_runs_where_the_mode_says(stack, purchase):  # noqa: F811
    order_id, body = waiting(purchase, ["Approved"])
    before = stack.n8n_executions()

    assert_answered_at_once(stack.webhook(PURCHASE_HOOK, body))
    wait_for(lambda: stack.job_states(order_id, MODEL) == {"done"}, "the decision's jobs to be done",
             logs=stack.logs)
    assert purchase.state(order_id) == "purchase"

    after = stack.n8n_executions()
    enqueued = after["enqueued"] - before["enqueued"]
    on_worker = after["on_worker"] - before["on_worker"]
    if QUEUE_MODE:
        # The webhook's execution, and the sidecar's calls it made, went through Redis to a worker.
        assert enqueued, "the main instance enqueued nothing"
        assert enqueued <= on_worker, (enqueued, on_worker)
    else:
        assert not enqueued and not after["on_worker"], after
