"""The sales order release spine against Odoo (the protocol double, or a real Odoo 17 via ODOO_URL)."""
import pytest

from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, bearer

OPS = bearer(ALL_SCOPES_KEY)


def event_for(order_id, requester_id, event_id=None, **extra):
    return {"id": event_id or f"odoo:sale.order:{order_id}:test", "type": "sale_order.release_requested",
            "source": "odoo", "data": {"_model": "sale.order", "_id": order_id, "write_uid": requester_id, **extra}}


@pytest.fixture
def admin_id(odoo_seed):
    return odoo_seed.user_id("admin")


@pytest.fixture
def healthy_quotation(odoo_seed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    return odoo_seed.quotation(partner, lines=[(product, 2, 200.0)], state="sent")


@pytest.fixture
def thin_margin_quotation(odoo_seed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=190.0, price=200.0, on_hand=50.0)
    return odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")


def release_messages(odoo_seed, order_id):
    return [m for m in odoo_seed.messages(order_id) if "Release decision" in (m.get("body") or "")]


def test_release_confirms_once_and_a_repeat_takes_no_second_effect(client, worker, odoo_seed, healthy_quotation,
                                                                   admin_id, odoo_target):
    event = event_for(healthy_quotation, admin_id)
    first = client.post("/v1/events", json=event, headers=bearer())
    assert first.status_code == 201, first.json
    assert first.json["outcome"] == "release"
    assert first.json["decision"]["policy"]["version"]
    assert first.headers["Location"].endswith(first.json["release_id"])
    worker.drain()
    assert odoo_seed.order_state(healthy_quotation) == "sale"
    assert len(release_messages(odoo_seed, healthy_quotation)) == 1

    again = client.post("/v1/events", json=event, headers=bearer())
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    worker.drain()
    assert len(release_messages(odoo_seed, healthy_quotation)) == 1
    if odoo_target.is_double:
        confirms = [c for c in odoo_target.double.calls
                    if c[1] == "action_confirm" and healthy_quotation in c[2][0]]
        assert len(confirms) == 1

    status = client.get(f"/v1/releases/{first.json['release_id']}", headers=OPS).json
    assert status["status"] == "released" and {j["state"] for j in status["jobs"]} == {"done"}
    late = client.post("/v1/events", json=event_for(healthy_quotation, admin_id, "another-id"), headers=bearer())
    assert late.status_code == 409 and late.json["error"]["code"] == "not_a_quotation"
    assert client.get("/v1/audit/verify", headers=OPS).json["ok"]


def test_same_key_with_another_body_is_409(client, healthy_quotation, admin_id):
    event = event_for(healthy_quotation, admin_id)
    assert client.post("/v1/events", json=event, headers=bearer()).status_code == 201
    changed = {**event, "data": {**event["data"], "note": "changed"}}
    answer = client.post("/v1/events", json=changed, headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "idempotency_key_reused"


def test_unknown_order_is_404(client, admin_id):
    answer = client.post("/v1/events", json=event_for(99999999, admin_id), headers=bearer())
    assert answer.status_code == 404 and answer.json["error"]["code"] == "order_not_found"


def test_approval_with_segregation_of_duties(client, worker, odoo_seed, thin_margin_quotation, admin_id):
    answer = client.post("/v1/events", json=event_for(thin_margin_quotation, admin_id), headers=bearer())
    assert answer.status_code == 201
    assert answer.json["outcome"] == "approve"
    route = answer.json["decision"]["route"]
    assert "admin" not in route["eligible"] and route["assignee"] == "demo"
    approval_id = answer.json["approval_id"]
    worker.drain()
    activities = [a for a in odoo_seed.activities(thin_margin_quotation) if "Approve release" in (a.get("summary") or "")]
    assert len(activities) == 1
    assert activities[0]["user_id"][0] == odoo_seed.user_id("demo")
    assert odoo_seed.order_state(thin_margin_quotation) == "sent"

    duplicate = client.post("/v1/events", json=event_for(thin_margin_quotation, admin_id, "second-event"),
                            headers=bearer())
    assert duplicate.status_code == 200 and duplicate.json["duplicate_of"] == answer.json["release_id"]

    own = client.post(f"/v1/approvals/{approval_id}/decision", json={"decision": "approve", "approver": "admin"},
                      headers=bearer())
    assert own.status_code == 403 and own.json["error"]["code"] == "segregation_of_duties"
    stranger = client.post(f"/v1/approvals/{approval_id}/decision",
                           json={"decision": "approve", "approver": "someone"}, headers=bearer())
    assert stranger.status_code == 403 and stranger.json["error"]["code"] == "not_an_approver"
    decided = client.post(f"/v1/approvals/{approval_id}/decision",
                          json={"decision": "approve", "approver": "demo", "comment": "strategic customer"},
                          headers=bearer())
    assert decided.status_code == 200 and decided.json["approval"]["status"] == "approved"
    repeat = client.post(f"/v1/approvals/{approval_id}/decision",
                         json={"decision": "approve", "approver": "demo", "comment": "strategic customer"},
                         headers=bearer())
    assert repeat.status_code == 200 and len(repeat.json["jobs"]) == len(decided.json["jobs"])
    flip = client.post(f"/v1/approvals/{approval_id}/decision", json={"decision": "reject", "approver": "demo"},
                       headers=bearer())
    assert flip.status_code == 409
    worker.drain()
    assert odoo_seed.order_state(thin_margin_quotation) == "sale"
    bodies = [m["body"] for m in odoo_seed.messages(thin_margin_quotation)]
    assert sum("Release approved by demo" in b for b in bodies) == 1
    release = client.get(f"/v1/releases/{answer.json['release_id']}", headers=OPS).json
    assert release["status"] == "released"


def test_selling_under_cost_is_rejected_and_cancelled(client, worker, odoo_seed, admin_id):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=300.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    answer = client.post("/v1/events", json=event_for(order, admin_id), headers=bearer())
    assert answer.json["outcome"] == "reject"
    worker.drain()
    assert odoo_seed.order_state(order) == "cancel"


def test_odoo_down_then_dead_letters_then_replay_delivers_once(client, worker, services, odoo_seed, odoo_proxy,
                                                               healthy_quotation, admin_id):
    answer = client.post("/v1/events", json=event_for(healthy_quotation, admin_id), headers=bearer())
    assert answer.status_code == 201
    odoo_proxy.go_down()
    try:
        worker.drain()
        letters = client.get("/v1/dead-letters?status=open&category=odoo_unreachable", headers=OPS).json["items"]
        mine = [l for l in letters if l["kind"] == "job"]
        assert len(mine) == len(answer.json["jobs"])
        assert all(l["category_label"] == "Odoo unreachable" for l in mine)
        jobs = client.get(f"/v1/releases/{answer.json['release_id']}", headers=OPS).json["jobs"]
        assert {j["state"] for j in jobs} == {"dead"} and {j["attempts"] for j in jobs} == {3}
    finally:
        odoo_proxy.come_up()
    replay = client.post("/v1/dead-letters/replay", json={"category": "odoo_unreachable"}, headers=OPS)
    assert replay.status_code == 202 and len(replay.json["replayed"]) == len(mine)
    worker.drain()
    assert odoo_seed.order_state(healthy_quotation) == "sale"
    assert len(release_messages(odoo_seed, healthy_quotation)) == 1
    again = client.post(f"/v1/dead-letters/{mine[0]['id']}/replay", headers=OPS)
    assert again.status_code == 409
    with services.db.transaction() as conn:
        kinds = [e["kind"] for e in audit.entries(conn)]
    assert "writeback.dead" in kinds and "deadletter.replayed" in kinds


def test_event_parked_while_odoo_is_down_is_replayed_later(client, worker, odoo_seed, odoo_proxy,
                                                           healthy_quotation, admin_id):
    odoo_proxy.go_down()
    try:
        parked = client.post("/v1/events", json=event_for(healthy_quotation, admin_id), headers=bearer())
    finally:
        odoo_proxy.come_up()
    assert parked.status_code == 503
    letter_id = parked.json["error"]["details"][0]["dead_letter_id"]
    replay = client.post(f"/v1/dead-letters/{letter_id}/replay", headers=OPS)
    assert replay.status_code == 202 and replay.json["result"]["outcome"] == "release"
    worker.drain()
    assert odoo_seed.order_state(healthy_quotation) == "sale"


@pytest.fixture
def confined_client(tmp_path, odoo_target, odoo_proxy, healthy_quotation):
    """A sidecar whose intake rule also names this test's quotation: reconciliation with no age
    condition must not decide (confirm or cancel) anybody else's quotations on a shared Odoo."""
    import json

    from sidecar.app import create_app
    from sidecar.config import DEFAULT_POLICY_FILE, load_settings
    from tests.conftest import sidecar_env

    policy = json.loads(DEFAULT_POLICY_FILE.read_text())
    policy["intake"]["submitted_domain"] = [["id", "=", healthy_quotation]] + policy["intake"]["submitted_domain"]
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(policy))
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_POLICY_FILE=str(policy_file))
    application = create_app(settings=load_settings(env))
    yield application.test_client()
    application.extensions["sidecar"].close()


