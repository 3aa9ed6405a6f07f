"""Reconciliation of any flow whose intake is a plain Odoo domain (POST /v1/reconciliations/{flow_name}), shown
with purchase approval: orders left waiting in Odoo whose webhook was lost are decided; Odoo's states are the
expected values (on the double, or a real Odoo 17 with SIDECAR_LIVE=1)."""
from __future__ import annotations

import dataclasses
import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sidecar.errors import SidecarError
from sidecar.flows import purchase_approval, reconcile, registry
from sidecar.policy import load_policy
from sidecar.store import audit
from tests.conftest import bearer
from tests.support.purchase_seed import PurchaseSeed

RECONCILE = "/v1/reconciliations/purchase-approval"
DEMO_POLICY = registry.POLICIES_DIR / "purchase-approval.demo.json"


@pytest.fixture
def purchase(odoo_seed, services):
    services.policies[purchase_approval.FLOW.name] = load_policy(DEMO_POLICY)
    seed = PurchaseSeed(odoo_seed)
    yield seed
    seed.close()


@pytest.fixture
def go_live(services):
    """Go-live is now: every order the test makes from here on is after it."""
    moment = (datetime.now(timezone.utc) + timedelta(seconds=1)).replace(microsecond=0)  # after all earlier writes
    services.settings = dataclasses.replace(services.settings, go_live_at=moment.strftime("%Y-%m-%d %H:%M:%S"))
    time.sleep(max(0.0, (moment - datetime.now(timezone.utc)).total_seconds()) + 0.05)
    return moment


def waiting(purchase, classes):
    return purchase.to_approve(purchase.vendor(classes=classes), [(purchase.product(), 10, 100.0)])


def test_lost_purchase_webhooks_are_found_previewed_then_decided_once(client, services, worker, purchase, go_live):
    passing, blocked = waiting(purchase, ["Approved"]), waiting(purchase, ["Blocked"])
    delivered = waiting(purchase, ["Approved"])  # its webhook arrived
    write_date = purchase.order(delivered, ["write_date"])["write_date"]
    answer = client.post("/v1/events", headers=bearer(), json={
        "id": f"odoo:purchase.order:{delivered}:{write_date}", "type": purchase_approval.EVENT_TYPE, "source": "odoo",
        "data": {"_model": "purchase.order", "_id": delivered, "write_date": write_date}})
    assert answer.status_code == 201, answer.json

    with services.db.transaction() as conn:
        entries = len(audit.entries(conn))
    dry = client.post(RECONCILE, json={"older_than_minutes": 0, "dry_run": True}, headers=bearer())
    assert dry.status_code == 200, dry.json
    planned = {p["order_id"]: p for p in dry.json["planned"]}
    assert set(planned) == {passing, blocked}  # the delivered order is in flight: left alone
    assert planned[passing]["outcome"] == purchase_approval.FLOW.passing_outcome
    assert planned[blocked]["outcome"] == "reject"
    assert planned[passing]["order_name"] == purchase.order(passing, ["name"])["name"]
    with services.db.transaction() as conn:
        assert len(audit.entries(conn)) == entries  # a dry run records nothing

    run = client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer())
    assert run.status_code == 200 and run.json["failed"] == [], run.json
    assert {d["order_id"]: d["outcome"] for d in run.json["decided"]} == {
        passing: purchase_approval.FLOW.passing_outcome, blocked: "reject"}
    worker.drain()
    assert (purchase.state(passing), purchase.state(blocked)) == ("purchase", "cancel")
    again = client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer())
    assert again.json["missed"] == [] and again.json["decided"] == []


def test_an_unknown_flow_is_404_and_a_flow_needs_its_go_live(client, services, purchase):
    unknown = client.post("/v1/reconciliations/no-such-flow", json={}, headers=bearer())
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "flow_not_found"
    services.settings = dataclasses.replace(services.settings, go_live_at=None)
    refused = client.post(RECONCILE, json={"dry_run": True}, headers=bearer())
    assert refused.status_code == 422 and refused.json["error"]["code"] == "go_live_not_configured"


@pytest.mark.parametrize("flow_name", ["replenishment-exception", "price-change", "return-request"])
def test_a_flow_with_its_own_scan_or_whose_event_carries_the_ask_is_refused(client, flow_name):
    """The replenishment scan finds rules below their minimum (reconciliation would refuse every other manual
    rule one by one); a price change or a return names what is asked, which Odoo does not keep."""
    refused = client.post(f"/v1/reconciliations/{flow_name}", json={"dry_run": True}, headers=bearer())
    assert refused.status_code == 422 and refused.json["error"]["code"] == "not_reconcilable"
    assert flow_name in refused.json["error"]["message"]


def test_a_flow_whose_event_carries_the_ask_cannot_be_reconciled():
    from sidecar.errors import PolicyInvalid
    from sidecar.flows import reconcile
    flow = dataclasses.replace(purchase_approval.FLOW, name="purchase-with-ask", event_type="purchase_order.ask",
                               reads_request=True)
    registry.register(flow)
    try:
        with pytest.raises(PolicyInvalid) as caught:
            reconcile.reconcilable("purchase-with-ask")
        assert caught.value.code == "not_reconcilable"
    finally:
        registry.unregister("purchase-with-ask")


def test_the_schedule_reconciles_every_reconcilable_flow_but_the_release():
    """n8n-workflows/flows-reconcile.json names each flow the route can reconcile (the release has its own)."""
    from sidecar.errors import PolicyInvalid
    from sidecar.flows import reconcile, release
    workflow = json.loads((Path(__file__).parents[1] / "n8n-workflows" / "flows-reconcile.json").read_text())
    listed = next(n for n in workflow["nodes"] if n["name"] == "Flows to reconcile")
    named = re.findall(r"'([\w-]+)'", listed["parameters"]["assignments"]["assignments"][0]["value"])
    expected = set()
    for flow in registry.flows():
        try:
            reconcile.reconcilable(flow.name)
        except PolicyInvalid:
            continue
        expected.add(flow.name)
    assert len(named) == len(set(named)) and set(named) == expected - {release.FLOW.name}


def test_the_spec_offers_exactly_the_flows_that_can_be_reconciled():
    """The node's drop-down and the OpenAPI enum list every flow reconcilable() accepts, and no other."""
    spec = json.loads((Path(__file__).parent.parent / "node-specs" / "reconcile-flow.json").read_text())
    offered = spec["path_parameters"]["flow_name"]["enum"]
    accepted = []
    for flow in registry.flows():
        try:
            reconcile.reconcilable(flow.name)
        except SidecarError:
            continue
        accepted.append(flow.name)
    assert sorted(offered) == sorted(accepted) and "sales-order-release" in offered
