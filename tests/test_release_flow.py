"""The sales order release spine against Odoo (the protocol double, or a real Odoo 17 via ODOO_URL)."""
import pytest

from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, bearer

OPS = bearer(ALL_SCOPES_KEY)


def event_for(body, event_id=None, **extra):
    """The event n8n forwards for a webhook body of Odoo's Automation Rule."""
    return {"id": event_id or f"odoo:sale.order:{body['_id']}:test", "type": "sale_order.release_requested",
            "source": "odoo", "data": {**body, **extra}}


@pytest.fixture
def admin_id(odoo_seed):
    return odoo_seed.user_id("admin")


def release_messages(odoo_seed, order_id):
    return [m for m in odoo_seed.messages(order_id) if "Release decision" in (m.get("body") or "")]


def test_release_confirms_once_and_a_repeat_takes_no_second_effect(client, worker, odoo_seed, healthy_quotation,
                                                                   admin_id, odoo_target):
    event = event_for(odoo_seed.webhook_body(healthy_quotation))
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
    late = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(healthy_quotation), "another-id"),
                       headers=bearer())
    assert late.status_code == 409 and late.json["error"]["code"] == "not_submitted"
    assert client.get("/v1/audit/verify", headers=OPS).json["ok"]


def test_same_key_with_another_body_is_409(client, odoo_seed, healthy_quotation):
    event = event_for(odoo_seed.webhook_body(healthy_quotation))
    assert client.post("/v1/events", json=event, headers=bearer()).status_code == 201
    changed = {**event, "data": {**event["data"], "note": "changed"}}
    answer = client.post("/v1/events", json=changed, headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "idempotency_key_reused"


def test_unknown_order_is_404(client):
    answer = client.post("/v1/events", json=event_for({"_model": "sale.order", "_id": 99999999}), headers=bearer())
    assert answer.status_code == 404 and answer.json["error"]["code"] == "order_not_found"


def test_selling_under_cost_is_rejected_and_cancelled(client, worker, odoo_seed, admin_id):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=300.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    answer = client.post("/v1/events", json=event_for(odoo_seed.request_release(order)), headers=bearer())
    assert answer.json["outcome"] == "reject"
    worker.drain()
    assert odoo_seed.order_state(order) == "cancel"
    # The submission is withdrawn with it: set back to quotation, the order is no longer submitted.
    assert odoo_seed.read("sale.order", [order], ["tag_ids"])[0]["tag_ids"] == []
    odoo_seed.call("sale.order", "action_draft", [order])
    again = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(order), "after-reset"),
                        headers=bearer())
    assert again.status_code == 409 and again.json["error"]["code"] == "not_submitted"


def test_odoo_down_then_dead_letters_then_replay_delivers_once(client, worker, services, odoo_seed, odoo_proxy,
                                                               healthy_quotation, admin_id):
    answer = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(healthy_quotation)),
                         headers=bearer())
    assert answer.status_code == 201
    odoo_proxy.go_down()
    try:
        worker.drain()
        letters = client.get("/v1/dead-letters?status=open&category=odoo_unreachable", headers=OPS).json["items"]
        mine = [l for l in letters if l["kind"] == "job"]
        assert len(mine) == 1  # the note died; the confirm behind it waits, it never overtakes the note
        assert all(l["category_label"] == "Odoo unreachable" for l in mine)
        release = client.get(f"/v1/releases/{answer.json['release_id']}", headers=OPS).json
        assert release["status"] == "blocked"
        assert [(j["operation"], j["state"], j["attempts"]) for j in release["jobs"]] == [
            ("post_message", "dead", 1), ("confirm_order", "pending", 0)]
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
        parked = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(healthy_quotation)),
                             headers=bearer())
    finally:
        odoo_proxy.come_up()
    assert parked.status_code == 503
    letter_id = parked.json["error"]["details"][0]["dead_letter_id"]
    replay = client.post(f"/v1/dead-letters/{letter_id}/replay", headers=OPS)
    assert replay.status_code == 202 and replay.json["result"]["outcome"] == "release"
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
        answer = application.test_client().post(
            "/v1/events", json=event_for(odoo_seed.webhook_body(healthy_quotation)), headers=bearer())
        assert answer.status_code == 201
        deadline = time.monotonic() + 30
        while odoo_seed.order_state(healthy_quotation) != "sale" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert odoo_seed.order_state(healthy_quotation) == "sale"
    finally:
        application.extensions["outbox_worker"].stop()
        application.extensions["sidecar"].close()