def test_reconciliation_decides_a_quotation_whose_webhook_was_lost(confined_client, odoo_seed, healthy_quotation):
    from sidecar.worker import OutboxWorker
    client = confined_client
    worker = OutboxWorker(client.application.extensions["sidecar"])
    first = client.post("/v1/reconciliations/sales-order-release", json={"older_than_minutes": 0}, headers=bearer())
    assert first.status_code == 200, first.json
    assert [d["order_id"] for d in first.json["decided"]] == [healthy_quotation]
    second = client.post("/v1/reconciliations/sales-order-release", json={"older_than_minutes": 0}, headers=bearer())
    assert healthy_quotation not in [m["order_id"] for m in second.json["missed"]]
    worker.drain()
    assert odoo_seed.order_state(healthy_quotation) == "sale"


def test_in_process_worker_delivers_without_a_separate_process(tmp_path, odoo_target, odoo_proxy, odoo_seed,
                                                               healthy_quotation, admin_id):
    import time

    from sidecar.app import create_app
    from sidecar.config import load_settings
    from tests.conftest import sidecar_env

    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_WORKER_IN_PROCESS="true", SIDECAR_WORKER_POLL_SECONDS="0.05")
    application = create_app(settings=load_settings(env))
    try:
        answer = application.test_client().post("/v1/events", json=event_for(healthy_quotation, admin_id),
                                                headers=bearer())
        assert answer.status_code == 201
        deadline = time.monotonic() + 30
        while odoo_seed.order_state(healthy_quotation) != "sale" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert odoo_seed.order_state(healthy_quotation) == "sale"
    finally:
        application.extensions["outbox_worker"].stop()
        application.extensions["sidecar"].close()
