"""Approval tiers: sequential and parallel tiers, quorum, and who may decide which tier."""
from __future__ import annotations

import copy
import json
import time

import pytest

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.flows import approval_routing
from sidecar.policy import DEMO_POLICY_PATH, build_policy
from sidecar.policy.routing import Directory, plan
from sidecar.store import audit
from sidecar.worker import OutboxWorker as Worker
from tests.conftest import bearer, sidecar_env
from tests.test_policy_engine import NOW, facts
from tests.test_approval_advice import text_of

DEMO = json.loads(DEMO_POLICY_PATH.read_text(encoding="utf-8"))


def with_bands(data: dict, bands: list[dict]) -> dict:
    """The demo policy with its amount route rule replaced by one route rule per band."""
    data["rules"] = [rule for rule in data["rules"] if rule["effect"] != "route"] + [
        {"id": f"band_{i}", "when": {"fact": "order.amount_untaxed", "op": "gte", "value": band["min_untaxed"]},
         "effect": "route", "route": band["route"], "message": "Untaxed amount {observed|money} reaches {threshold|money}."}
        for i, band in enumerate(bands)]
    return data


def routing_policy(routes, amount_bands=(), **routing):
    data = copy.deepcopy(DEMO)
    data["routing"].update(routes=routes, **routing)
    data["routing"]["default_route"] = data["routing"]["unknown_requester_route"] = routes[0]["role"]
    return build_policy(with_bands(data, list(amount_bands)))


TWO = [{"role": "manager", "approvers": ["ann", "bob"], "fallback": ["fay"], "sla_hours": 4},
       {"role": "director", "approvers": ["dan"], "fallback": [], "sla_hours": 8}]


def test_every_role_fired_is_a_tier_in_the_routing_order():
    policy = routing_policy(TWO, tier_order=["manager", "director"],
                            amount_bands=[{"min_untaxed": 0, "route": "director"}])
    tiers = plan(["director", "manager", "director"], facts(), policy, NOW)
    assert [(t["role"], t["mode"], t["quorum"], t["eligible"]) for t in tiers] == [
        ("manager", "sequential", 1, ["ann", "bob"]), ("director", "sequential", 1, ["dan"])]
    assert tiers[0]["due_at"] == "2026-11-23T14:00:00Z" and tiers[1]["due_at"] is None  # opens later


def test_a_second_band_above_a_second_threshold_adds_a_second_tier():
    from sidecar.policy import evaluate
    policy = routing_policy(TWO, tier_order=["manager", "director"],
                            amount_bands=[{"min_untaxed": 1000, "route": "manager"},
                                          {"min_untaxed": 50000, "route": "director"}])
    small = evaluate(facts(untaxed=2000.0, percent=8.0), policy, NOW)
    large = evaluate(facts(untaxed=60000.0, percent=8.0), policy, NOW)
    assert [t["role"] for t in small["tiers"]] == ["manager"]
    assert [t["role"] for t in large["tiers"]] == ["manager", "director"]
    assert large["route"]["role"] == "manager"  # route stays the first tier


def test_a_parallel_tier_opens_with_the_one_before_it():
    routes = [TWO[0], {**TWO[1], "mode": "parallel"}]
    tiers = plan(["manager", "director"], facts(), routing_policy(routes, tier_order=["manager", "director"]), NOW)
    assert [t["mode"] for t in tiers] == ["sequential", "parallel"]
    assert tiers[1]["due_at"] == "2026-11-23T18:00:00Z"


def test_quorum_takes_fallback_people_when_too_few_remain():
    routes = [{**TWO[0], "quorum": 2}]
    tiers = plan(["manager"], facts(login="ann"), routing_policy(routes), NOW)
    assert tiers[0]["eligible"] == ["bob", "fay"] and tiers[0]["quorum"] == 2 and not tiers[0]["unroutable"]


def test_delegation_applies_only_inside_its_dates():
    delegation = [{"from": "dan", "to": "eve", "from_date": "2026-11-20", "to_date": "2026-11-23"}]
    policy = routing_policy([TWO[1]], delegations=delegation)
    assert plan(["director"], facts(), policy, NOW)[0]["eligible"] == ["eve"]
    later = NOW.replace(day=24)
    assert plan(["director"], facts(), policy, later)[0]["eligible"] == ["dan"]
    assert "delegation" in plan(["director"], facts(), policy, NOW)[0]["reason"]