# -- intake: only what Odoo committed, only what was submitted ------------------------------------

def _now_odoo(seconds=0.0):
    import datetime as dt
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _nothing_decided(client, services, order_id, event_id):
    from sidecar.store import idempotency, releases
    with services.db.transaction() as conn:
        assert releases.latest_for_orders(conn, "sale.order", [order_id]) == {}
        assert idempotency.find(conn, event_id) is None
        return [e["kind"] for e in audit.entries(conn) if e["subject"] == event_id]


@pytest.mark.parametrize("state", ["draft", "sent"])
def test_a_quotation_nobody_submitted_is_not_decided_whoever_posts_it(client, services, odoo_seed, state):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 2, 200.0)], state=state)
    bare = {"id": f"bare-{order}", "type": "sale_order.release_requested", "source": "n8n",
            "data": {"_id": order, "_model": "sale.order"}}
    answer = client.post("/v1/events", json=bare, headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "not_submitted", answer.json
    lying = event_for({**odoo_seed.webhook_body(order), "tag_ids": [odoo_seed.release_tag_id()], "state": "sent"},
                      f"lying-{order}")
    assert client.post("/v1/events", json=lying, headers=bearer()).json["error"]["code"] == "not_submitted"
    assert _nothing_decided(client, services, order, bare["id"]) == ["event.not_submitted"]
    assert odoo_seed.order_state(order) == state
    assert client.get("/v1/audit/verify", headers=OPS).json["ok"]


def test_a_confirmed_order_with_the_tag_is_not_submitted(client, odoo_seed, healthy_quotation):
    odoo_seed.call("sale.order", "action_confirm", [healthy_quotation])
    answer = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(healthy_quotation)), headers=bearer())
    assert answer.status_code == 409 and answer.json["error"]["code"] == "not_submitted"


def test_a_submission_odoo_never_commits_decides_nothing(client, services, odoo_seed, healthy_quotation):
    """A write_date Odoo never reaches (the webhook of a rolled-back transaction, or a forged future
    one): the sidecar waits the bounded time, then refuses; a later delivery may still be decided."""
    import dataclasses
    import time
    services.settings = dataclasses.replace(services.settings, commit_wait_seconds=0.6)
    event = event_for(odoo_seed.webhook_body(healthy_quotation), "never-committed", write_date=_now_odoo(3600))
    started = time.monotonic()
    answer = client.post("/v1/events", json=event, headers=bearer())
    waited = time.monotonic() - started
    assert answer.status_code == 409 and answer.json["error"]["code"] == "submission_not_committed", answer.json
    assert 0.6 <= waited < 5
    assert _nothing_decided(client, services, healthy_quotation, "never-committed") == ["event.not_committed"]
    assert odoo_seed.order_state(healthy_quotation) == "sent"
    honest = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(healthy_quotation), "honest"),
                         headers=bearer())
    assert honest.status_code == 201 and honest.json["outcome"] == "release"


def test_the_decision_waits_for_the_commit_of_the_webhooks_transaction(client, odoo_double, odoo_seed,
                                                                       healthy_quotation):
    """Odoo posts the webhook before it commits: here the price is lowered in the same save (margin
    50 % -> 5 %) and the double shows that write only 0.5 s after the webhook arrives."""
    import time
    line = odoo_seed.read("sale.order", healthy_quotation, ["order_line"])[0]["order_line"][0]
    event = event_for(odoo_seed.webhook_body(healthy_quotation), "pre-commit", write_date=_now_odoo())
    odoo_double.commit_later(0.5, "sale.order", [healthy_quotation], {"order_line": [(1, line, {"price_unit": 105.0})]})
    started = time.monotonic()
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert time.monotonic() - started >= 0.45
    assert answer.status_code == 201 and answer.json["outcome"] == "approve", answer.json
    margin = next(r for r in answer.json["decision"]["reasons"] if r["check"] == "margin")
    assert margin["code"] == "margin_below_threshold" and margin["observed"] < 15
    polls = [c for c in odoo_double.calls_to("sale.order", "search_count")
             if ("write_date", ">=", event["data"]["write_date"]) in [tuple(t) for t in c[2][0]]]
    assert len(polls) >= 2  # asked again until the commit showed


