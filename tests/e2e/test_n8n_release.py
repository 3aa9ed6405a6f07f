"""End to end in a real n8n: Odoo's webhook -> n8n workflows -> sidecar (gunicorn + worker) -> Odoo,
for sales-order release.  The stack (n8n, sidecar, worker, Odoo) is tests/e2e/conftest.py's.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import (APPROVAL_HOOK, WEBHOOK_PASSWORD, WEBHOOK_USER, assert_answered_at_once, first_answer,
                                pending_approval, wait_for)

pytestmark = pytest.mark.e2e

RELEASE_HOOK = "odoo/sales-order-release"


RECORDED_WEBHOOK = json.loads((Path(__file__).resolve().parents[1] / "data" /
                               "odoo17-release-requested-webhook.json").read_text())["body"]


def odoo_webhook_body(seed, order_id: int) -> dict:
    """Submit the quotation (the tag "Release requested", as the "Request release" action does) and
    return what Odoo's Automation Rule then posts: exactly the fields of the recorded sample
    (tests/data/odoo17-release-requested-webhook.json), many2one as bare ids."""
    body = seed.request_release(order_id)
    assert body.keys() == RECORDED_WEBHOOK.keys()
    return body


def release_messages(seed, order_id: int) -> list:
    return [m for m in seed.messages(order_id) if "Release decision" in (m.get("body") or "")]


def test_released_quotation_is_confirmed_once_and_a_repeat_changes_nothing(stack, odoo_seed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 2, 200.0)], state="sent")
    body = odoo_webhook_body(odoo_seed, order)
    seen = stack.events_received()

    assert_answered_at_once(stack.webhook(RELEASE_HOOK, body))
    wait_for(lambda: odoo_seed.order_state(order) == "sale" and len(release_messages(odoo_seed, order)) == 1,
             "the order to be confirmed with one release message", logs=stack.logs)
    wait_for(lambda: stack.job_states(order) == {"done"}, "the release's jobs to be done", logs=stack.logs)
    before = {"state": "sale", "messages": len(odoo_seed.messages(order)), **stack.counts(order),
              "audit": stack.audit_entries()}
    assert before["releases"] == 1
    # the correlation id came from n8n's execution id, through the decision and its job, into Odoo's note
    assert re.search(r"Correlation id: n8n-\d+", release_messages(odoo_seed, order)[0]["body"])

    assert_answered_at_once(stack.webhook(RELEASE_HOOK, body))
    wait_for(lambda: stack.events_received() >= seen + 2, "n8n to deliver the repeat to the sidecar",
             logs=stack.logs)
    time.sleep(4)  # give the worker a chance to do something it must not do
    after = {"state": odoo_seed.order_state(order), "messages": len(odoo_seed.messages(order)),
             **stack.counts(order), "audit": stack.audit_entries()}
    assert after == before
    assert len(release_messages(odoo_seed, order)) == 1


def test_the_release_webhook_refuses_callers_without_odoos_credentials(stack, odoo_seed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="draft")
    body = odoo_webhook_body(odoo_seed, order)
    seen = stack.events_received()
    for auth in (None, (WEBHOOK_USER, "wrong-password")):
        answer = stack.webhook(RELEASE_HOOK, body, auth=auth)
        assert answer.status_code in (401, 403), (auth, answer.status_code, answer.text)
    time.sleep(2)
    assert stack.events_received() == seen
    assert stack.counts(order)["releases"] == 0 and odoo_seed.order_state(order) == "draft"


def test_thin_margin_waits_for_an_approver_who_decides_with_their_token_through_n8n(stack, odoo_seed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=190.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    body = odoo_webhook_body(odoo_seed, order)
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(RELEASE_HOOK, body))
    approval = wait_for(lambda: pending_approval(stack, order), "an approval for the order", logs=stack.logs)
    activities = wait_for(lambda: odoo_seed.activities(order), "the approver's activity", logs=stack.logs)
    assert len(activities) == 1
    assert activities[0]["user_id"][0] == odoo_seed.user_id(approval["assignee"])
    assert odoo_seed.order_state(order) == "sent"

    first = first_answer(stack, body, "sale_order.release_requested")
    assert first["approval_id"] == approval["id"]
    link = next(x for x in first["decision_links"] if x["approver"] == approval["assignee"])
    assert link["approve_url"].startswith(f"{stack.n8n_url}/webhook/{APPROVAL_HOOK}?")
    texts = [m.get("body") or "" for m in odoo_seed.messages(order)] + [a.get("note") or "" for a in activities]
    assert not any(link["approve_token"] in t or link["reject_token"] in t for t in texts)

    forged = [
        ({"approval_id": approval["id"], "decision": "approve", "approver": approval["assignee"]}, 400),
        ({"approval_id": approval["id"], "decision": "approve", "token": link["approve_token"] + "x"}, 403),
        ({"approval_id": approval["id"], "decision": "approve", "token": link["reject_token"]}, 403),
        ({"approval_id": approval["id"], "decision": "approve", "token": link["approve_token"],
          "approver": "admin"}, 400),
    ]
    for payload, status in forged:
        refused = stack.webhook(APPROVAL_HOOK, payload, auth=None)
        assert refused.status_code == status, (payload, refused.text)
        assert refused.json()["error"]["code"]
    assert pending_approval(stack, order) is not None

    # Opening the link (GET, as a mail client or a link scanner does) only shows a confirmation form.
    page = requests.get(link["approve_url"], timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    assert fields == {"approval_id": approval["id"], "decision": "approve", "token": link["approve_token"]}
    time.sleep(1)
    assert pending_approval(stack, order) is not None
    # Submitting that form (form-encoded, to the link's URL) decides.
    decided = requests.post(link["approve_url"], data={**fields, "comment": "strategic customer"}, timeout=30)
    assert decided.status_code == 200, decided.text
    assert decided.headers["Content-Type"].startswith("text/html")
    assert f"Approval {approval['id']} is approved by {approval['assignee']}." in decided.text
    wait_for(lambda: odoo_seed.order_state(order) == "sale", "the approved order to be confirmed",
             logs=stack.logs)

    # A program posts JSON and gets the sidecar's JSON; the same token again answers the same.
    repeat = requests.post(link["approve_url"], json={"comment": "strategic customer"}, timeout=30)
    assert repeat.status_code == 200, repeat.text
    assert repeat.json()["approval"]["status"] == "approved"
    assert repeat.json()["approval"]["decided_by"] == approval["assignee"]
    assert repeat.json()["approval"]["comment"] == "strategic customer"
    again = requests.post(link["reject_url"], json={}, timeout=30)
    assert again.status_code == 409, again.text  # the sidecar's answer reaches the caller as it is
    assert again.json()["error"]["code"] == "already_decided"
    # Every execution on the way (release with its per-approver notices, decisions) ran through.
    assert stack.n8n_letters() == letters_before


def test_a_refused_event_becomes_one_dead_letter_that_says_why_it_cannot_replay(stack, odoo_seed):
    partner = odoo_seed.customer()
    body = {"_action": "Notify n8n: quotation submitted(#1)", "_id": partner, "_model": "res.partner",
            "id": partner, "write_date": "2024-05-01 10:00:00"}
    known = {d["id"] for d in stack.sidecar("GET", "/v1/dead-letters", params={"kind": "n8n_execution"})
             .json()["items"]}
    seen = stack.events_received()

    assert_answered_at_once(stack.webhook(RELEASE_HOOK, body))

    def new_letters():
        items = stack.sidecar("GET", "/v1/dead-letters", params={"kind": "n8n_execution"}).json()["items"]
        return [d for d in items if d["id"] not in known]

    letter = wait_for(new_letters, "the error handler's dead letter", logs=stack.logs)[0]
    assert letter["kind"] == "n8n_execution" and letter["status"] == "open"
    assert "Sales order release" in letter["summary"] and "Sidecar answered 400" in letter["summary"]
    # Its event is about a res.partner: the sidecar refused it (400) and a replay could only fail again.
    assert letter["replayable"] is False and "event contract" in letter["reason"]
    detail = stack.sidecar("GET", f"/v1/dead-letters/{letter['id']}").json()["detail"]
    assert detail["event"]["id"] == f"odoo:sale.order:{partner}:2024-05-01 10:00:00"
    assert detail["event"]["data"]["_model"] == "res.partner"
    assert len(json.dumps(detail)) < 64 * 1024
    time.sleep(3)
    assert stack.events_received() == seen + 1  # a final 4xx is asked once, never retried
    assert len(new_letters()) == 1