def test_nobody_eligible_goes_to_the_administrator_route_and_says_so():
    routes = [TWO[1], {"role": "admins", "approvers": ["root"]}]
    tier = plan(["director"], facts(login="dan"), routing_policy(routes, admin_route="admins"), NOW)[0]
    assert tier["eligible"] == ["root"] and tier["admin"] and "administrator role admins" in tier["reason"]
    stuck = plan(["director"], facts(login="dan"), routing_policy(routes), NOW)[0]
    assert stuck["eligible"] == [] and stuck["unroutable"]


def test_archived_users_and_group_members_come_from_the_directory():
    routes = [{"role": "manager", "approvers": ["ann"], "groups": ["sales_team.group_sale_manager"]}]
    directory = Directory(groups={"sales_team.group_sale_manager": ["gus", "ann", "hal"]},
                          archived=frozenset({"ann"}), known=True)
    tier = plan(["manager"], facts(), routing_policy(routes), NOW, directory)[0]
    assert tier["eligible"] == ["gus", "hal"] and "archived" in tier["reason"]


def test_conflicting_roles_exclude_their_holders():
    routes = [TWO[0], {"role": "counter", "approvers": ["bob"]}]
    tier = plan(["manager"], facts(), routing_policy(routes, conflicting_roles=[["manager", "counter"]]), NOW)[0]
    assert tier["eligible"] == ["ann"]


def test_tiers_prefer_different_assignees():
    routes = [{"role": "manager", "approvers": ["ann", "bob"]}, {"role": "director", "approvers": ["ann", "bob"]}]
    tiers = plan(["manager", "director"], facts(), routing_policy(routes, tier_order=["manager", "director"]), NOW)
    assert [t["assignee"] for t in tiers] == ["ann", "bob"]


def test_the_policy_refuses_unknown_roles_in_tiers_and_bad_delegations():
    from sidecar.errors import ConfigError
    with pytest.raises(ConfigError) as err:
        routing_policy(TWO, tier_order=["ghost"], admin_route="nobody",
                       delegations=[{"from": "dan", "to": "dan", "from_date": "2026-11-23", "to_date": "2026-11-01"}])
    text = str(err.value.problems if hasattr(err.value, "problems") else err.value)
    assert "tier_order/0" in text and "admin_route" in text and "to_date" in text and "oneself" in text


# -- the flow, on the Odoo under test ------------------------------------------------------------

@pytest.fixture
def people(odoo_seed):
    """Three approvers who neither sell nor submitted the quotations (admin does)."""
    group = ["sales_team.group_sale_salesman"]
    return [odoo_seed.user(group)[1] for _ in range(3)]


def tiered(tmp_path, odoo_target, odoo_proxy, routes, sites=None, **routing):
    data = copy.deepcopy(DEMO)
    if sites:
        data["sites"] = sites
    data["routing"].update(routes=routes, default_route=routes[0]["role"], unknown_requester_route=routes[0]["role"],
                           **routing)
    with_bands(data, [{"min_untaxed": 0, "route": routes[-1]["role"]}])
    next(rule for rule in data["rules"] if rule["id"] == "margin_minimum")["route"] = routes[0]["role"]
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_POLICY_FILE=str(path))
    return create_app(settings=load_settings(env))


def submit(client, odoo_seed, order_id):
    event = {"id": f"odoo:sale.order:{order_id}:tiers", "type": "sale_order.release_requested", "source": "odoo",
             "data": {"_model": "sale.order", "_id": order_id, "write_uid": odoo_seed.user_id("admin")}}
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    return answer.json


def links(services, approval_id, approver, tier):
    with services.db.read() as conn:
        from sidecar.store import releases
        approval = releases.get_approval(conn, approval_id)
    return approval_routing.approver_links(services.settings, approval_id, approver, approval["generation"],
                                           time.time() + 3600, tier)


def vote(client, approval_id, entry, decision="approve", comment=None):
    body = {"token": entry[f"{decision}_token"], "decision": decision, **({"comment": comment} if comment else {})}
    return client.post(f"/v1/approvals/{approval_id}/decision", json=body, headers=bearer())