# -- the requester is Odoo's, never the body's ---------------------------------------------------

def test_the_requester_comes_from_odoo_not_from_the_body(client, odoo_seed, thin_margin_quotation):
    demo = odoo_seed.user_id("demo")
    body = {**odoo_seed.webhook_body(thin_margin_quotation), "write_uid": demo, "requested_by": demo, "user_id": demo}
    answer = client.post("/v1/events", json=event_for(body), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "approve"
    route = answer.json["decision"]["route"]
    assert "admin" not in route["eligible"] and route["eligible"] == ["demo"]  # admin submitted it in Odoo
    approvals = client.get("/v1/approvals?status=pending", headers=OPS).json["items"]
    mine = next(a for a in approvals if a["id"] == answer.json["approval_id"])
    assert mine["requested_by"] == "admin"


def test_the_salesperson_may_not_approve_either(client, odoo_seed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=190.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent", user_id=odoo_seed.user_id("demo"))
    answer = client.post("/v1/events", json=event_for(odoo_seed.request_release(order)), headers=bearer())
    route = answer.json["decision"]["route"]
    assert route["eligible"] == [] and route["unroutable"] is True  # admin submitted, demo sells: nobody left
    assert "the requester (admin) and the salesperson (demo)" in route["reason"]


def test_an_unknown_requester_goes_to_the_configured_role(client, odoo_double, odoo_seed):
    """Written by OdooBot (uid 1): Odoo names no person, so no one can be excluded for sure."""
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=190.0, price=200.0, on_hand=500.0)
    order = odoo_seed.quotation(partner, lines=[(product, 60, 200.0)], state="sent")  # 12,000: finance band
    env = odoo_double.env(uid=1)
    env.write("sale.order", [order], {"tag_ids": [(4, odoo_seed.release_tag_id())]})
    answer = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(order)), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "approve"
    route = answer.json["decision"]["route"]
    assert route["role"] == "sales-manager" and "no known requester" in route["reason"]
    assert route["eligible"] == ["demo"]  # the salesperson (admin) is still excluded


# -- reconciliation: only what was submitted since go-live, oldest first, paged, with a dry run ------

RECONCILE = "/v1/reconciliations/sales-order-release"


@pytest.fixture
def go_live(services):
    """Go-live is now: everything the test creates from here on is after it."""
    import dataclasses
    import time
    moment = _now_odoo()
    services.settings = dataclasses.replace(services.settings, go_live_at=moment)
    time.sleep(0.01)
    return moment


def test_reconciliation_refuses_to_run_without_a_go_live_moment(client, services):
    answer = client.post(RECONCILE, json={"dry_run": True}, headers=bearer())
    assert answer.status_code == 422 and answer.json["error"]["code"] == "go_live_not_configured"


def test_reconciliation_decides_only_submitted_quotations_written_since_go_live(client, worker, odoo_seed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    before = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    odoo_seed.request_release(before)
    import dataclasses
    import time
    time.sleep(0.01)
    services = client.application.extensions["sidecar"]
    services.settings = dataclasses.replace(services.settings, go_live_at=_now_odoo())
    time.sleep(0.01)
    lost = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    odoo_seed.request_release(lost)
    never_submitted = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")

    first = client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer())
    assert first.status_code == 200, first.json
    missed = [m["order_id"] for m in first.json["missed"]]
    assert lost in missed and before not in missed and never_submitted not in missed
    assert lost in [d["order_id"] for d in first.json["decided"]] and first.json["dry_run"] is False
    second = client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer())
    assert lost not in [m["order_id"] for m in second.json["missed"]]
    worker.drain()
    assert odoo_seed.order_state(lost) == "sale"
    assert {odoo_seed.order_state(before), odoo_seed.order_state(never_submitted)} == {"sent"}


