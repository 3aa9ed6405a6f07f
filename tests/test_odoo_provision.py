"""`python -m sidecar odoo provision` / `odoo check`: the Odoo side of the flows, planned, applied and checked.

The same tests run on the double and on a real Odoo 17 (SIDECAR_LIVE=1): what Odoo holds is read back
as an administrator, never taken from the engine's own plan.
"""
from __future__ import annotations

import base64
import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest
import requests

from sidecar import contracts
from sidecar.flows import registry
from sidecar.odoo import OdooGateway, desired_state, provision
from sidecar.odoo.provision import CREATE, UNCHANGED, UPDATE, Webhooks

ROOT = Path(__file__).resolve().parents[1]
N8N_URL = "http://127.0.0.1:9/n8n"  # nothing listens: the rules may fire, their posts fail quietly
AUTH = "odoo:hook-pw/with:odd@chars"
WEBHOOKS = Webhooks(N8N_URL, AUTH)
RECORDED = {"sales-order-release": "release-requested", "purchase-approval": "purchase-to-approve",
            "procurement-exception": "procurement-check", "inventory-adjustment": "quant-count-set",
            "vendor-bill-match": "bill-match-requested"}
ALWAYS_SENT = {"_action", "_id", "_model", "id"}  # ir_actions.py _run_action_webhook (read() adds id)


# -- the description against the rest of the project -----------------------------------------
def _webhook_nodes(flow: str) -> list[dict]:
    workflow = json.loads((ROOT / "n8n-workflows" / f"{flow}.json").read_text())
    return [node for node in workflow["nodes"] if node["type"] == "n8n-nodes-base.webhook"]


def test_every_flow_whose_event_comes_from_odoo_is_described():
    """A workflow whose webhook takes Odoo's posts (path odoo/...) has its Odoo side described, and only those."""
    from_odoo = {path.stem for path in (ROOT / "n8n-workflows").glob("*.json")
                 if any(node["parameters"]["path"].startswith("odoo/") for node in _webhook_nodes(path.stem))}
    assert set(desired_state.FLOWS) == from_odoo


@pytest.mark.parametrize("flow", sorted(desired_state.FLOWS))
def test_each_rule_posts_to_its_workflows_webhook_what_its_contract_needs(flow):
    declared = registry.by_name(flow)
    rule, webhook = (r for r in desired_state.FLOWS[flow] if r.key in (f"{flow}/rule", f"{flow}/webhook"))
    assert rule.values["model_id"].model == webhook.values["webhook_field_ids"].model == declared.model
    [node] = _webhook_nodes(flow)
    assert desired_state.webhook_path(flow) == "webhook/" + node["parameters"]["path"]
    assert node["parameters"]["authentication"] == "basicAuth"  # why the URL carries credentials
    sent = ALWAYS_SENT | set(webhook.values["webhook_field_ids"].names)
    recorded = json.loads((ROOT / "tests" / "data" / f"odoo17-{RECORDED[flow]}-webhook.json").read_text())
    recorded = recorded.get("body", recorded)
    assert set(recorded) == sent  # what a real Odoo 17 posted with these fields
    contracts.validate(declared.contract, recorded)


def test_the_url_odoo_calls_carries_the_credentials_n8n_verifies():
    url = WEBHOOKS.url(desired_state.webhook_path("purchase-approval"))
    assert url == "http://odoo:hook-pw%2Fwith%3Aodd%40chars@127.0.0.1:9/n8n/webhook/odoo/purchase-approval"
    prepared = requests.Request("POST", url).prepare()  # as Odoo's webhook action posts it (requests.post)
    sent = base64.b64decode(prepared.headers["Authorization"].removeprefix("Basic ")).decode()
    assert sent == AUTH and prepared.path_url == "/n8n/webhook/odoo/purchase-approval"
    assert provision.mask(url) == "http://odoo:***@127.0.0.1:9/n8n/webhook/odoo/purchase-approval"


@pytest.mark.parametrize("base, auth, message", [
    ("ftp://n8n", AUTH, "must be http"), ("https://u:p@n8n", AUTH, "base URL only"),
    ("https://n8n", "no-colon", "user:password"), ("https://n8n", ":pw", "user:password"),
])
def test_bad_webhook_settings_are_refused_before_odoo_is_touched(base, auth, message):
    with pytest.raises(ValueError, match=message):
        Webhooks(base, auth)


