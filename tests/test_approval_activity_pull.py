"""Deciding in Odoo: marking the approval activity done approves, for whoever marked it, with the API's checks."""
from sidecar.worker import OutboxWorker
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.support.odoo_seed import OdooSeed
from tests.test_approval_tiers import submit, tiered

SALESMAN = ["sales_team.group_sale_salesman_all_leads"]


def the_activity(odoo_seed, order_id):
    return next(a for a in odoo_seed.activities(order_id, ["user_id", "active", "summary"]) if a["active"])


def pull(client):
    answer = client.post("/v1/approvals/pull-activities", headers=bearer())
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def test_marking_the_activity_done_approves_as_that_user(tmp_path, odoo_target, odoo_proxy, odoo_seed,
                                                         thin_margin_quotation):
    _uid, ann, password = odoo_seed.user(SALESMAN)
    app = tiered(tmp_path, odoo_target, odoo_proxy, [{"role": "manager", "approvers": [ann]}])
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        approval_id = submit(client, odoo_seed, thin_margin_quotation)["approval_id"]
        OutboxWorker(services).drain()
        assert pull(client) == []
        activity = the_activity(odoo_seed, thin_margin_quotation)
        as_ann = OdooSeed(odoo_target.url, odoo_target.db, ann, password)
        try:
            as_ann.call("mail.activity", "action_feedback", [activity["id"]], feedback="Fine by me")
        finally:
            as_ann.close()
        items = pull(client)
        assert items == [{"approval_id": approval_id, "tier": 0, "approver": ann, "recorded": True,
                          "status": "approved"}]
        assert pull(client) == []
        approval = client.get(f"/v1/approvals/{approval_id}", headers=bearer(ALL_SCOPES_KEY)).json
        assert approval["votes"][0]["via"] == "odoo_activity" and approval["votes"][0]["comment"] == "Fine by me"
        OutboxWorker(services).drain()
        assert odoo_seed.order_state(thin_margin_quotation) == "sale"
    finally:
        services.close()


def test_someone_who_may_not_decide_is_refused_once_and_told_in_the_chatter(tmp_path, odoo_target, odoo_proxy,
                                                                           odoo_seed, thin_margin_quotation):
    _uid, ann, _password = odoo_seed.user(SALESMAN)
    _uid, bob, password = odoo_seed.user(SALESMAN)  # a colleague, not an approver of this route
    app = tiered(tmp_path, odoo_target, odoo_proxy, [{"role": "manager", "approvers": [ann]}])
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        approval_id = submit(client, odoo_seed, thin_margin_quotation)["approval_id"]
        OutboxWorker(services).drain()
        activity = the_activity(odoo_seed, thin_margin_quotation)
        as_bob = OdooSeed(odoo_target.url, odoo_target.db, bob, password)
        try:
            as_bob.call("mail.activity", "action_feedback", [activity["id"]], feedback="done for ann")
        finally:
            as_bob.close()
        items = pull(client)
        assert [(i["approver"], i["recorded"], i["code"]) for i in items] == [(bob, False, "not_an_approver")]
        assert pull(client) == []  # said once
        OutboxWorker(services).drain()
        bodies = [m["body"] or "" for m in odoo_seed.messages(thin_margin_quotation, ["body"])]
        assert any(f"{bob} marked the approval activity done, but it was not taken as an approval" in b for b in bodies)
        assert client.get(f"/v1/approvals/{approval_id}", headers=bearer(ALL_SCOPES_KEY)).json["status"] == "pending"
        assert odoo_seed.order_state(thin_margin_quotation) in ("draft", "sent")
    finally:
        services.close()
