"""Price change through POST /v1/events, the outbox worker and /v1/price-changes, on the double or a real Odoo 17
(SIDECAR_LIVE=1): the pricelist items and the prices Odoo applies are the expected values."""
from __future__ import annotations

import json

import pytest

from sidecar.flows import price_change, registry
from sidecar.policy import build_policy
from sidecar.store import audit
from tests.conftest import bearer
from tests.support.price_seed import PriceSeed, moment

DEMO_POLICY = registry.POLICIES_DIR / "price-change.demo.json"


@pytest.fixture
def prices(odoo_seed, services):
    """Price seeding, and the demo policy in force with a margin-sensitive category of the test's own."""
    seed = PriceSeed(odoo_seed)
    seed.sensitive, name = seed.category("Sensitive")
    data = json.loads(DEMO_POLICY.read_text())
    data["parameters"]["sensitive_categories"]["value"] = [name]
    services.policies[price_change.NAME] = build_policy(data, "price-change test")
    return seed


def proposal(template, pricelist, price, event_id=None, **extra):
    data = {"product_tmpl_id": template, "pricelist_id": pricelist, "fixed_price": price,
            "date_start": extra.pop("date_start", moment(-1)), "reason": "competitor moved", "source": "pricing-tool",
            **extra}
    return {"id": event_id or f"pc-{template}-{pricelist}-{price}-{moment()}", "type": price_change.EVENT_TYPE,
            "source": "n8n", "data": data}


def propose(client, *args, **extra):
    answer = client.post("/v1/events", json=proposal(*args, **extra), headers=bearer())
    assert answer.status_code == 201, answer.json
    return answer.json


def read(client, change_id):
    answer = client.get(f"/v1/price-changes/{change_id}", headers=bearer("0123456789abcdef-ops"))
    assert answer.status_code == 200, answer.json
    return answer.json


def move(client, change_id, **body):
    return client.post(f"/v1/price-changes/{change_id}/transitions", json=body, headers=bearer())


def test_a_small_change_is_written_published_and_reconciled(client, worker, prices):
    template, variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    answer = propose(client, template, pricelist, 97.0, date_end=moment(30))
    assert answer["outcome"] == "apply_price"
    assert [job["operation"] for job in answer["jobs"]] == ["post_message", "write_price"]
    assert read(client, answer["release_id"])["state"] == "approved"
    assert prices.items(pricelist) == []  # nothing in Odoo before the outbox writes it
    worker.drain()
    change = read(client, answer["release_id"])
    [item] = prices.items(pricelist)
    assert change["state"] == "effective" and change["item_id"] == item["id"]
    assert prices.price(pricelist, variant) == 97.0
    assert "Price change: approved" in prices.messages(template)[0]
    assert change["allowed_transitions"] == ["published"]
    published = move(client, change["id"], to="published", channels=["shop", "shelf-labels"])
    assert published.status_code == 200, published.json
    assert published.json["state"] == "published" and published.json["channels"] == ["shop", "shelf-labels"]
    reconciled = move(client, change["id"], to="reconciled")
    assert reconciled.status_code == 200, reconciled.json
    history = reconciled.json["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "draft"), ("draft", "approved"), ("approved", "effective"), ("effective", "published"),
        ("published", "reconciled")]
    assert history[2]["actor"] == "worker" and history[3]["actor"] == "n8n"


