"""What Odoo posts when a vendor bill is submitted for matching, and what `sidecar odoo provision`
makes for it: the "Match requested" activity type, the "Request match" action adding it through the bill, and the
Automation Rule posting the bill when the marker appears."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sidecar import contracts
from sidecar.flows import registry, vendor_bill_match
from sidecar.odoo import OdooGateway
from sidecar.odoo.errors import OdooError
from sidecar.odoo.match_request import MARKED, RULE_NAME, request_match
from sidecar.policy import load_policy
from tests.conftest import bearer
from tests.support.bill_seed import BillSeed
from tests.support.provisioning import provision_flow
from tests.support.webhook_receiver import WebhookReceiver

FLOW = vendor_bill_match.FLOW
# Recorded from a real Odoo 17: the rule `sidecar odoo provision` makes, the administrator running
# "Request match" on a draft bill of 8 x 100.00.
RECORDED = json.loads((Path(__file__).parent / "data" / "odoo17-bill-match-requested-webhook.json").read_text())
DEMO_POLICY = registry.POLICIES_DIR / "vendor-bill-match.demo.json"


def test_the_recorded_webhook_matches_the_contract():
    contracts.validate(FLOW.contract, RECORDED)
    assert FLOW.request(RECORDED) == {"id": 25, "write_date": "2026-12-06 05:24:25.083029"}
    envelope = {"id": "odoo:account.move:25:x", "type": FLOW.event_type, "source": "odoo", "data": RECORDED}
    assert registry.validate_event(envelope) is FLOW


@pytest.mark.parametrize("name", ["vendor-bill-match.json", "vendor-bill-match.demo.json"])
def test_the_intake_asks_odoo_for_the_marker(name):
    domain = [tuple(term) for term in json.loads((registry.POLICIES_DIR / name).read_text())["intake"]["domain"]]
    assert MARKED in domain and ("state", "=", "draft") in domain


@pytest.fixture
def bill_rule(real_odoo, odoo_seed, client, services):
    """Submission installed (twice: idempotent) on the real Odoo, posting to a receiver that forwards to the sidecar."""
    services.policies[FLOW.name] = load_policy(DEMO_POLICY)
    admin = OdooGateway(real_odoo.url, real_odoo.db, real_odoo.admin_login, real_odoo.admin_password)

    def forward(body):
        event = {"id": f"odoo:account.move:{body['_id']}:{body['write_date']}", "type": FLOW.event_type,
                 "source": "odoo", "data": body}
        answer = client.post("/v1/events", json=event, headers=bearer())
        return {"status": answer.status_code, "json": answer.json}

    receiver = WebhookReceiver("odoo/vendor-bill-match", forward)
    rule_id = provision_flow(admin, FLOW.name, receiver.url)[f"{FLOW.name}/rule"]
    try:
        yield BillSeed(odoo_seed), receiver, admin, rule_id
    finally:
        admin.execute("base.automation", "write", [rule_id], {"active": False})
        receiver.stop()
        admin.close()


def _draft_bill(bills, qty=8):
    vendor, product = bills.vendor(), bills.service(100.0)
    _order, (line,) = bills.order(vendor, [(product, 10, 100.0)])
    bills.receive({line: 8})
    return bills.bill(vendor, [(line, product, qty, 100.0)])


def test_request_match_posts_the_bill_which_is_decided_and_unmarked(bill_rule, worker):
    bills, receiver, admin, installed = bill_rule
    bill_id = _draft_bill(bills)
    bills.seed.call("account.move", "write", [bill_id], {"ref": "INV-1"})  # filling the bill in posts nothing
    assert receiver.quiet(1.5) == []
    request_match(admin, bill_id)
    [record] = receiver.wait(1)
    body = record["body"]
    contracts.validate(FLOW.contract, body)
    assert set(body) == set(RECORDED) and (body["_id"], body["state"]) == (bill_id, "draft")
    assert body["write_uid"] == bills.seed.user_id(admin.login) and len(body["write_date"]) > 19
    assert record["answer"]["status"] == 201 and record["answer"]["json"]["outcome"] == "post", record["answer"]
    assert len(bills.match_requests(bill_id)) == 1
    worker.drain()
    assert bills.state(bill_id) == "posted" and bills.match_requests(bill_id) == []
    assert len(receiver.quiet()) == 1  # posting the bill and removing the marker post nothing
    with pytest.raises(OdooError, match="Only draft vendor bills can be submitted"):
        request_match(admin, bill_id)
    rule = admin.read("base.automation", [installed], ["name", "trigger"])[0]
    assert (rule["name"], rule["trigger"]) == (RULE_NAME, "on_create_or_write")


def test_asking_again_submits_again_and_finance_activity_posts_nothing(bill_rule, worker):
    bills, receiver, admin, _installed = bill_rule
    bill_id = _draft_bill(bills, qty=10)  # 10 billed, 8 received: held for finance
    request_match(admin, bill_id)
    [record] = receiver.wait(1)
    assert record["answer"]["json"]["outcome"] == "approve", record["answer"]
    worker.drain()  # the note, the marker removed, finance's activity (not a marker: posts nothing)
    assert bills.match_requests(bill_id) == [] and len(bills.activities(bill_id)) == 1
    assert len(receiver.quiet()) == 1
    request_match(admin, bill_id)  # asked again while held: Odoo posts it, the sidecar answers with the decision in flight
    [_first, second] = receiver.wait(2)
    assert second["answer"]["status"] == 200 and second["answer"]["json"]["duplicate_of"], second["answer"]