def test_sequential_tiers_with_a_quorum_then_a_second_tier(tmp_path, odoo_target, odoo_proxy, odoo_seed, people,
                                                           thin_margin_quotation):
    ann, bob, dan = people
    app = tiered(tmp_path, odoo_target, odoo_proxy,
                 [{"role": "manager", "approvers": [ann, bob], "quorum": 2, "sla_hours": 4},
                  {"role": "director", "approvers": [dan, ann], "sla_hours": 8}],
                 tier_order=["manager", "director"])
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        answer = submit(client, odoo_seed, thin_margin_quotation)
        approval_id = answer["approval_id"]
        assert [t["role"] for t in answer["decision"]["tiers"]] == ["manager", "director"]
        assert {(link["approver"], link["tier"]) for link in answer["decision_links"]} == {(ann, 0), (bob, 0)}
        early = vote(client, approval_id, links(services, approval_id, dan, 1))
        assert early.status_code == 409 and early.json["error"]["code"] == "tier_not_open"

        first = vote(client, approval_id, links(services, approval_id, ann, 0), comment="fine")
        assert first.status_code == 200, first.json
        assert first.json["approval"]["status"] == "pending"
        assert first.json["approval"]["tiers"][0]["approved_by"] == [ann]
        again = vote(client, approval_id, links(services, approval_id, ann, 0), "reject")
        assert again.status_code == 409 and again.json["error"]["code"] == "already_decided"

        second = vote(client, approval_id, links(services, approval_id, bob, 0))
        assert second.status_code == 200
        tiers = second.json["approval"]["tiers"]
        assert [t["status"] for t in tiers] == ["approved", "open"] and tiers[1]["due_at"]
        twice = vote(client, approval_id, links(services, approval_id, ann, 1))
        assert twice.status_code == 403 and twice.json["error"]["code"] == "approved_another_tier"

        Worker(services).drain()
        assert odoo_seed.order_state(thin_margin_quotation) in ("draft", "sent")
        open_activities = [a for a in odoo_seed.activities(thin_margin_quotation, ["user_id", "active", "summary",
                                                                                   "note"]) if a["active"]]
        assert [a["user_id"][0] for a in open_activities] == [odoo_seed.user_id(dan)]
        # the tier opened later carries the approver's summary given with the decision
        assert (f"not a decision; given with the decision):\n{answer['decision']['advice']['result']['summary']}"
                in text_of(open_activities[0]["note"]))

        last = vote(client, approval_id, links(services, approval_id, dan, 1))
        assert last.status_code == 200 and last.json["approval"]["status"] == "approved"
        Worker(services).drain()
        assert odoo_seed.order_state(thin_margin_quotation) == "sale"
        with services.db.read() as conn:
            kinds = [e["kind"] for e in audit.entries(conn) if e["subject"] == approval_id]
        assert kinds.count("approval.voted") == 3 and kinds.count("approval.refused") == 3
    finally:
        services.close()


def test_parallel_tiers_open_together_and_one_rejection_rejects(tmp_path, odoo_target, odoo_proxy, odoo_seed,
                                                                people, thin_margin_quotation):
    ann, bob, dan = people
    app = tiered(tmp_path, odoo_target, odoo_proxy,
                 [{"role": "manager", "approvers": [ann]},
                  {"role": "director", "approvers": [dan], "mode": "parallel"}],
                 tier_order=["manager", "director"])
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        answer = submit(client, odoo_seed, thin_margin_quotation)
        approval_id = answer["approval_id"]
        assert {(link["approver"], link["tier"]) for link in answer["decision_links"]} == {(ann, 0), (dan, 1)}
        Worker(services).drain()
        opened = [a for a in odoo_seed.activities(thin_margin_quotation, ["user_id", "active", "note"]) if a["active"]]
        assert sorted(a["user_id"][0] for a in opened) == sorted([odoo_seed.user_id(ann), odoo_seed.user_id(dan)])
        summary = answer["decision"]["advice"]["result"]["summary"]
        assert all(f"not a decision):\n{summary}" in text_of(a["note"]) for a in opened)  # both tiers' activities
        stranger = vote(client, approval_id, links(services, approval_id, bob, 0))
        assert stranger.status_code == 403 and stranger.json["error"]["code"] == "not_an_approver"
        rejected = vote(client, approval_id, links(services, approval_id, dan, 1), "reject", comment="too risky")
        assert rejected.status_code == 200 and rejected.json["approval"]["status"] == "rejected"
        closed = vote(client, approval_id, links(services, approval_id, ann, 0))
        assert closed.status_code == 409 and closed.json["error"]["code"] == "already_decided"
        Worker(services).drain()
        assert odoo_seed.order_state(thin_margin_quotation) == "cancel"
        assert not [a for a in odoo_seed.activities(thin_margin_quotation, ["active"]) if a["active"]]
    finally:
        services.close()


