"""Approvals: the approver is the holder of a sidecar-issued token, and no approval is stuck for ever."""
import time
from urllib.parse import parse_qs, urlparse

import pytest

from sidecar import approval_tokens
from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, APPROVAL_SECRET, READONLY_KEY, bearer

OPS = bearer(ALL_SCOPES_KEY)


def event_for(order_id, requester_id, event_id=None):
    return {"id": event_id or f"odoo:sale.order:{order_id}:approvals", "type": "sale_order.release_requested",
            "source": "odoo", "data": {"_model": "sale.order", "_id": order_id, "write_uid": requester_id}}


def token_for(approval_id, approver, decision="approve", generation=0, expires_at=None):
    """A token signed with the sidecar's secret, for cases the sidecar would never issue."""
    return approval_tokens.issue(APPROVAL_SECRET, approval_id, approver, decision, generation,
                                 expires_at or time.time() + 3600)


def decide(client, approval_id, token, decision="approve", **extra):
    return client.post(f"/v1/approvals/{approval_id}/decision",
                       json={"token": token, "decision": decision, **extra}, headers=bearer())


@pytest.fixture
def pending(client, odoo_seed, thin_margin_quotation):
    """Requested by admin: only demo may decide (admin approves this route but is the requester)."""
    answer = client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("admin")),
                         headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "approve"
    return answer.json


def links_of(answer, approver="demo"):
    return next(link for link in answer["decision_links"] if link["approver"] == approver)


def test_the_event_answer_carries_one_link_pair_per_eligible_approver(pending):
    assert [link["approver"] for link in pending["decision_links"]] == ["demo"]
    link = links_of(pending)
    for decision in ("approve", "reject"):
        query = parse_qs(urlparse(link[f"{decision}_url"]).query)
        assert query == {"approval_id": [pending["approval_id"]], "decision": [decision],
                         "token": [link[f"{decision}_token"]]}
    assert link["approve_url"].startswith("http://127.0.0.1:5678/webhook/approvals/decision?")
    assert link["approve_token"] != link["reject_token"]


def test_the_approver_is_the_token_holder_and_decides_once(client, worker, odoo_seed, pending,
                                                            thin_margin_quotation):
    approval_id, link = pending["approval_id"], links_of(pending)
    worker.drain()
    activity = next(a for a in odoo_seed.activities(thin_margin_quotation)
                    if "Approve release" in (a.get("summary") or ""))
    assert activity["user_id"][0] == odoo_seed.user_id("demo")
    assert "link sent to you privately" in activity["note"]

    mismatch = decide(client, approval_id, link["reject_token"], "approve")
    assert mismatch.status_code == 403 and mismatch.json["error"]["code"] == "token_decision_mismatch"
    decided = decide(client, approval_id, link["approve_token"], comment="strategic customer")
    assert decided.status_code == 200, decided.json
    assert decided.json["approval"]["status"] == "approved"
    assert decided.json["approval"]["decided_by"] == "demo"
    repeat = decide(client, approval_id, link["approve_token"], comment="strategic customer")
    assert repeat.status_code == 200 and repeat.json["approval"] == decided.json["approval"]
    flip = decide(client, approval_id, link["reject_token"], "reject")
    assert flip.status_code == 409 and flip.json["error"]["code"] == "already_decided"

    worker.drain()
    assert odoo_seed.order_state(thin_margin_quotation) == "sale"
    chatter = [m for m in odoo_seed.messages(thin_margin_quotation, ["body", "message_type"])
               if m["message_type"] != "user_notification"]  # demo's private notice: see test_approval_notice
    bodies = [m["body"] or "" for m in chatter]
    assert sum("Release approved by demo" in b for b in bodies) == 1
    # The tokens are credentials: the requester can read the chatter and activities, so they are never there.
    notes = bodies + [a.get("note") or "" for a in odoo_seed.activities(thin_margin_quotation)]
    assert not any(link["approve_token"] in text or link["reject_token"] in text for text in notes)
    with client.application.extensions["sidecar"].db.transaction() as conn:
        entry = [e for e in audit.entries(conn) if e["kind"] == "approval.decided"][-1]
    assert entry["actor"] == "demo" and entry["data"]["via"] == "n8n"


