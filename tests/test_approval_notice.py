"""Approvers receive their decision links privately in Odoo: a notification only they (and its author) can read."""
from __future__ import annotations

import html
import os
import re
import uuid

import pytest

from sidecar.flows import approval_routing
from sidecar.odoo import OdooError, OdooGateway, writeback
from sidecar.store import jobs
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.test_approvals import decide, event_for

TOKEN = re.compile(r"decision=(approve|reject)&token=([\w.-]+)")
SALESMAN_GROUP = "sales_team.group_sale_salesman"  # own documents only: the order's chatter, nothing more


def as_user(odoo_target, login: str, password: str) -> OdooGateway:
    return OdooGateway(odoo_target.url, odoo_target.db, login, password, timeout=10.0)


@pytest.fixture
def admin(odoo_target):
    gw = as_user(odoo_target, os.environ.get("ODOO_ADMIN_LOGIN", "admin"),
                 os.environ.get("ODOO_ADMIN_PASSWORD", "admin"))
    yield gw
    gw.close()


@pytest.fixture
def salesperson(odoo_target, admin):
    """A salesperson who reads their own orders (chatter included) and nothing else."""
    login, password = f"seller-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    values = {"name": login, "login": login, "password": password}
    if "groups_id" in admin.field_names("res.users"):  # the double keeps no groups
        group = admin.search_read("ir.model.data", [("module", "=", SALESMAN_GROUP.split(".")[0]),
                                                    ("name", "=", SALESMAN_GROUP.split(".")[1])], ["res_id"])
        values["groups_id"] = [(6, 0, [group[0]["res_id"]])]
    user_id = admin.execute("res.users", "create", values)
    gw = as_user(odoo_target, login, password)
    yield user_id, gw
    gw.close()


@pytest.fixture
def demo(odoo_target):
    gw = as_user(odoo_target, "demo", "demo")
    yield gw
    gw.close()


@pytest.fixture
def sold_by_salesperson(odoo_seed, admin, salesperson):
    """A thin-margin quotation whose salesperson is the fresh user, submitted by admin: demo decides."""
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=190.0, price=200.0, on_hand=50.0)
    order_id = odoo_seed.quotation(partner, lines=[(product, 1, 200.0)], state="sent")
    admin.execute("sale.order", "write", [order_id], {"user_id": salesperson[0]})
    odoo_seed.request_release(order_id)
    return order_id


@pytest.fixture
def pending(client, odoo_seed, sold_by_salesperson):
    answer = client.post("/v1/events", json=event_for(sold_by_salesperson, odoo_seed.user_id("admin")),
                         headers=bearer())
    assert answer.status_code == 201, answer.json
    assert answer.json["outcome"] == "approve"
    assert [link["approver"] for link in answer.json["decision_links"]] == ["demo"]
    return answer.json


def notices(gw: OdooGateway, order_id: int) -> list[dict]:
    """The decision-link notices on an order that `gw`'s user may read (Odoo's activity-assigned one aside)."""
    return gw.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", order_id),
                                           ("message_type", "=", "user_notification"),
                                           ("body", "ilike", "/notify_approver/")],
                          ["body", "partner_ids", "subject"])


def tokens_in(body: str) -> dict:
    return dict(TOKEN.findall(html.unescape(body)))


def notify_job(services, release_id: str) -> dict:
    with services.db.read() as conn:
        [job] = [j for j in jobs.for_release(conn, release_id) if j["operation"] == "notify_approver"]
    return job


def test_the_approver_alone_receives_working_links_in_odoo(client, services, worker, pending, sold_by_salesperson,
                                                          demo, salesperson, odoo_seed):
    order_id = sold_by_salesperson
    worker.drain()
    job = notify_job(services, pending["release_id"])
    assert job["state"] == "done" and job["result"]["effect"] == "applied"
    assert "token" not in str(job["payload"])  # the store never holds a credential

    [notice] = notices(demo, order_id)
    assert notice["partner_ids"] == [demo.user_partner_for_login("demo")[1]]
    assert f"Ref: {job['payload']['ref']}" in notice["body"]
    tokens = tokens_in(notice["body"])
    assert set(tokens) == {"approve", "reject"}
    link = pending["decision_links"][0]
    assert tokens == {"approve": link["approve_token"], "reject": link["reject_token"]}

    # The salesperson reads the order's chatter, but not the approver's notice, even by id.
    user_id, seller = salesperson
    chatter = seller.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", order_id)], ["body"])
    assert any("Release decision" in (m["body"] or "") for m in chatter)
    assert notices(seller, order_id) == []
    assert not any(tokens["approve"] in html.unescape(m["body"] or "") for m in chatter)
    with pytest.raises(OdooError):
        seller.read("mail.message", [notice["id"]], ["body"])

    # A replayed job finds its own notice and posts nothing new.
    again = writeback.run(services.odoo, "notify_approver", job["payload"],
                          links=approval_routing.link_renderer(services))
    assert again == {"effect": "already_done", "order_id": order_id, "message_id": notice["id"]}
    assert len(notices(demo, order_id)) == 1

    decided = decide(client, pending["approval_id"], tokens["approve"], comment="from my Odoo inbox")
    assert decided.status_code == 200, decided.json
    assert decided.json["approval"]["status"] == "approved" and decided.json["approval"]["decided_by"] == "demo"
    worker.drain()
    assert odoo_seed.order_state(order_id) == "sale"


