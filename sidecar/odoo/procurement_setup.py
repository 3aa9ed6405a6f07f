"""Install explicit procurement-check submission in Odoo over RPC, without a custom module.

purchase.order has no tags in Odoo 17, so the marker is an activity: an activity type "Procurement
check" (mail.activity.type, for purchase orders), a server action "Request procurement check" in the
RFQ's Action menu that (re)creates that activity on the selected RFQs through the order's own `write`
(`activity_ids`), and an Automation Rule "On save" whose before/after conditions fire only when the
marker appears: Odoo posts the order's webhook (with its write_date) from that write. The policy's
intake domain tests the same marker. Run once per database as an Odoo administrator
(`python -m sidecar odoo-setup --procurement-webhook-url URL`); running it again repairs the records.
"""
from __future__ import annotations

from urllib.parse import urlparse

from sidecar.odoo.gateway import OdooGateway

MODEL = "purchase.order"
ACTIVITY_TYPE_NAME = "Procurement check"  # the policy's intake domain names it
ACTION_NAME = "Request procurement check"
RULE_NAME = "Procurement check requested: notify n8n"
WEBHOOK_FIELDS = ("write_date", "write_uid", "name", "state")
PURCHASE_GROUP = "purchase.group_purchase_user"
RFQ_STATES = ("draft", "sent")
SUMMARY = "Procurement check requested"

# Runs inside Odoo (safe_eval), as the user who asks. An open marker is removed first, so asking again
# after a change submits again; the new one is created through the order's write, which is what makes
# the Automation Rule (and Odoo's write_date) see it.
REQUEST_CODE = f"""\
# Submit RFQs for the procurement check: (re)creates the "{ACTIVITY_TYPE_NAME}" activity, which the
# Automation Rule "{RULE_NAME}" reports to n8n. Installed by `python -m sidecar odoo-setup`.
others = records.filtered(lambda order: order.state not in {RFQ_STATES!r})
if others:
    raise UserError("Only requests for quotation can be sent to the procurement check: " + ", ".join(others.mapped("name")))
kind = env["mail.activity.type"].search([("name", "=", "{ACTIVITY_TYPE_NAME}"), ("res_model", "=", "{MODEL}")], limit=1)
if not kind:
    raise UserError('The activity type "{ACTIVITY_TYPE_NAME}" is missing: run the sidecar\\'s odoo-setup again.')
model_id = env["ir.model"]._get_id("{MODEL}")
for order in records:
    order.activity_ids.filtered(lambda activity: activity.activity_type_id == kind).unlink()
    order.write({{"activity_ids": [Command.create({{
        "res_model_id": model_id, "activity_type_id": kind.id, "user_id": env.uid, "summary": "{SUMMARY}",
    }})]}})
"""


def _find(gw: OdooGateway, model: str, domain: list) -> int | None:
    found = gw.execute(model, "search", domain, limit=1, context={"active_test": False})
    return found[0] if found else None


def _ensure(gw: OdooGateway, model: str, domain: list, values: dict, created: list[str], label: str) -> int:
    record_id = _find(gw, model, domain)
    if record_id is None:
        created.append(label)
        return gw.execute(model, "create", values)
    gw.execute(model, "write", [record_id], values)
    return record_id


def marker_domain(type_id: int) -> str:
    """The Automation Rule's condition (Python domain text): the RFQ carries the marker activity."""
    return f"[('activity_ids.activity_type_id', '=', {type_id}), ('state', 'in', {list(RFQ_STATES)!r})]"


def install_procurement_check(gw: OdooGateway, webhook_url: str) -> dict:
    """Make (or repair) the activity type, the "Request procurement check" action and the rule posting to `webhook_url`."""
    parsed = urlparse(webhook_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"webhook URL '{webhook_url}' must be http(s)://host/path")
    created: list[str] = []
    model = gw.execute("ir.model", "search", [("model", "=", MODEL)], limit=1)
    if not model:
        raise ValueError(f"Odoo has no model {MODEL}: is the purchase module installed?")
    model = model[0]
    type_id = _ensure(gw, "mail.activity.type", [("name", "=", ACTIVITY_TYPE_NAME), ("res_model", "=", MODEL)], {
        "name": ACTIVITY_TYPE_NAME, "res_model": MODEL, "category": "default", "delay_count": 0,
        "summary": SUMMARY, "icon": "fa-balance-scale", "active": True,
    }, created, "activity type")
    groups = gw.execute("ir.model.data", "search_read", [("module", "=", "purchase"),
                                                         ("name", "=", PURCHASE_GROUP.split(".")[1])],
                        fields=["res_id"], limit=1)
    action_id = _ensure(gw, "ir.actions.server", [("name", "=", ACTION_NAME), ("model_id", "=", model),
                                                  ("usage", "=", "ir_actions_server")], {
        "name": ACTION_NAME, "model_id": model, "state": "code", "code": REQUEST_CODE,
        "binding_model_id": model, "binding_type": "action", "binding_view_types": "list,form",
        "groups_id": [(6, 0, [groups[0]["res_id"]] if groups else [])],
    }, created, "server action")
    fields = gw.execute("ir.model.fields", "search_read", [("model", "=", MODEL), ("name", "in", list(WEBHOOK_FIELDS))],
                        fields=["name"])
    rule_id = _ensure(gw, "base.automation", [("name", "=", RULE_NAME), ("model_id", "=", model)], {
        "name": RULE_NAME, "model_id": model, "trigger": "on_create_or_write", "active": True,
        # fires on the write that adds the marker: absent before, present after (an RFQ's other saves do not)
        "filter_pre_domain": f"['!', ('activity_ids.activity_type_id', '=', {type_id})]",
        "filter_domain": marker_domain(type_id),
    }, created, "automation rule")
    webhook_id = _ensure(gw, "ir.actions.server", [("base_automation_id", "=", rule_id), ("state", "=", "webhook")], {
        "name": "Send Webhook Notification", "model_id": model, "state": "webhook", "usage": "base_automation",
        "base_automation_id": rule_id, "webhook_url": webhook_url, "webhook_field_ids": [(6, 0, [f["id"] for f in fields])],
    }, created, "webhook action")
    return {"activity_type_id": type_id, "action_id": action_id, "rule_id": rule_id, "webhook_action_id": webhook_id,
            "created": created}


def request_procurement_check(gw: OdooGateway, order_id: int) -> None:
    """Run the "Request procurement check" server action on one RFQ, as its Action menu does."""
    action_id = _find(gw, "ir.actions.server", [("name", "=", ACTION_NAME), ("model_id.model", "=", MODEL)])
    if action_id is None:
        raise LookupError(f'no server action "{ACTION_NAME}": run odoo-setup first')
    gw.execute("ir.actions.server", "run", [action_id],
               context={"active_model": MODEL, "active_id": order_id, "active_ids": [order_id]})
