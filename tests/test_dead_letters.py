"""Dead letters never get stuck: resolve, abandon, close what can never replay, one letter per failure."""
import pytest

from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, bearer

OPS = bearer(ALL_SCOPES_KEY)
MISSING_ORDER = 2_000_000_000  # no Odoo (double or real) has this sale.order


def event_for(order_id, event_id, requester_id=2):
    return {"id": event_id, "type": "sale_order.release_requested", "source": "odoo",
            "data": {"_model": "sale.order", "_id": order_id, "write_uid": requester_id}}


def report_for(execution_id, event=None):
    report = {"execution": {"id": execution_id, "lastNodeExecuted": "Sidecar: decide release",
                            "error": {"message": "503 - Odoo unreachable"}},
              "workflow": {"id": "wf1", "name": "Sales order release"}}
    if event is not None:
        report["event"] = event
    return report


@pytest.fixture
def park(client, odoo_proxy):
    """Send an event while Odoo is down; returns the id of the letter it was parked in."""
    def parked(event):
        odoo_proxy.go_down()
        try:
            answer = client.post("/v1/events", json=event, headers=bearer())
        finally:
            odoo_proxy.come_up()
        assert answer.status_code == 503, answer.json
        return answer.json["error"]["details"][0]["dead_letter_id"]
    return parked


def letter(client, letter_id):
    return client.get(f"/v1/dead-letters/{letter_id}", headers=OPS).json


def audit_kinds(services, subject):
    with services.db.transaction() as conn:
        return [(e["kind"], e["actor"]) for e in audit.entries(conn, subject=subject)]


@pytest.mark.parametrize("action, status", [("resolve", "resolved"), ("abandon", "abandoned")])
def test_ops_close_an_open_letter_with_a_reason_and_it_is_audited(client, services, park, action, status):
    letter_id = park(event_for(MISSING_ORDER, f"evt-{action}"))
    answer = client.post(f"/v1/dead-letters/{letter_id}/{action}", json={"reason": "done by hand in Odoo"},
                         headers=OPS)
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == status and answer.json["replayable"] is False
    assert answer.json["reason"] == "done by hand in Odoo" and answer.json["closed_by"] == "ops"
    assert (f"deadletter.{status}", "ops") in audit_kinds(services, letter_id)
    again = client.post(f"/v1/dead-letters/{letter_id}/{action}", json={"reason": "twice"}, headers=OPS)
    assert again.status_code == 409 and again.json["error"]["code"] == "not_open"
    replay = client.post(f"/v1/dead-letters/{letter_id}/replay", headers=OPS)
    assert replay.status_code == 409


@pytest.mark.parametrize("action", ["resolve", "abandon"])
@pytest.mark.parametrize("body, headers, status, code", [
    ({}, OPS, 400, "invalid_payload"),
    ({"reason": ""}, OPS, 400, "invalid_payload"),
    ({"reason": "   "}, OPS, 400, "invalid_payload"),
    ({"reason": "x", "by": "someone"}, OPS, 400, "invalid_payload"),
    ({"reason": "ok"}, bearer(N8N_KEY), 403, "out_of_scope"),  # n8n reports failures; it does not close them
    ({"reason": "ok"}, {}, 401, "credentials_missing"),
])
def test_closing_needs_a_reason_and_the_scope(client, park, action, body, headers, status, code):
    letter_id = park(event_for(MISSING_ORDER, f"evt-bad-{action}-{status}-{len(str(body))}"))
    answer = client.post(f"/v1/dead-letters/{letter_id}/{action}", json=body, headers=headers)
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert letter(client, letter_id)["status"] == "open"


def test_closing_an_unknown_letter_is_404(client):
    answer = client.post("/v1/dead-letters/dl_missing/resolve", json={"reason": "x"}, headers=OPS)
    assert answer.status_code == 404


def test_a_report_whose_event_breaks_the_contract_is_not_replayable(client):
    answer = client.post("/v1/dead-letters", json=report_for("bad-ev-1", event={"foo": 1}), headers=bearer())
    assert answer.status_code == 201
    assert answer.json["replayable"] is False and answer.json["status"] == "open"
    assert "event contract" in answer.json["reason"]
    replay = client.post(f"/v1/dead-letters/{answer.json['id']}/replay", headers=OPS)
    assert replay.status_code == 409 and replay.json["error"]["code"] == "not_replayable"
    closed = client.post(f"/v1/dead-letters/{answer.json['id']}/abandon", json={"reason": "garbage"}, headers=OPS)
    assert closed.json["status"] == "abandoned"