def test_roles_resolve_to_odoo_group_members_and_archived_users_drop_out(tmp_path, odoo_target, odoo_proxy,
                                                                          odoo_seed, people, thin_margin_quotation):
    ann, bob, _dan = people
    _uid, manager, _pw = odoo_seed.user(["sales_team.group_sale_manager"])
    odoo_seed.call("res.users", "write", [odoo_seed.user_id(bob)], {"active": False})
    app = tiered(tmp_path, odoo_target, odoo_proxy,
                 [{"role": "manager", "approvers": [bob], "groups": ["sales_team.group_sale_manager"]},
                  {"role": "admins", "approvers": [ann]}], admin_route="admins")
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        tier = submit(client, odoo_seed, thin_margin_quotation)["decision"]["tiers"][0]
        assert manager in tier["eligible"] and bob not in tier["eligible"]
        assert "admin" not in tier["eligible"]  # in the group, but the requester
        assert "archived" in tier["reason"]
    finally:
        services.close()


def test_refused_decisions_are_audited_and_change_nothing(client, services, odoo_seed, thin_margin_quotation):
    from tests.test_approvals import token_for
    answer = client.post("/v1/events", json={
        "id": f"odoo:sale.order:{thin_margin_quotation}:refusals", "type": "sale_order.release_requested",
        "source": "odoo", "data": {"_model": "sale.order", "_id": thin_margin_quotation,
                                   "write_uid": odoo_seed.user_id("admin")}}, headers=bearer())
    approval_id = answer.json["approval_id"]
    cases = [
        ({"token": token_for(approval_id, "demo", expires_at=time.time() - 1), "decision": "approve"}, 403,
         "token_expired"),
        ({"token": token_for(approval_id, "ghost"), "decision": "approve"}, 403, "not_an_approver"),
        ({"token": token_for(approval_id, "admin"), "decision": "approve"}, 403, "segregation_of_duties"),
        ({"token": token_for(approval_id, "demo", generation=5), "decision": "approve"}, 403, "token_superseded"),
        ({"token": "x", "decision": "maybe"}, 400, "invalid_payload"),
    ]
    for body, status, code in cases:
        refused = client.post(f"/v1/approvals/{approval_id}/decision", json=body, headers=bearer())
        assert (refused.status_code, refused.json["error"]["code"]) == (status, code), refused.json
    with services.db.read() as conn:
        from sidecar.store import releases
        assert releases.votes_for(conn, approval_id) == []
        assert releases.get_approval(conn, approval_id)["status"] == "pending"
        refusals = [e["data"]["code"] for e in audit.entries(conn)
                    if e["kind"] == "approval.refused" and e["subject"] == approval_id]
    assert refusals == [code for _body, _status, code in cases]


def test_a_site_names_its_own_approvers_for_an_overridable_route_only():
    routes = [{**TWO[0], "overridable": True}, TWO[1]]
    data = copy.deepcopy(DEMO)
    data["routing"].update(routes=routes, default_route="manager", unknown_requester_route="manager")
    data["sites"] = {"warehouse:3": {"routes": {"manager": {"approvers": ["wes"], "fallback": []}}}}
    policy = build_policy(with_bands(data, []))
    here = facts()
    here["site"] = {"company_id": 1, "warehouse_id": 3}
    elsewhere = facts()
    elsewhere["site"] = {"company_id": 1, "warehouse_id": 1}
    assert plan(["manager", "director"], here, policy, NOW)[0]["eligible"] == ["wes"]
    assert plan(["manager", "director"], here, policy, NOW)[1]["eligible"] == ["dan"]  # not overridable: as the enterprise says
    assert plan(["manager"], elsewhere, policy, NOW)[0]["eligible"] == ["ann", "bob"]
