"""Escalation: an overdue tier is reminded, then moved to its fallback and then the administrator role."""
import time

from sidecar.flows import escalation
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.test_approval_tiers import people, submit, tiered  # noqa: F401  (fixture)
from sidecar.worker import OutboxWorker

HOUR = 3600


def open_activity_users(odoo_seed, order_id):
    return [a["user_id"][0] for a in odoo_seed.activities(order_id, ["user_id", "active"]) if a["active"]]


def test_overdue_tiers_are_reminded_then_moved_up_until_the_administrator(tmp_path, odoo_target, odoo_proxy,
                                                                         odoo_seed, people, thin_margin_quotation):
    ann, bob, dan = people
    app = tiered(tmp_path, odoo_target, odoo_proxy,
                 [{"role": "manager", "approvers": [ann], "fallback": [bob], "sla_hours": 2},
                  {"role": "admins", "approvers": [dan]}], admin_route="admins", escalate_after_hours=1)
    services, client = app.extensions["sidecar"], app.test_client()
    worker = OutboxWorker(services)
    try:
        approval_id = submit(client, odoo_seed, thin_margin_quotation)["approval_id"]
        worker.drain()
        assert escalation.escalate(services)["items"] == []  # not overdue yet
        start = time.time()
        reminded = escalation.escalate(services, now=start + 3 * HOUR)["items"]
        assert [(i["action"], i["role"]) for i in reminded] == [("reminded", "manager")]
        assert escalation.escalate(services, now=start + 3.5 * HOUR)["items"] == []  # waits after the reminder
        worker.drain()
        moved = escalation.escalate(services, now=start + 4.5 * HOUR)["items"]
        assert [(i["action"], i["eligible"]) for i in moved] == [("escalated", [bob])]
        worker.drain()
        assert open_activity_users(odoo_seed, thin_margin_quotation) == [odoo_seed.user_id(bob)]
        bodies = [m["body"] or "" for m in odoo_seed.messages(thin_margin_quotation, ["body"])]
        assert any("Approval escalated" in b and "fallback approvers of manager" in b for b in bodies)

        later = time.time() + 3 * HOUR
        assert escalation.escalate(services, now=later)["items"][0]["action"] == "reminded"
        final = escalation.escalate(services, now=later + 2 * HOUR)["items"]
        assert [(i["action"], i["role"], i["eligible"]) for i in final] == [("escalated", "admins", [dan])]
        worker.drain()
        assert open_activity_users(odoo_seed, thin_margin_quotation) == [odoo_seed.user_id(dan)]
        approval = client.get(f"/v1/approvals/{approval_id}", headers=bearer(ALL_SCOPES_KEY)).json
        assert approval["status"] == "pending" and approval["eligible"] == [dan]
        answer = client.post("/v1/approvals/escalate", headers=bearer(ALL_SCOPES_KEY))
        assert answer.status_code == 200 and answer.json == {"items": []}
    finally:
        services.close()


def test_an_unroutable_approval_goes_to_the_administrator_role_at_once(tmp_path, odoo_target, odoo_proxy,
                                                                      odoo_seed, people, thin_margin_quotation):
    _ann, _bob, dan = people
    app = tiered(tmp_path, odoo_target, odoo_proxy,
                 [{"role": "manager", "approvers": ["admin"]}, {"role": "admins", "approvers": [dan]}])
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        answer = submit(client, odoo_seed, thin_margin_quotation)
        assert answer["decision"]["tiers"][0]["eligible"] == []  # admin requested it
        services.policy.data["routing"]["admin_route"] = "admins"  # as if configured after the decision
        items = escalation.escalate(services)["items"]
        assert [(i["action"], i["eligible"]) for i in items] == [("escalated", [dan])]
        assert "nobody may decide" in items[0]["message"]
    finally:
        services.close()


def test_a_parallel_tier_is_escalated_on_its_own_deadline(tmp_path, odoo_target, odoo_proxy, odoo_seed, people,
                                                          thin_margin_quotation):
    ann, bob, dan = people
    app = tiered(tmp_path, odoo_target, odoo_proxy,
                 [{"role": "manager", "approvers": [ann], "sla_hours": 8},
                  {"role": "director", "approvers": [dan], "fallback": [bob], "sla_hours": 1, "mode": "parallel"}],
                 tier_order=["manager", "director"], escalate_after_hours=1)
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        submit(client, odoo_seed, thin_margin_quotation)
        start = time.time()
        assert [(i["action"], i["tier"]) for i in escalation.escalate(services, now=start + 2 * HOUR)["items"]] == [
            ("reminded", 1)]
        moved = escalation.escalate(services, now=start + 3.5 * HOUR)["items"]
        assert [(i["action"], i["tier"], i["eligible"]) for i in moved] == [("escalated", 1, [bob])]
        approval = client.get(f"/v1/approvals/{moved[0]['approval_id']}", headers=bearer(ALL_SCOPES_KEY)).json
        assert [(t["role"], t["eligible"]) for t in approval["tiers"]] == [("manager", [ann]), ("director", [bob])]
        assert approval["role"] == "manager"  # the first open tier, as before tiers
    finally:
        services.close()


def test_escalation_moves_to_the_fallback_the_documents_site_names(tmp_path, odoo_target, odoo_proxy, odoo_seed,
                                                                  people, thin_margin_quotation):
    ann, bob, dan = people
    (order,) = odoo_seed.read("sale.order", [thin_margin_quotation], ["company_id"])
    site = {f"company:{order['company_id'][0]}": {"routes": {"manager": {"approvers": [ann], "fallback": [dan]}}}}
    app = tiered(tmp_path, odoo_target, odoo_proxy,
                 [{"role": "manager", "approvers": [ann], "fallback": [bob], "sla_hours": 2, "overridable": True}],
                 sites=site, escalate_after_hours=1)
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        submit(client, odoo_seed, thin_margin_quotation)
        start = time.time()
        assert escalation.escalate(services, now=start + 3 * HOUR)["items"][0]["action"] == "reminded"
        moved = escalation.escalate(services, now=start + 4.5 * HOUR)["items"]
        assert [(i["action"], i["eligible"]) for i in moved] == [("escalated", [dan])]  # not the enterprise's bob
    finally:
        services.close()
