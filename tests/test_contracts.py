import pytest

from sidecar import contracts
from sidecar.errors import InvalidPayload

GOOD = {"id": "odoo:sale.order:3:2026-11-23 19:00:21", "type": "sale_order.release_requested",
        "source": "odoo", "data": {"_model": "sale.order", "_id": 3, "write_uid": 2, "partner_id": 12}}


def test_good_event_passes():
    assert contracts.validate_event(GOOD) == "sale_order.release_requested.v1"


@pytest.mark.parametrize("event, pointer, code", [
    ({**GOOD, "id": ""}, "/id", "invalid_payload"),
    ({k: v for k, v in GOOD.items() if k != "data"}, "", "invalid_payload"),
    ({**GOOD, "extra": 1}, "", "invalid_payload"),
    ({**GOOD, "type": "sale_order.exploded"}, "/type", "unknown_event_type"),
    ({**GOOD, "data": {"_model": "res.partner", "_id": 3}}, "/data/_model", "invalid_payload"),
    ({**GOOD, "data": {"_model": "sale.order", "_id": "3"}}, "/data/_id", "invalid_payload"),
    ({**GOOD, "data": {"_model": "sale.order", "_id": 3, "write_uid": "admin"}}, "/data/write_uid", "invalid_payload"),
])
def test_problems_name_their_pointer(event, pointer, code):
    with pytest.raises(InvalidPayload) as caught:
        contracts.validate_event(event)
    assert caught.value.code == code
    assert pointer in [d["pointer"] for d in caught.value.details]


@pytest.mark.parametrize("name, payload, ok", [
    ("approval_decision.v1", {"decision": "approve", "token": "eyJh.abc-_"}, True),
    ("approval_decision.v1", {"decision": "approve", "token": "eyJh.abc", "approver": "demo"}, False),
    ("approval_decision.v1", {"decision": "maybe", "token": "eyJh.abc"}, False),
    ("approval_decision.v1", {"decision": "approve"}, False),
    ("approval_decision.v1", {"decision": "approve", "token": "not a token"}, False),
    ("approval_reroute.v1", {"role": "finance-director", "reason": "away"}, True),
    ("approval_reroute.v1", {"assignee": "demo", "reason": "away"}, True),
    ("approval_reroute.v1", {"reason": "away"}, False),
    ("approval_reroute.v1", {"role": "finance-director"}, False),
    ("approval_cancel.v1", {"reason": "customer withdrew"}, True),
    ("approval_cancel.v1", {"reason": ""}, False),
    ("replay_request.v1", {}, False),
    ("replay_request.v1", {"ids": ["dl_1"]}, True),
    ("reconcile_request.v1", {}, True),
    ("reconcile_request.v1", {"limit": 0}, False),
    ("failure_report.v1", {"execution": {"id": "12"}, "workflow": {"name": "x"}}, True),
    ("failure_report.v1", {"execution": {}, "workflow": {"name": "x"}}, False),
])
def test_other_contracts(name, payload, ok):
    assert (contracts.problems(name, payload) == []) is ok