def test_a_markdown_on_a_sensitive_category_waits_for_a_pricing_manager(client, worker, prices):
    template, variant = prices.product(cost=40.0, price=100.0, category=prices.sensitive)
    pricelist = prices.pricelist()
    answer = propose(client, template, pricelist, 85.0, proposed_by="demo")  # -15 %: beyond the 10 % limit
    assert answer["outcome"] == "approve" and answer["decision"]["route"]["role"] == "pricing-manager"
    assert answer["decision"]["route"]["assignee"] == "admin"  # demo proposed it: demo never approves it
    worker.drain()
    assert read(client, answer["release_id"])["state"] == "draft"
    assert prices.items(pricelist) == [] and prices.price(pricelist, variant) == 100.0
    refused = move(client, answer["release_id"], to="published", channels=["shop"])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "invalid_transition"
    assert refused.json["error"]["details"] == [{"state": "draft", "requested": "published",
                                                  "allowed": ["approved", "rejected", "withdrawn"]}]
    link = next(link for link in answer["decision_links"] if link["approver"] == "admin")
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve"}, headers=bearer())
    assert decided.status_code == 200, decided.json
    worker.drain()
    change = read(client, answer["release_id"])
    assert change["state"] == "effective" and prices.price(pricelist, variant) == 85.0
    assert [h["actor"] for h in change["history"]][1:3] == ["admin", "worker"]


def test_a_price_below_cost_is_rejected_and_never_reaches_odoo(client, worker, services, prices):
    template, _variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    answer = propose(client, template, pricelist, 35.0)
    assert answer["outcome"] == "reject" and [job["operation"] for job in answer["jobs"]] == ["post_message"]
    worker.drain()
    change = read(client, answer["release_id"])
    assert change["state"] == "rejected" and change["allowed_transitions"] == []
    assert prices.items(pricelist) == [] and "below_cost" in prices.messages(template)[0]
    with services.db.read() as conn:
        kinds = [e["kind"] for e in audit.entries(conn) if e["kind"].startswith("price_change.")]
    assert kinds == ["price_change.draft", "price_change.rejected"]


def test_a_clearance_below_cost_goes_to_the_pricing_director(client, prices):
    """A person proposes it; a proposal naming nobody goes to the policy's unknown_requester_route instead."""
    template, _variant = prices.product(cost=40.0, price=41.0)
    answer = propose(client, template, prices.pricelist(), 39.0, clearance=True, proposed_by="demo")
    assert answer["outcome"] == "approve" and answer["decision"]["route"]["role"] == "pricing-director"
    deep, _variant = prices.product(cost=40.0, price=100.0)  # -65 %: a large change as well
    both = propose(client, deep, prices.pricelist(), 35.0, clearance=True, proposed_by="demo")
    assert [tier["role"] for tier in both["decision"]["tiers"]] == ["pricing-manager", "pricing-director"]


def test_a_draft_is_withdrawn_with_its_approval(client, worker, prices):
    template, _variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    answer = propose(client, template, pricelist, 60.0)  # -40 %: a large change
    assert answer["outcome"] == "approve"
    withdrawn = move(client, answer["release_id"], to="withdrawn", reason="supplier retracted")
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["state"] == "withdrawn"
    approval = client.get(f"/v1/approvals/{answer['approval_id']}", headers=bearer("0123456789abcdef-ops")).json
    assert approval["status"] == "cancelled"
    worker.drain()
    assert prices.items(pricelist) == []
    again = move(client, answer["release_id"], to="withdrawn", reason="twice")
    assert again.status_code == 409 and again.json["error"]["details"][0]["allowed"] == []


def test_reconciling_a_price_changed_in_odoo_names_what_differs(client, worker, prices):
    template, _variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    answer = propose(client, template, pricelist, 98.0)
    worker.drain()
    change_id = answer["release_id"]
    assert move(client, change_id, to="published", channels=["shop"]).status_code == 200
    item = read(client, change_id)["item_id"]
    prices.seed.call("product.pricelist.item", "write", [item], {"fixed_price": 99.5})  # edited by hand in Odoo
    mismatch = move(client, change_id, to="reconciled")
    assert mismatch.status_code == 409 and mismatch.json["error"]["code"] == "reconcile_mismatch"
    assert {(d["field"], d["approved"], d["odoo"]) for d in mismatch.json["error"]["details"]} == {
        ("fixed_price", 98.0, 99.5), ("price_applied", 98.0, 99.5)}
    assert read(client, change_id)["state"] == "published"