@pytest.mark.parametrize("body, status, code", [
    ({"decision": "approve", "approver": "demo"}, 400, "invalid_payload"),
    ({"decision": "approve"}, 400, "invalid_payload"),
    ({"decision": "approve", "token": "forged.token"}, 403, "invalid_token"),
])
def test_a_decision_without_a_valid_token_is_refused(client, pending, body, status, code):
    answer = client.post(f"/v1/approvals/{pending['approval_id']}/decision", json=body, headers=bearer())
    assert answer.status_code == status and answer.json["error"]["code"] == code


def test_a_body_approver_next_to_a_valid_token_is_refused(client, pending):
    answer = decide(client, pending["approval_id"], links_of(pending)["approve_token"], approver="demo")
    assert answer.status_code == 400


def test_tokens_the_sidecar_would_not_issue_are_refused(client, pending):
    approval_id = pending["approval_id"]
    cases = [
        (token_for(approval_id, "admin"), "segregation_of_duties"),          # the requester
        (token_for(approval_id, "someone"), "not_an_approver"),
        (token_for("apr_other", "demo"), "invalid_token"),
        (token_for(approval_id, "demo", generation=1), "token_superseded"),
        (token_for(approval_id, "demo", expires_at=time.time() - 1), "token_expired"),
        (approval_tokens.issue("another-secret-of-32-characters!!", approval_id, "demo", "approve", 0,
                               time.time() + 3600), "invalid_token"),
    ]
    for token, code in cases:
        answer = decide(client, approval_id, token)
        assert answer.status_code == 403 and answer.json["error"]["code"] == code, (code, answer.json)
    assert client.get(f"/v1/approvals/{approval_id}", headers=OPS).json["status"] == "pending"


def test_unknown_approval_is_404(client, pending):
    answer = decide(client, "apr_missing", token_for("apr_missing", "demo"))
    assert answer.status_code == 404


def test_the_salesperson_may_not_decide_and_an_approval_nobody_can_take_is_unroutable(client, worker, odoo_seed):
    # Sold by demo, submitted by admin: admin (the route's approver) asked, demo (the fallback) sells it.
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=190.0, price=200.0, on_hand=50.0)
    thin_margin_quotation = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent",
                                                user_id=odoo_seed.user_id("demo"))
    odoo_seed.request_release(thin_margin_quotation)  # Odoo records admin as the submission's writer
    answer = client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("demo")),
                         headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "approve"
    assert answer.json["decision_links"] == []
    approval = client.get(f"/v1/approvals/{answer.json['approval_id']}", headers=OPS).json
    assert approval["status"] == "unroutable" and approval["eligible"] == []
    assert approval["salesperson"] == "demo" and approval["requested_by"] == "admin"
    listed = client.get("/v1/approvals", query_string={"status": "unroutable"}, headers=OPS).json["items"]
    assert approval["id"] in [a["id"] for a in listed]

    refused = decide(client, approval["id"], token_for(approval["id"], "admin"))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_pending"
    nobody = client.post(f"/v1/approvals/{approval['id']}/reroute",
                         json={"role": "finance-director", "reason": "try finance"}, headers=OPS)
    assert nobody.status_code == 409 and nobody.json["error"]["code"] == "no_eligible_approver"
    own = client.post(f"/v1/approvals/{approval['id']}/reroute", json={"assignee": "demo", "reason": "x"},
                      headers=OPS)
    assert own.status_code == 403 and own.json["error"]["code"] == "segregation_of_duties"

    cancelled = client.post(f"/v1/approvals/{approval['id']}/cancel",
                            json={"reason": "customer withdrew the request"}, headers=OPS)
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["approval"]["status"] == "cancelled"
    again = client.post(f"/v1/approvals/{approval['id']}/cancel", json={"reason": "twice"}, headers=OPS)
    assert again.status_code == 409 and again.json["error"]["code"] == "not_open"
    release = client.get(f"/v1/releases/{answer.json['release_id']}", headers=OPS).json
    assert release["status"] == "abandoned"
    worker.drain()
    assert odoo_seed.order_state(thin_margin_quotation) == "sent"
    assert any("Release approval cancelled by ops: customer withdrew the request" in (m["body"] or "")
               for m in odoo_seed.messages(thin_margin_quotation))
    # Out of flight: the order can be submitted again.
    resubmitted = client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("demo"),
                                                           "resubmitted"), headers=bearer())
    assert resubmitted.status_code == 201 and not resubmitted.json["duplicate_of"]