def test_a_letter_that_can_never_replay_ends_closed(client, services, park):
    letter_id = park(event_for(MISSING_ORDER, "evt-never"))  # Odoo was down: it could not tell the order is absent
    replay = client.post(f"/v1/dead-letters/{letter_id}/replay", headers=OPS)
    assert replay.status_code == 409 and replay.json["error"]["code"] == "replay_refused"
    assert replay.json["error"]["details"][-1]["cause"] == "order_not_found"
    closed = letter(client, letter_id)
    assert closed["status"] == "closed" and "order_not_found" in closed["reason"]
    assert closed["replayable"] is False
    assert ("deadletter.closed", "ops") in audit_kinds(services, letter_id)
    bulk = client.post("/v1/dead-letters/replay", json={"ids": [letter_id]}, headers=OPS)
    assert bulk.json["skipped"][0]["code"] == "not_open"


def test_an_n8n_report_of_a_parked_event_is_linked_not_a_twin(client, park):
    event = event_for(MISSING_ORDER, "evt-twin")
    parked = park(event)
    report = client.post("/v1/dead-letters", json=report_for("exec-twin", event=event), headers=bearer())
    assert report.status_code == 201
    assert report.json["status"] == "linked" and report.json["linked_to"] == parked
    assert report.json["replayable"] is False
    repeat = client.post("/v1/dead-letters", json=report_for("exec-twin", event=event), headers=bearer())
    assert repeat.json["id"] == report.json["id"]
    open_letters = client.get("/v1/dead-letters?status=open", headers=OPS).json["items"]
    assert [l["id"] for l in open_letters if l["id"] in (parked, report.json["id"])] == [parked]


def test_replaying_an_n8n_report_while_odoo_is_down_keeps_one_open_letter(client, odoo_proxy):
    event = event_for(MISSING_ORDER, "evt-n8n-first")
    report = client.post("/v1/dead-letters", json=report_for("exec-first", event=event), headers=bearer())
    assert report.json["status"] == "open" and report.json["replayable"] is True
    odoo_proxy.go_down()
    try:
        replay = client.post(f"/v1/dead-letters/{report.json['id']}/replay", headers=OPS)
    finally:
        odoo_proxy.come_up()
    assert replay.status_code == 503
    parked = replay.json["error"]["details"][0]["dead_letter_id"]
    assert letter(client, report.json["id"])["linked_to"] == parked
    open_ids = [l["id"] for l in client.get("/v1/dead-letters?status=open", headers=OPS).json["items"]]
    assert parked in open_ids and report.json["id"] not in open_ids


def test_a_parked_event_is_resolved_when_its_order_is_decided_under_another_key(client, park, healthy_quotation):
    parked = park(event_for(healthy_quotation, "odoo:sale.order:first-delivery"))
    decided = client.post("/v1/events", json=event_for(healthy_quotation, "reconcile:sale.order:other-key"),
                          headers=bearer())
    assert decided.status_code == 201, decided.json
    handled = letter(client, parked)
    assert handled["status"] == "resolved" and decided.json["release_id"] in handled["reason"]


# -- a dead write-back closed by hand moves its release on -------------------------------------------