def test_a_dry_run_lists_what_it_would_do_and_records_nothing(client, services, odoo_seed, go_live,
                                                             healthy_quotation, thin_margin_quotation):
    with services.db.transaction() as conn:
        entries = len(audit.entries(conn))
    answer = client.post(RECONCILE, json={"older_than_minutes": 0, "dry_run": True}, headers=bearer())
    assert answer.status_code == 200 and answer.json["dry_run"] is True and answer.json["decided"] == []
    planned = {p["order_id"]: p for p in answer.json["planned"]}
    assert planned[healthy_quotation]["outcome"] == "release"
    assert planned[thin_margin_quotation]["outcome"] == "approve"
    assert planned[thin_margin_quotation]["route"] == "sales-manager"
    assert planned[thin_margin_quotation]["requested_by"] == "admin"
    with services.db.transaction() as conn:
        assert len(audit.entries(conn)) == entries
        from sidecar.store import releases
        assert releases.latest_for_orders(conn, "sale.order", [healthy_quotation, thin_margin_quotation]) == {}
    assert {odoo_seed.order_state(healthy_quotation), odoo_seed.order_state(thin_margin_quotation)} == {"sent"}


def test_reconciliation_pages_oldest_first_and_leaves_orders_in_flight_alone(client, odoo_double, odoo_seed,
                                                                            go_live, thin_margin_quotation):
    waiting = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(thin_margin_quotation)),
                          headers=bearer())
    assert waiting.json["outcome"] == "approve"
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    lost = []
    for _ in range(3):
        order = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
        odoo_seed.request_release(order)
        lost.append(order)
    odoo_double.calls.clear()
    answer = client.post(RECONCILE, json={"older_than_minutes": 0, "dry_run": True, "page_size": 1},
                         headers=bearer())
    assert [p["order_id"] for p in answer.json["planned"]] == lost  # oldest first, every page
    searches = [c for c in odoo_double.calls_to("sale.order", "search_read")
                if ("write_date", ">=", go_live) in [tuple(t) for t in c[2][0]]]
    assert [c[3]["offset"] for c in searches] == [0, 1, 2, 3]
    assert all(c[3]["order"] == "write_date asc, id asc" and c[3]["limit"] == 1 for c in searches)
    assert all(("id", "not in", [thin_margin_quotation]) in [tuple(t) for t in c[2][0]] for c in searches)
    limited = client.post(RECONCILE, json={"older_than_minutes": 0, "dry_run": True, "limit": 2},
                          headers=bearer())
    assert [p["order_id"] for p in limited.json["planned"]] == lost[:2]


# -- live only: Odoo's own Automation Rule, installed by odoo-setup, posting before it commits -------

class _Receiver:
    """A tiny HTTP endpoint standing in for n8n: hands each webhook body to `forward`, keeps results."""

    def __init__(self, forward, seen_committed):
        import http.server
        import threading
        self.results: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                import json as _json
                body = _json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                record = {"body": body, "committed_when_received": seen_committed(body)}
                record["answer"] = forward(body)  # Odoo stops waiting after 1 s, then commits
                receiver.results.append(record)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook/odoo/sales-order-release"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, seconds: float = 20.0) -> list[dict]:
        import time
        deadline = time.monotonic() + seconds
        while len(self.results) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.results

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def odoo_automation(odoo_target, odoo_seed, client):
    """Odoo's real Automation Rule posting to a local receiver that forwards to the sidecar."""
    import os

    from sidecar.odoo.gateway import OdooGateway
    from tests.support.provisioning import provision_flow
    if odoo_target.is_double:
        pytest.skip("needs a real Odoo 17 with base_automation (the double keeps Automation Rules but does not run them)")
    admin = OdooGateway(odoo_target.url, odoo_target.db, os.environ.get("ODOO_ADMIN_LOGIN", "admin"),
                        os.environ.get("ODOO_ADMIN_PASSWORD", "admin"))

    def forward(body):
        answer = client.post("/v1/events", json=event_for(body, f"odoo:{body['_id']}:{body['write_date']}"),
                             headers=bearer())
        return {"status": answer.status_code, "json": answer.json}

    def seen_committed(body):
        return odoo_seed.call("sale.order", "search_count",
                              [("id", "=", body["_id"]), ("write_date", ">=", body["write_date"])])

    receiver = _Receiver(forward, seen_committed)
    rule_id = provision_flow(admin, "sales-order-release", receiver.url)["sales-order-release/rule"]
    try:
        yield admin, receiver
    finally:
        admin.execute("base.automation", "write", [rule_id], {"active": False})
        receiver.stop()
        admin.close()