# -- against Odoo (the double, or a real Odoo 17 with SIDECAR_LIVE=1) ---------------------------
@pytest.fixture
def admin(odoo_target):
    gw = OdooGateway(odoo_target.url, odoo_target.db, odoo_target.admin_login, odoo_target.admin_password)
    yield gw
    gw.close()


def _names(records, model):
    return [r.values["name"] for r in records if r.model == model and "base_automation_id" not in r.values]


def _as_on_a_fresh_database(admin) -> None:
    """Remove every record the description manages (a fresh database has none of them)."""
    records = desired_state.records()
    everything = {"active_test": False}
    rules = admin.execute("base.automation", "search", [("name", "in", _names(records, "base.automation"))],
                          context=everything)
    admin.execute("base.automation", "unlink", rules)  # their actions go with them (ondelete cascade)
    actions = admin.execute("ir.actions.server", "search", [("name", "in", _names(records, "ir.actions.server")),
                                                            ("usage", "=", "ir_actions_server")])
    admin.execute("ir.actions.server", "unlink", actions)
    types = admin.execute("mail.activity.type", "search", [("name", "in", _names(records, "mail.activity.type"))],
                          context=everything)
    admin.execute("mail.activity", "unlink", admin.execute("mail.activity", "search",
                                                           [("activity_type_id", "in", types)], context=everything))
    admin.execute("mail.activity.type", "unlink", types)
    admin.execute("crm.tag", "unlink", admin.execute("crm.tag", "search", [("name", "in", _names(records, "crm.tag"))]))


@pytest.fixture(scope="module")
def rules_left_inactive(odoo_target):
    """After this module, the described rules are left inactive (they post to nowhere). Module-wide: Odoo
    reloads its registry after each change of a rule's `active`."""
    yield
    gw = OdooGateway(odoo_target.url, odoo_target.db, odoo_target.admin_login, odoo_target.admin_password,
                     timeout=60.0)
    rules = gw.execute("base.automation", "search", [("name", "in", _names(desired_state.records(), "base.automation"))])
    gw.execute("base.automation", "write", rules, {"active": False})
    gw.execute("base.automation", "search_count", [])  # Odoo reloads its registry now, not in the next test's call
    gw.close()


@pytest.fixture
def fresh(admin, rules_left_inactive):
    """Odoo without the described records."""
    _as_on_a_fresh_database(admin)
    return admin


@pytest.fixture
def provisioned(admin, rules_left_inactive):
    """Odoo with the described records (made when missing)."""
    return provision.apply(admin, desired_state.records(), WEBHOOKS).ids()


def _field_names(admin, ids) -> set[str]:
    return {row["name"] for row in admin.read("ir.model.fields", ids, ["name"])}