def test_links_are_not_sent_once_the_approval_is_decided(client, services, worker, pending, sold_by_salesperson,
                                                         demo):
    decided = decide(client, pending["approval_id"], pending["decision_links"][0]["reject_token"], "reject")
    assert decided.status_code == 200, decided.json
    worker.drain()
    assert notify_job(services, pending["release_id"])["result"]["effect"] == "not_needed"
    assert notices(demo, sold_by_salesperson) == []


def test_a_reroute_notifies_the_new_routing_and_the_old_links_are_not_sent(client, services, worker, pending,
                                                                         sold_by_salesperson, demo):
    rerouted = client.post(f"/v1/approvals/{pending['approval_id']}/reroute",
                           json={"role": "finance-director", "reason": "above the manager's authority"},
                           headers=bearer(ALL_SCOPES_KEY))
    assert rerouted.status_code == 200, rerouted.json
    worker.drain()
    with services.db.read() as conn:
        sent = {j["payload"]["generation"]: j["result"]["effect"] for j in jobs.for_release(conn, pending["release_id"])
                if j["operation"] == "notify_approver"}
    assert sent == {0: "not_needed", 1: "applied"}
    [notice] = notices(demo, sold_by_salesperson)
    link = rerouted.json["decision_links"][0]
    assert tokens_in(notice["body"]) == {"approve": link["approve_token"], "reject": link["reject_token"]}
    assert f"{pending['release_id']}/reroute1/notify_approver/demo" in notice["body"]


class NoticeGateway:
    """Stands in for OdooGateway for notify_approver: knows one user, records what is sent."""

    def __init__(self, existing=()):
        self.existing, self.sent = list(existing), []

    def user_partner_for_login(self, login):
        return (6, 7) if login == "demo" else None

    def find_own_notifications(self, model, res_id, text):
        return self.existing

    def notify_partners(self, model, res_id, partner_ids, body, subject, context=None):
        self.sent.append({"partner_ids": partner_ids, "body": body, "subject": subject, "context": context})
        return 41


PAYLOAD = {"order_id": 5, "company_id": 2, "approval_id": "apr_1", "approver_login": "demo", "generation": 1,
           "expires_at": 1900000000.0, "expires_at_iso": "2030-03-17T17:46:40Z", "subject": "Your decision on S5",
           "body": "S5 waits for your approval.", "ref": "rel_1/decision/notify_approver/demo"}


def fake_links(approval_id, approver, generation, expires_at, tier=None):
    return {"approve_url": f"https://n8n/a?approval_id={approval_id}&decision=approve&token=T{generation}",
            "reject_url": f"https://n8n/a?approval_id={approval_id}&decision=reject&token=R{generation}"}


def test_notify_approver_sends_the_links_in_the_order_s_company_with_its_ref():
    gw = NoticeGateway()
    result = writeback.run(gw, "notify_approver", PAYLOAD, links=fake_links)
    assert result == {"effect": "applied", "order_id": 5, "message_id": 41, "user_id": 6}
    [sent] = gw.sent
    assert sent["partner_ids"] == [7] and sent["subject"] == "Your decision on S5"
    assert sent["context"] == {"allowed_company_ids": [2]}
    assert sent["body"].splitlines() == [
        "S5 waits for your approval.", "",
        "Approve: https://n8n/a?approval_id=apr_1&decision=approve&token=T1",
        "Reject: https://n8n/a?approval_id=apr_1&decision=reject&token=R1",
        "These links are yours alone; they work until 2030-03-17T17:46:40Z.", "",
        "Ref: rel_1/decision/notify_approver/demo"]


def test_notify_approver_refuses_what_it_cannot_deliver():
    with pytest.raises(OdooError, match="link renderer"):
        writeback.run(NoticeGateway(), "notify_approver", PAYLOAD)
    with pytest.raises(OdooError, match="no Odoo user has the login 'ghost'"):
        writeback.run(NoticeGateway(), "notify_approver", {**PAYLOAD, "approver_login": "ghost"}, links=fake_links)
    with pytest.raises(OdooError, match="lacks approval_id"):
        writeback.run(NoticeGateway(), "notify_approver", {**PAYLOAD, "approval_id": ""}, links=fake_links)


def test_notify_approver_sends_nothing_twice_nor_once_its_links_are_void():
    longer = {"id": 3, "body": "<p>Ref: rel_1/decision/notify_approver/demo2</p>"}
    same = {"id": 4, "body": "<p>x\n\nRef: rel_1/decision/notify_approver/demo</p>"}
    gw = NoticeGateway(existing=[longer, same])
    assert writeback.run(gw, "notify_approver", PAYLOAD, links=fake_links)["effect"] == "already_done"
    gw = NoticeGateway()
    assert writeback.run(gw, "notify_approver", PAYLOAD, links=lambda *a: None)["effect"] == "not_needed"
    assert gw.sent == []