@pytest.fixture
def blocked_release(client, worker, odoo_proxy, healthy_quotation):
    """A released decision whose first write-back (the note) died while Odoo was down."""
    answer = client.post("/v1/events", json=event_for(healthy_quotation, "evt-blocked"), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "release", answer.json
    odoo_proxy.go_down()
    try:
        worker.drain()
    finally:
        odoo_proxy.come_up()
    release = client.get(f"/v1/releases/{answer.json['release_id']}", headers=OPS).json
    assert release["status"] == "blocked", release
    letters = client.get("/v1/dead-letters", query_string={"kind": "job", "status": "open"}, headers=OPS).json
    dead_job = next(j["id"] for j in release["jobs"] if j["state"] == "dead")
    return release, next(item["id"] for item in letters["items"] if item["ref"] == dead_job)


def test_abandoning_a_dead_write_back_gives_up_its_release_so_the_order_can_be_decided_again(
        client, worker, odoo_seed, healthy_quotation, blocked_release):
    release, letter_id = blocked_release
    answer = client.post(f"/v1/dead-letters/{letter_id}/abandon", json={"reason": "customer withdrew"},
                         headers=OPS)
    assert answer.status_code == 200 and answer.json["status"] == "abandoned", answer.json
    after = client.get(f"/v1/releases/{release['release_id']}", headers=OPS).json
    assert after["status"] == "abandoned" and {j["state"] for j in after["jobs"]} == {"abandoned"}
    worker.drain()
    assert odoo_seed.order_state(healthy_quotation) == "sent"  # nothing queued behind it ran
    again = client.post("/v1/events", json=event_for(healthy_quotation, "evt-after-abandon"), headers=bearer())
    assert again.status_code == 201 and again.json["duplicate_of"] is None


def test_resolving_a_dead_write_back_counts_it_done_and_the_release_goes_on(
        client, worker, odoo_seed, healthy_quotation, blocked_release):
    release, letter_id = blocked_release
    answer = client.post(f"/v1/dead-letters/{letter_id}/resolve", json={"reason": "note posted by hand"},
                         headers=OPS)
    assert answer.status_code == 200 and answer.json["status"] == "resolved", answer.json
    worker.drain()
    after = client.get(f"/v1/releases/{release['release_id']}", headers=OPS).json
    assert after["status"] == "released" and odoo_seed.order_state(healthy_quotation) == "sale"


def test_replaying_a_dead_write_back_unblocks_its_release(client, worker, odoo_seed, healthy_quotation,
                                                          blocked_release):
    release, letter_id = blocked_release
    assert client.post(f"/v1/dead-letters/{letter_id}/replay", headers=OPS).status_code == 202
    assert client.get(f"/v1/releases/{release['release_id']}", headers=OPS).json["status"] == "releasing"
    worker.drain()
    assert client.get(f"/v1/releases/{release['release_id']}", headers=OPS).json["status"] == "released"
    assert odoo_seed.order_state(healthy_quotation) == "sale"


# -- ops pick letters by flow, and a replay says when its work had already taken effect -------------------


def test_letters_name_their_flow_and_are_listed_by_flow(client, park, blocked_release):
    _, job_letter = blocked_release
    parked = park(event_for(MISSING_ORDER, "evt-by-flow"))
    unknown = client.post("/v1/dead-letters", json=report_for("exec-no-event"), headers=bearer()).json["id"]
    assert letter(client, parked)["flow"] == "sales-order-release"  # its event's type
    assert letter(client, job_letter)["flow"] == "sales-order-release"  # the flow that decided its job
    assert letter(client, unknown)["flow"] is None  # a report without its event names no flow
    listed = client.get("/v1/dead-letters", query_string={"flow": "sales-order-release", "status": "open"},
                        headers=OPS).json["items"]
    assert {parked, job_letter} <= {d["id"] for d in listed} and unknown not in {d["id"] for d in listed}
    other = client.get("/v1/dead-letters", query_string={"flow": "purchase-approval"}, headers=OPS).json["items"]
    assert not {parked, job_letter, unknown} & {d["id"] for d in other}
    refused = client.get("/v1/dead-letters", query_string={"flow": "no-such-flow"}, headers=OPS)
    assert refused.status_code == 400 and refused.json["error"]["details"][0]["pointer"] == "?flow"


def test_replaying_a_report_of_an_event_already_decided_says_it_was_already_done(client, healthy_quotation):
    """n8n gave up waiting (a timeout) after the sidecar had decided: the report's replay does nothing again."""
    event = event_for(healthy_quotation, f"odoo:sale.order:{healthy_quotation}:already")
    first = client.post("/v1/events", json=event, headers={**bearer(), "Idempotency-Key": event["id"]})
    assert first.status_code == 201, first.json
    report = client.post("/v1/dead-letters", json=report_for("exec-late", event=event), headers=bearer()).json
    assert report["status"] == "open" and report["flow"] == "sales-order-release"
    replay = client.post(f"/v1/dead-letters/{report['id']}/replay", headers=OPS)
    assert replay.status_code == 202, replay.json
    assert replay.json["already_done"] is True and replay.json["result"]["release_id"] == first.json["release_id"]


def test_replaying_a_parked_event_decides_it_and_says_so(client, park, healthy_quotation):
    parked = park(event_for(healthy_quotation, f"odoo:sale.order:{healthy_quotation}:parked"))
    replay = client.post(f"/v1/dead-letters/{parked}/replay", headers=OPS)
    assert replay.status_code == 202, replay.json
    assert replay.json["already_done"] is False and replay.json["result"]["outcome"] == "release"
