"""End to end in a real n8n for return requests: the shop's request -> the Return request workflow -> sidecar
(demo return policy) + worker -> Odoo's return and reversal wizards.  The stack is tests/e2e/conftest.py's."""
from __future__ import annotations

import time

import pytest
import requests

from sidecar.flows import return_request
from tests.conftest import N8N_KEY
from tests.e2e.conftest import APPROVAL_HOOK, TEAM_EMAILS, pending_approval, wait_for
from tests.support.return_seed import ReturnSeed

pytestmark = pytest.mark.e2e

RETURN_HOOK = "shop/return-request"
MODEL = return_request.MODEL
# A message the shipped classifier reads as a delivery issue well above the threshold.
LATE_AND_SOAKED = "The carrier delivered it a week late and the driver left it in the rain."


@pytest.fixture
def shop(odoo_seed):
    return ReturnSeed(odoo_seed)


def notes(shop: ReturnSeed, picking: int) -> list[str]:
    return [m["body"] for m in shop.messages(picking) if "Return request" in (m["body"] or "")]


def _stored_answer(stack, asked: dict) -> dict:
    """The sidecar's answer to the workflow's event, asked again with the workflow's key."""
    key = f"shop:return:{asked['picking_id']}:{asked['reference']}"
    answer = requests.post(f"{stack.sidecar_url}/v1/events", timeout=30, json={
        "id": key, "type": return_request.EVENT_TYPE, "source": "shop", "data": asked},
        headers={"Authorization": f"Bearer {N8N_KEY}", "Idempotency-Key": key})
    assert answer.status_code == 201 and answer.headers.get("Idempotent-Replayed") == "true", answer.text
    return answer.json()


def test_an_accepted_refund_is_returned_and_credited_and_the_shop_told(stack, shop, mailbox):
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(3, 20.0), (1, 50.0)])
    invoice = shop.invoice(customer, sold)
    letters_before = stack.n8n_letters()
    asked = shop.request(sold["picking"], [(sold["products"][0], 2)], message="Two arrived broken")

    answer = stack.webhook(RETURN_HOOK, asked)
    assert answer.status_code == 201, answer.text
    assert answer.json()["outcome"] == "accept" and answer.json()["request_id"]
    [made] = wait_for(lambda: shop.returns(sold["picking"]), "the return receipt in Odoo", logs=stack.logs)
    assert [m["product_uom_qty"] for m in made["moves"]] == [2.0]
    [credit] = wait_for(lambda: shop.credit_notes(invoice), "the draft credit note in Odoo", logs=stack.logs)
    assert credit["state"] == "draft" and credit["amount_untaxed"] == 40.0
    wait_for(lambda: stack.job_states(sold["picking"], MODEL) == {"done"}, "the decision's jobs to be done",
             logs=stack.logs)
    [note] = notes(shop, sold["picking"])
    assert "Return request: accepted" in note and "Two arrived broken" in note
    # Too short to read clearly: the advice routes it to customer service, whose email says so.
    [mail] = wait_for(lambda: mailbox.wait_for(lambda m: asked["reference"] in m["Subject"], 0.1),
                      "customer service's email", logs=stack.logs)
    assert mail["X-Envelope-To"] == TEAM_EMAILS["customer-service"] and "a person reads it" in mail.get_content()

    again = stack.webhook(RETURN_HOOK, asked)  # the shop sends it again: same reference, same key
    assert again.status_code == 201 and again.json()["request_id"] == answer.json()["request_id"], again.text
    assert len(shop.returns(sold["picking"])) == 1 and len(shop.credit_notes(invoice)) == 1
    assert stack.n8n_letters() == letters_before