def test_a_fresh_database_is_planned_then_created_then_left_unchanged(fresh, odoo_target):
    admin, records = fresh, desired_state.records()
    dry = _cli(odoo_target, "odoo", "provision", "--json")
    assert dry.returncode == 0, dry.stderr
    assert [(r["key"], r["action"]) for r in json.loads(dry.stdout)["records"]] == [(r.key, CREATE) for r in records]
    assert len(records) == 16
    planned = provision.plan(admin, records, WEBHOOKS)  # the dry run wrote nothing
    assert set(planned.actions().values()) == {CREATE} and not planned.in_sync
    assert "hook-pw" not in dry.stdout + planned.render()

    calls = []
    execute = admin.execute
    admin.execute = lambda model, method, *args, **kw: calls.append((model, method)) or execute(model, method, *args, **kw)
    applied = provision.apply(admin, records, WEBHOOKS)
    admin.execute = execute
    assert set(applied.actions().values()) == {CREATE} and all(applied.ids().values())
    reads = [model for model, method in calls if method == "search_read"]
    assert len(reads) == len(set(reads)) == 8  # one per model: the 4 described ones, models, fields, selections, groups
    assert sorted(model for model, method in calls if method == "create") == [
        "base.automation", "crm.tag", "ir.actions.server", "mail.activity.type"]  # one create per model
    assert {method for _model, method in calls} == {"search_read", "create"}
    ids = applied.ids()
    # read back from Odoo as the administrator
    tag = ids["sales-order-release/tag"]
    rule = admin.read("base.automation", [ids["sales-order-release/rule"]],
                      ["name", "model_name", "trigger", "trg_field_ref", "filter_pre_domain", "filter_domain",
                       "active", "action_server_ids"])[0]
    assert (rule["model_name"], rule["trigger"], rule["trg_field_ref"], rule["active"]) == (
        "sale.order", "on_tag_set", tag, True)
    assert (rule["filter_pre_domain"], rule["filter_domain"]) == (f"[('tag_ids', 'not in', [{tag}])]",
                                                                   f"[('tag_ids', 'in', [{tag}])]")
    assert rule["action_server_ids"] == [ids["sales-order-release/webhook"]]
    for flow in desired_state.FLOWS:
        webhook = admin.read("ir.actions.server", [ids[f"{flow}/webhook"]],
                             ["name", "state", "usage", "webhook_url", "webhook_field_ids", "base_automation_id"])[0]
        assert (webhook["state"], webhook["usage"], webhook["base_automation_id"][0]) == (
            "webhook", "base_automation", ids[f"{flow}/rule"])
        assert webhook["webhook_url"] == WEBHOOKS.url(f"webhook/odoo/{flow}")
        assert "write_date" in _field_names(admin, webhook["webhook_field_ids"])
    marker = admin.read("mail.activity.type", [ids["vendor-bill-match/activity-type"]], ["name", "res_model"])[0]
    assert (marker["name"], marker["res_model"]) == ("Match requested", "account.move")
    bill_rule = admin.read("base.automation", [ids["vendor-bill-match/rule"]], ["filter_domain"])[0]
    assert f"('activity_ids.activity_type_id', '=', {marker['id']})" in bill_rule["filter_domain"]
    action = admin.read("ir.actions.server", [ids["procurement-exception/action"]],
                        ["state", "binding_model_id", "groups_id", "code"])[0]
    assert (action["state"], action["binding_model_id"][0]) == ("code", admin.execute(
        "ir.model", "search", [("model", "=", "purchase.order")])[0])
    assert "Procurement check" in action["code"]

    again = provision.apply(admin, records, WEBHOOKS)
    assert again.in_sync and again.ids() == ids


def _cli(target, *args):
    """`python -m sidecar ...` in this process, its settings from the environment: (exit code, stdout, stderr)."""
    from sidecar.cli import main
    environ = {"ODOO_URL": target.url, "ODOO_DB": target.db, "ODOO_ADMIN_LOGIN": target.admin_login,
               "ODOO_ADMIN_PASSWORD": target.admin_password, "N8N_WEBHOOK_URL": N8N_URL, "ODOO_WEBHOOK_AUTH": AUTH}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_a_hand_edit_is_drift_that_check_names_and_apply_puts_right(admin, provisioned, odoo_target):
    ids = provisioned
    # by hand in Odoo: the count rule's "Before Update Domain" cleared, the purchase webhook loses write_date
    admin.execute("base.automation", "write", [ids["inventory-adjustment/rule"]], {"filter_pre_domain": False})
    write_date = admin.execute("ir.model.fields", "search", [("model", "=", "purchase.order"),
                                                             ("name", "=", "write_date")])
    admin.execute("ir.actions.server", "write", [ids["purchase-approval/webhook"]],
                  {"webhook_field_ids": [(3, write_date[0])], "webhook_url": "http://odoo:other-pw@elsewhere/x"})
    drift = _cli(odoo_target, "odoo", "check", "--flow", "inventory-adjustment", "--flow", "purchase-approval",
                 "--json")
    assert drift.returncode == 1
    assert "drift: purchase-approval/webhook, inventory-adjustment/rule" in drift.stderr
    report = {r["key"]: r for r in json.loads(drift.stdout)["records"]}
    assert report["inventory-adjustment/rule"]["fields"] == {
        "filter_pre_domain": {"current": False, "desired": "[('inventory_quantity_set', '=', False)]"}}
    webhook = report["purchase-approval/webhook"]
    assert webhook["action"] == UPDATE and set(webhook["fields"]) == {"webhook_url", "webhook_field_ids"}
    assert "write_date" in set(webhook["fields"]["webhook_field_ids"]["desired"]) - set(
        webhook["fields"]["webhook_field_ids"]["current"])
    assert webhook["fields"]["webhook_url"]["current"] == "http://odoo:***@elsewhere/x"
    assert {r["action"] for k, r in report.items() if k not in ("inventory-adjustment/rule",
                                                                "purchase-approval/webhook")} == {UNCHANGED}
    fixed = _cli(odoo_target, "odoo", "provision", "--apply", "--flow", "inventory-adjustment",
                 "--flow", "purchase-approval")
    assert fixed.returncode == 0, fixed.stderr
    assert admin.read("base.automation", [ids["inventory-adjustment/rule"]], ["filter_pre_domain"])[0][
        "filter_pre_domain"] == "[('inventory_quantity_set', '=', False)]"
    assert write_date[0] in admin.read("ir.actions.server", [ids["purchase-approval/webhook"]],
                                       ["webhook_field_ids"])[0]["webhook_field_ids"]
    checked = _cli(odoo_target, "odoo", "check")
    assert checked.returncode == 0 and "unchanged" in checked.stdout and "drift" not in checked.stderr
    for output in (drift.stdout + drift.stderr, fixed.stdout + fixed.stderr, checked.stdout):
        assert "hook-pw" not in output and "other-pw" not in output and "odd%40chars" not in output