def test_reroute_issues_new_tokens_voids_the_old_and_moves_the_activity(client, worker, odoo_seed, pending,
                                                                         thin_margin_quotation):
    approval_id, old = pending["approval_id"], links_of(pending)
    worker.drain()
    missing_reason = client.post(f"/v1/approvals/{approval_id}/reroute", json={"role": "finance-director"},
                                 headers=OPS)
    assert missing_reason.status_code == 400
    unknown = client.post(f"/v1/approvals/{approval_id}/reroute", json={"role": "ceo", "reason": "x"}, headers=OPS)
    assert unknown.status_code == 400 and unknown.json["error"]["code"] == "unknown_role"
    not_ops = client.post(f"/v1/approvals/{approval_id}/reroute",
                          json={"role": "finance-director", "reason": "x"}, headers=bearer())
    assert not_ops.status_code == 403 and not_ops.json["error"]["code"] == "out_of_scope"

    rerouted = client.post(f"/v1/approvals/{approval_id}/reroute",
                           json={"role": "finance-director", "reason": "above the manager's authority"},
                           headers=OPS)
    assert rerouted.status_code == 200, rerouted.json
    assert rerouted.json["approval"]["role"] == "finance-director"
    assert rerouted.json["approval"]["eligible"] == ["demo"]  # admin (requester, salesperson) stays out
    new = links_of(rerouted.json)
    assert new["approve_token"] != old["approve_token"]
    stale = decide(client, approval_id, old["approve_token"])
    assert stale.status_code == 403 and stale.json["error"]["code"] == "token_superseded"

    worker.drain()
    open_activities = [a for a in odoo_seed.activities(thin_margin_quotation)
                       if "Approve release" in (a.get("summary") or "")]
    assert len(open_activities) == 1 and f"{pending['release_id']}/reroute1/" in open_activities[0]["note"]
    assert any("re-routed to demo (finance-director) by ops: above the manager's authority" in (m["body"] or "")
               for m in odoo_seed.messages(thin_margin_quotation))
    decided = decide(client, approval_id, new["reject_token"], "reject", comment="no")
    assert decided.status_code == 200 and decided.json["approval"]["status"] == "rejected"
    worker.drain()
    assert odoo_seed.order_state(thin_margin_quotation) == "cancel"
    assert [a for a in odoo_seed.activities(thin_margin_quotation)
            if "Approve release" in (a.get("summary") or "")] == []
    with client.application.extensions["sidecar"].db.transaction() as conn:
        kinds = [(e["kind"], e["actor"]) for e in audit.entries(conn) if e["subject"] == approval_id]
    assert ("approval.rerouted", "ops") in kinds and ("approval.decided", "demo") in kinds


def test_overdue_lists_open_approvals_past_their_sla(client, pending):
    services = client.application.extensions["sidecar"]
    with services.db.transaction() as conn:
        from sidecar.store.schema import approvals
        conn.execute(approvals.update().where(approvals.c.id == pending["approval_id"])
                     .values(due_at=time.time() - 60))
    overdue = client.get("/v1/approvals", query_string={"overdue": "true"}, headers=OPS).json["items"]
    assert [a["id"] for a in overdue] == [pending["approval_id"]] and overdue[0]["overdue"] is True
    bad = client.get("/v1/approvals", query_string={"overdue": "maybe"}, headers=OPS)
    assert bad.status_code == 400
    assert client.get("/v1/approvals", headers=bearer(READONLY_KEY)).status_code == 403


def test_the_stored_decision_still_meets_its_contract(client, pending):
    from sidecar import contracts
    release = client.get(f"/v1/releases/{pending['release_id']}", headers=OPS).json
    contracts.validate("sale_order.release_decision.v1", release["decision"])
    assert release["decision"]["route"]["salesperson"] == "admin"


def test_concurrent_decisions_take_one_effect_and_the_other_is_a_409(app, pending):
    from concurrent.futures import ThreadPoolExecutor
    link, url = links_of(pending), f"/v1/approvals/{pending['approval_id']}/decision"

    def post(decision):
        with app.test_client() as own_client:
            answer = own_client.post(url, json={"token": link[f"{decision}_token"], "decision": decision},
                                     headers=bearer())
            return answer.status_code, answer.json

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(post, ["approve", "reject"] * 3))
    codes = sorted(code for code, _ in results)
    winners = {body["approval"]["status"] for code, body in results if code == 200}
    assert len(winners) == 1 and set(codes) <= {200, 409} and 409 in codes, results