def test_the_advice_on_the_message_routes_the_request_to_the_team_it_concerns(stack, shop, mailbox):
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(3, 20.0)])
    asked = shop.request(sold["picking"], [(sold["products"][0], 1)], message=LATE_AND_SOAKED)
    answer = stack.webhook(RETURN_HOOK, asked)
    assert answer.status_code == 201 and answer.json()["outcome"] == "accept", answer.text

    about = lambda m: asked["reference"] in m["Subject"]  # noqa: E731
    [mail] = wait_for(lambda: mailbox.wait_for(about, 0.1), "the team's email", logs=stack.logs)
    advice = _stored_answer(stack, asked)["decision"]["advice"]
    assert advice["advisory_only"] and advice["backend"] == "local"
    assert advice["result"]["category"] == "delivery_issue" and not advice["result"]["needs_person"]
    assert mail["X-Envelope-To"] == TEAM_EMAILS["delivery"]
    text = mail.get_content()
    assert "Decided by the return policy: accept" in text and LATE_AND_SOAKED in text
    assert f"it reads as delivery_issue at confidence {advice['result']['confidence']}" in text
    # The rules decided: the return is made as for any accepted request, and the advice did nothing else.
    [made] = wait_for(lambda: shop.returns(sold["picking"]), "the return receipt in Odoo", logs=stack.logs)
    assert [m["product_uom_qty"] for m in made["moves"]] == [1.0]
    time.sleep(1)  # no other team is told, and a repeated request tells nobody again
    assert stack.webhook(RETURN_HOOK, asked).status_code == 201
    time.sleep(2)
    assert [m["X-Envelope-To"] for m in mailbox.messages if about(m)] == [TEAM_EMAILS["delivery"]]


def test_asking_more_than_delivered_is_refused_to_the_shop_and_nothing_happens(stack, shop):
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(1, 20.0)])
    letters_before = stack.n8n_letters()
    answer = stack.webhook(RETURN_HOOK, shop.request(sold["picking"], [(sold["products"][0], 4)]))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "return_not_possible" and error["details"][0]["pointer"] == "/data/lines/0"
    assert stack.counts(sold["picking"], MODEL)["releases"] == 0
    assert shop.returns(sold["picking"]) == [] and stack.n8n_letters() == letters_before


def test_a_return_waits_for_the_manager_who_approves_through_n8n(stack, shop):
    customer = shop.customer()
    sold = shop.delivered(customer, [(5, 30.0)])
    asked = shop.request(sold["picking"], [(sold["products"][0], 4)], reason="other", resolution="replacement")
    letters_before = stack.n8n_letters()
    answer = stack.webhook(RETURN_HOOK, asked)
    assert answer.status_code == 201 and answer.json()["outcome"] == "approve", answer.text
    approval = wait_for(lambda: pending_approval(stack, sold["picking"], MODEL), "an approval for the return",
                        logs=stack.logs)
    assert approval["role"] == "customer-service-manager" and approval["assignee"] == "admin"
    [activity] = wait_for(lambda: shop.activities(sold["picking"]), "the manager's activity", logs=stack.logs)
    assert activity["user_id"][0] == shop.seed.user_id("admin")
    assert shop.returns(sold["picking"]) == []

    # The links n8n got (never the shop): the sidecar's stored answer, asked again with the workflow's key.
    link = next(x for x in _stored_answer(stack, asked)["decision_links"] if x["approver"] == "admin")
    assert link["approve_url"].startswith(f"{stack.n8n_url}/webhook/{APPROVAL_HOOK}?")
    decided = requests.post(link["approve_url"], json={"comment": "photos checked"}, timeout=30)
    assert decided.status_code == 200, decided.text
    assert decided.json()["approval"]["status"] == "approved"
    [made] = wait_for(lambda: shop.returns(sold["picking"]), "the approved return in Odoo", logs=stack.logs)
    assert [m["product_uom_qty"] for m in made["moves"]] == [4.0]
    wait_for(lambda: stack.job_states(sold["picking"], MODEL) == {"done"}, "every job to be done", logs=stack.logs)
    assert pending_approval(stack, sold["picking"], MODEL) is None
    assert stack.n8n_letters() == letters_before


def test_the_webhook_refuses_a_caller_without_its_credentials(stack, shop):
    answer = stack.webhook(RETURN_HOOK, {"picking_id": 1}, auth=("odoo", "wrong-password"))
    assert answer.status_code in (401, 403), answer.text