def test_odoo_computes_the_trigger_domains_the_description_writes(admin, provisioned):
    """A rule given only its trigger gets from Odoo the domains the description writes with it."""
    made = provisioned
    rules = admin.read("base.automation", [made["sales-order-release/rule"], made["purchase-approval/rule"]], [
        "model_id", "trigger", "trigger_field_ids", "trg_field_ref", "trg_selection_field_id", "filter_pre_domain",
        "filter_domain"])
    twins = admin.execute("base.automation", "create", [{
        "name": "Twin without domains", "active": False, "model_id": rule["model_id"][0], "trigger": rule["trigger"],
        "trigger_field_ids": [(6, 0, rule["trigger_field_ids"])], "trg_field_ref": rule["trg_field_ref"] or False,
        "trg_selection_field_id": rule["trg_selection_field_id"] and rule["trg_selection_field_id"][0],
    } for rule in rules])
    computed = admin.read("base.automation", twins, ["filter_pre_domain", "filter_domain"])
    assert [(t["filter_pre_domain"], t["filter_domain"]) for t in computed] == [
        (r["filter_pre_domain"], r["filter_domain"]) for r in rules]
    assert all(r["filter_domain"] for r in rules)  # Odoo computed one: the trigger's references are set
    admin.execute("base.automation", "unlink", twins)

    # a trigger changed by hand: Odoo recomputes what depends on it; apply writes the whole rule back
    release = desired_state.records(["sales-order-release"])
    admin.execute("base.automation", "write", [made["sales-order-release/rule"]], {"trigger": "on_create_or_write"})
    drifted = provision.plan(admin, release, WEBHOOKS)
    # trigger_field_ids is computed with trigger (one method): writing one keeps the other
    assert set(drifted.changes[2].diff) == {"trigger", "trg_field_ref", "filter_pre_domain", "filter_domain"}
    provision.apply(admin, release, WEBHOOKS)
    assert provision.plan(admin, release, WEBHOOKS).in_sync


def test_a_password_changed_alone_is_drift_the_plan_shows_without_it(admin, provisioned):
    other = Webhooks(N8N_URL, "odoo:a-new-password")
    drifted = provision.plan(admin, desired_state.records(["purchase-approval"]), other)
    assert drifted.actions() == {"purchase-approval/rule": UNCHANGED, "purchase-approval/webhook": UPDATE}
    current, desired = drifted.changes[1].diff["webhook_url"]
    assert current == desired + " (another password)" and "***" in desired
    assert "a-new-password" not in drifted.render() + json.dumps(drifted.as_dict())
