"""End to end in a real n8n: an approval the release asks for is sent to each approver by n8n's Send Email
node with their own links; the approver's decision resumes the execution waiting for it (Approval request
by email).  The stack (n8n, sidecar, worker, Odoo, the mailbox) is tests/e2e/conftest.py's.
"""
from __future__ import annotations

import re
import time

import pytest
import requests
import sqlalchemy as sa

from sidecar.store import schema
from tests.e2e.conftest import APPROVER_EMAILS, assert_answered_at_once, first_answer, pending_approval, wait_for
from tests.e2e.test_n8n_release import RELEASE_HOOK, odoo_webhook_body
from tests.test_approval_advice import LABEL, as_odoo_has_it, text_of

pytestmark = pytest.mark.e2e

LINK = r"(http://\S+decision=(approve|reject)\S*)"


def _thin_margin_quotation(seed) -> int:
    partner = seed.customer()
    product = seed.product(cost=190.0, price=200.0, on_hand=50.0)
    return seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")


def _jobs(stack, order_id: int, operation: str) -> list:
    """The order's outbox jobs of one operation: (state, last_error)."""
    jobs = schema.jobs.c
    query = sa.select(jobs.state, jobs.last_error).where(
        jobs.release_id.in_(stack._decisions(order_id, "sale.order")), jobs.operation == operation)
    return stack._read_store(lambda conn: [tuple(row) for row in conn.execute(query)])


def _requests_for(stack, mailbox, seed, order_id: int) -> tuple[dict, dict]:
    """The approval and the approval request each eligible approver was emailed: address -> links by decision."""
    body = odoo_webhook_body(seed, order_id)
    assert_answered_at_once(stack.webhook(RELEASE_HOOK, body))
    approval = wait_for(lambda: pending_approval(stack, order_id), "an approval for the order", logs=stack.logs)
    answer = first_answer(stack, body, "sale_order.release_requested")
    subject = f"Approval needed: Quotation {answer['order_name']}"
    expected = {APPROVER_EMAILS[link["approver"]]: link for link in answer["decision_links"]}
    wait_for(lambda: len(mailbox.wait_for(lambda m: m["Subject"] == subject, 0.1)) >= len(expected),
             "an approval request for every eligible approver", logs=stack.logs)
    time.sleep(1)  # nobody gets a second one
    sent = [m for m in mailbox.messages if m["Subject"] == subject]
    assert sorted(m["X-Envelope-To"] for m in sent) == sorted(expected)
    links = {}
    for message in sent:
        text = message.get_content()
        address, link = message["X-Envelope-To"], expected[message["X-Envelope-To"]]
        found = {decision: url for url, decision in re.findall(LINK, text)}
        # each approver's own signed links, and nobody else's
        assert found == {"approve": link["approve_url"], "reject": link["reject_url"]}, text
        assert all(other["approve_token"] not in text for who, other in expected.items() if who != address)
        assert answer["decision"]["summary"] in text
        # the approver's summary the sidecar computed with the decision, labelled as advice, as in the activity
        assert f"{LABEL}):\n{answer['decision']['advice']['result']['summary']}\n" in text.replace("\r\n", "\n")
        links[address] = found
    return approval, links


def _decide(url: str) -> requests.Response:
    """What the approver does: open the link (a confirmation page), then submit its form (the decision)."""
    page = requests.get(url, timeout=30)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    return requests.post(url, data={**fields, "comment": "decided from the email"}, timeout=30)


def test_the_emailed_approve_link_resumes_the_waiting_execution_and_confirms_once(stack, mailbox, odoo_seed):
    order = _thin_margin_quotation(odoo_seed)
    approval, links = _requests_for(stack, mailbox, odoo_seed, order)
    address = APPROVER_EMAILS[approval["assignee"]]
    assert _jobs(stack, order, "resume_n8n") == []  # the execution waits
    # the assignee's activity on the double carries the summary: the order as Odoo has it, labelled as advice
    wait_for(lambda: [s for s, _ in _jobs(stack, order, "schedule_activity")] == ["done"], "the approver's activity",
             logs=stack.logs)
    [activity] = [a for a in odoo_seed.activities(order) if "Approve release" in (a.get("summary") or "")]
    seen = as_odoo_has_it(odoo_seed, order)
    assert f"{LABEL}):\nQuotation {seen['name']} for {seen['partner']}: {seen['total']}" in text_of(activity["note"])

    decided = _decide(links[address]["approve"])
    assert decided.status_code == 200 and f"is approved by {approval['assignee']}." in decided.text, decided.text
    wait_for(lambda: odoo_seed.order_state(order) == "sale", "the approved order to be confirmed", logs=stack.logs)
    # the sidecar resumed the waiting execution once the write-backs were done: n8n took it (2xx)
    wait_for(lambda: [s for s, _ in _jobs(stack, order, "resume_n8n")] == ["done"], "the execution to be resumed",
             logs=stack.logs)
    before = {"messages": len(odoo_seed.messages(order)), **stack.counts(order)}
    assert [state for state, _ in _jobs(stack, order, "confirm_order")] == ["done"]

    # The same link again, and the reject link of the same mail: no second effect anywhere.
    assert _decide(links[address]["approve"]).status_code == 200
    assert _decide(links[address]["reject"]).status_code == 409
    time.sleep(3)
    assert odoo_seed.order_state(order) == "sale"
    assert {"messages": len(odoo_seed.messages(order)), **stack.counts(order)} == before
    assert [state for state, _ in _jobs(stack, order, "confirm_order")] == ["done"]
    assert [state for state, _ in _jobs(stack, order, "resume_n8n")] == ["done"]


def test_the_emailed_reject_link_resumes_the_execution_and_cancels_the_quotation(stack, mailbox, odoo_seed):
    order = _thin_margin_quotation(odoo_seed)
    approval, links = _requests_for(stack, mailbox, odoo_seed, order)
    letters = stack.n8n_letters()

    decided = _decide(links[APPROVER_EMAILS[approval["assignee"]]]["reject"])
    assert decided.status_code == 200 and f"is rejected by {approval['assignee']}." in decided.text, decided.text
    wait_for(lambda: odoo_seed.order_state(order) == "cancel", "the rejected quotation to be cancelled",
             logs=stack.logs)
    wait_for(lambda: [s for s, _ in _jobs(stack, order, "resume_n8n")] == ["done"], "the execution to be resumed",
             logs=stack.logs)
    assert _jobs(stack, order, "confirm_order") == []
    assert [state for state, _ in _jobs(stack, order, "cancel_order")] == ["done"]
    assert stack.n8n_letters() == letters  # every execution on the way ran through
