"""End to end in a real n8n for price changes: a pricing tool's proposal -> the Price change workflow -> sidecar
(demo price-change policy) + worker -> Odoo's pricelist, then published and reconciled by the workflow."""
from __future__ import annotations

import uuid

import pytest
import requests

from sidecar.flows import price_change
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY
from tests.e2e.conftest import assert_answered_at_once, wait_for
from tests.support.price_seed import PriceSeed, moment

pytestmark = pytest.mark.e2e

HOOK = "pricing/price-change"


@pytest.fixture
def prices(odoo_seed):
    return PriceSeed(odoo_seed)


def proposal(template, pricelist, price, **extra):
    """What a pricing tool posts; prices are whole numbers, as n8n's JavaScript re-serialises them."""
    return {"proposal_id": uuid.uuid4().hex, "product_tmpl_id": template, "pricelist_id": pricelist, "fixed_price": price,
            "date_start": moment(-1), "reason": "competitor moved", "source": "pricing-tool", **extra}


def price_change_of(stack, body) -> dict | None:
    """The sidecar's answer to n8n once it decided the proposal, asked again as n8n's own retry would."""
    if not stack.decision_ids(body["product_tmpl_id"], price_change.MODEL):
        return None
    event = {"id": f"pricing:{body['proposal_id']}", "type": price_change.EVENT_TYPE, "source": "n8n",
             "data": {key: value for key, value in body.items() if key != "proposal_id"}}
    answer = requests.post(f"{stack.sidecar_url}/v1/events", json=event, timeout=30,
                           headers={"Authorization": f"Bearer {N8N_KEY}", "Idempotency-Key": event["id"]})
    assert answer.status_code == 201 and answer.headers.get("Idempotent-Replayed") == "true", answer.text
    return answer.json()


def state(stack, change_id) -> dict:
    return requests.get(f"{stack.sidecar_url}/v1/price-changes/{change_id}", timeout=30,
                        headers={"Authorization": f"Bearer {ALL_SCOPES_KEY}"}).json()


def test_a_small_change_is_written_published_and_reconciled_by_the_workflow(stack, prices):
    template, variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    body = proposal(template, pricelist, 97)
    letters_before = stack.n8n_letters()

    assert_answered_at_once(stack.webhook(HOOK, body))
    decided = wait_for(lambda: price_change_of(stack, body), "the proposal to be decided", logs=stack.logs)
    assert decided["outcome"] == "apply_price"
    change = wait_for(lambda: (lambda c: c if c["state"] == "reconciled" else None)(state(stack, decided["release_id"])),
                      "the workflow to publish and reconcile the price change", logs=stack.logs)
    assert change["channels"] == ["shop"]
    assert [h["to"] for h in change["history"]] == ["draft", "approved", "effective", "published", "reconciled"]
    [item] = prices.items(pricelist)
    assert change["item_id"] == item["id"] and prices.price(pricelist, variant) == 97.0
    assert stack.n8n_letters() == letters_before


def test_a_large_change_is_written_once_the_pricing_manager_approves(stack, prices):
    template, variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    body = proposal(template, pricelist, 60, proposed_by="demo")  # -40 %: a pricing manager approves

    assert_answered_at_once(stack.webhook(HOOK, body))
    decided = wait_for(lambda: price_change_of(stack, body), "the proposal to be decided", logs=stack.logs)
    assert decided["outcome"] == "approve"
    assert state(stack, decided["release_id"])["state"] == "draft"
    assert prices.items(pricelist) == []  # nothing in Odoo before approval
    link = next(x for x in decided["decision_links"] if x["approver"] == "admin")
    approved = requests.post(link["approve_url"], json={"comment": "matches the competitor"}, timeout=30)
    assert approved.status_code == 200, approved.text
    change = wait_for(lambda: (lambda c: c if c["state"] == "reconciled" else None)(state(stack, decided["release_id"])),
                      "the waiting workflow to publish and reconcile the approved price", logs=stack.logs)
    assert [h["actor"] for h in change["history"]][:2] == ["demo", "admin"]
    assert prices.price(pricelist, variant) == 60.0