def test_bad_proposals_are_clear_4xx(client, prices):
    template, _variant = prices.product(cost=40.0, price=100.0)
    missing = client.post("/v1/events", json=proposal(template, 999999, 90.0), headers=bearer())
    assert missing.status_code == 404 and missing.json["error"]["code"] == "pricelist_not_found"
    window = client.post("/v1/events", json=proposal(template, prices.pricelist(), 90.0, date_start=moment(5),
                                                      date_end=moment(1)), headers=bearer())
    assert window.status_code == 400 and window.json["error"]["code"] == "invalid_window"
    negative = client.post("/v1/events", json=proposal(template, prices.pricelist(), -1), headers=bearer())
    assert negative.status_code == 400
    unknown = client.get("/v1/price-changes/rel_nope", headers=bearer("0123456789abcdef-ops"))
    assert unknown.status_code == 404
    body = move(client, "rel_nope", to="published")
    assert body.status_code == 400  # channels are required to publish


def test_another_price_for_a_product_in_flight_is_a_409_and_the_same_one_a_duplicate(client, prices):
    template, _variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    first = propose(client, template, pricelist, 60.0, date_start="2030-01-01 00:00:00")  # waits for approval
    same = client.post("/v1/events", json=proposal(template, pricelist, 60.0, event_id="again",
                                                   date_start="2030-01-01 00:00:00"), headers=bearer())
    assert same.status_code == 200 and same.json["duplicate_of"] == first["release_id"]
    other = client.post("/v1/events", json=proposal(template, pricelist, 70.0, date_start="2030-01-01 00:00:00"),
                        headers=bearer())
    assert other.status_code == 409 and other.json["error"]["code"] == "decision_in_flight"
    assert other.json["error"]["details"] == [{"release_id": first["release_id"]}]


def test_explain_reads_the_events_ask_and_simulate_refuses_clearly(services, prices):
    import datetime as dt

    from sidecar.errors import PolicyInvalid
    from sidecar.flows import simulate

    template, _variant = prices.product(cost=40.0, price=100.0)
    flow, facts = simulate.facts_for_event(services, proposal(template, prices.pricelist(), 90.0))
    assert flow is price_change.FLOW and facts["price_change"]["change_percent"] == pytest.approx(-10.0)
    with pytest.raises(PolicyInvalid) as err:
        simulate.simulate(services, flow, services.policies[price_change.NAME],
                          dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    assert err.value.code == "not_simulable"


def test_a_price_not_written_because_the_cost_changed_is_withdrawn_with_its_dead_letter(client, worker, prices):
    template, variant = prices.product(cost=40.0, price=100.0)
    pricelist = prices.pricelist()
    answer = propose(client, template, pricelist, 97.0)
    prices.seed.call("product.product", "write", [variant], {"standard_price": 98.0})  # cost moved after the decision
    worker.drain()
    change = read(client, answer["release_id"])
    assert change["state"] == "approved" and prices.items(pricelist) == []
    letters = client.get("/v1/dead-letters", query_string={"status": "open"},
                         headers=bearer("0123456789abcdef-ops")).json["items"]
    [letter] = [x for x in letters if "write_price" in x["summary"] and f" {template}:" in x["summary"]]
    withdrawn = move(client, change["id"], to="withdrawn", reason="cost moved: propose again")
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["state"] == "withdrawn"
    closed = client.get(f"/v1/dead-letters/{letter['id']}", headers=bearer("0123456789abcdef-ops")).json
    assert closed["status"] == "abandoned"
    # the product is free for a new proposal, decided on the cost as it is now: 97 is below it
    again = propose(client, template, pricelist, 97.0, event_id="proposed-again")
    assert again["outcome"] == "reject" and again["release_id"] != answer["release_id"]
    assert again["decision"]["reasons"][0]["code"] == "below_cost"