def test_odoo_posts_before_committing_and_the_sidecar_decides_on_the_committed_save(odoo_automation, odoo_seed):
    """One save lowers the price (margin 50 % -> 5 %) and adds the tag: the rule posts the webhook from
    inside that transaction; deciding then would have released on the old price."""
    _, receiver = odoo_automation
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 2, 200.0)], state="sent")
    line = odoo_seed.read("sale.order", order, ["order_line"])[0]["order_line"][0]
    odoo_seed.call("sale.order", "write", [order], {"order_line": [(1, line, {"price_unit": 105.0})],
                                                    "tag_ids": [(4, odoo_seed.release_tag_id())]})
    [record] = receiver.wait(1)
    assert record["body"]["_id"] == order and len(record["body"]["write_date"]) > 19  # microseconds
    assert record["committed_when_received"] == 0  # Odoo had not committed when it posted
    assert record["answer"]["status"] == 201, record["answer"]
    decision = record["answer"]["json"]["decision"]
    margin = next(r for r in decision["reasons"] if r["check"] == "margin")
    assert record["answer"]["json"]["outcome"] == "approve" and margin["observed"] < 15


def test_the_request_release_action_submits_quotations_only(odoo_automation, odoo_seed, worker):
    from sidecar.odoo.errors import OdooError
    from sidecar.odoo.setup import request_release
    admin, receiver = odoo_automation
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=100.0, price=200.0, on_hand=50.0)
    order = odoo_seed.quotation(partner, lines=[(product, 2, 200.0)], state="draft")
    request_release(admin, order)
    [record] = receiver.wait(1)
    assert set(record["body"]) == {"_action", "_id", "_model", "id", "name", "state", "tag_ids", "write_date",
                                   "write_uid"}
    assert record["answer"]["status"] == 201 and record["answer"]["json"]["outcome"] == "release"
    worker.drain()
    assert odoo_seed.order_state(order) == "sale"
    with pytest.raises(OdooError, match="Only quotations can be submitted"):
        request_release(admin, order)


def test_the_commit_wait_polls_at_growing_intervals_and_is_bounded():
    from sidecar.flows.pipeline import MAX_POLL_SECONDS, wait_for_commit

    class Odoo:
        def __init__(self, commits_after):
            self.asked, self.commits_after = 0, commits_after

        def search_count(self, model, domain):
            assert model == "sale.order" and ("id", "=", 7) in domain
            self.asked += 1
            return int(self.asked > self.commits_after)

    naps = []
    assert wait_for_commit(Odoo(3), "sale.order", 7, "2026-11-25 02:17:01.140520", 5.0, sleep=naps.append) is True
    assert naps == [0.05, 0.1, 0.2]
    naps.clear()
    odoo = Odoo(10**6)
    assert wait_for_commit(odoo, "sale.order", 7, "2026-11-25 02:17:01.140520", 0.0, sleep=naps.append) is False
    assert odoo.asked == 1 and naps == []
    import time
    started = time.monotonic()
    assert wait_for_commit(Odoo(10**6), "sale.order", 7, "x", 0.3, sleep=time.sleep) is False
    assert 0.3 <= time.monotonic() - started < 0.3 + MAX_POLL_SECONDS


def test_an_approval_opened_by_reconciliation_hands_its_links_to_n8n(client, go_live, thin_margin_quotation):
    """Reconciliation answers n8n like the webhook path does: each approver's links, for private delivery."""
    answer = client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer())
    assert answer.status_code == 200, answer.json
    decided = next(d for d in answer.json["decided"] if d["order_id"] == thin_margin_quotation)
    assert decided["outcome"] == "approve" and decided["approval_id"]
    assert [link["approver"] for link in decided["decision_links"]] == ["demo"]  # admin asked: excluded
    assert decided["decision_links"][0]["approve_url"].endswith(decided["decision_links"][0]["approve_token"])


def test_one_reconciliation_at_a_time(client, services, go_live):
    """A second run while one holds the lease (an n8n retry, another process) is refused, not doubled."""
    from sidecar.flows import reconcile
    from sidecar.store import locks
    with services.db.transaction() as conn:
        held = locks.acquire(conn, reconcile.LOCK, 60)
    busy = client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer())
    assert busy.status_code == 409 and busy.json["error"]["code"] == "reconciliation_running"
    assert client.post(RECONCILE, json={"older_than_minutes": 0, "dry_run": True}, headers=bearer()).status_code == 200
    with services.db.transaction() as conn:
        locks.release(conn, reconcile.LOCK, held)
    assert client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer()).status_code == 200
    assert client.post(RECONCILE, json={"older_than_minutes": 0}, headers=bearer()).status_code == 200  # released

