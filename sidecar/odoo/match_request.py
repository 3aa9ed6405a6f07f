"""Explicit submission of a vendor bill for matching: a "Match requested" activity on the bill.

Bills are created empty in draft and filled in later, so no change of the bill says "ready"; and
account.move has no tags in Odoo 17 Community (account/models/account_move.py). The marker is an
activity of a dedicated type, which needs no custom module and which a domain tests
(`activity_ids.activity_type_id.name`). `python -m sidecar odoo-setup --bill-webhook-url` installs:
- the activity type "Match requested" (mail.activity.type, for account.move);
- the server action "Request match" (Action menu of bills) that adds that activity *through the
  bill* (`activity_ids` create command): Odoo writes the bill, so its write_date moves in the same
  transaction (the sidecar waits for that commit) and the Automation Rule sees the activity arrive;
- the Automation Rule (trigger "On save" on `activity_ids`, only when no marker was there before)
  posting the bill to n8n.
Once decided, the write-back `clear_match_request` removes the marker the decision answered.
"""
from __future__ import annotations

from datetime import timedelta

from sidecar.odoo.gateway import OdooGateway
from sidecar.odoo.setup import _ensure, _field_ids, _find, _group_id, _model_id, check_webhook_url
from sidecar.values import utc_moment

BILL_MODEL = "account.move"
ACTIVITY_TYPE = "Match requested"
ACTION_NAME = "Request match"
RULE_NAME = "Vendor bill match requested: notify n8n"
WEBHOOK_FIELDS = ("write_date", "write_uid", "name", "state", "amount_total", "move_type")
BILLING_GROUP = "account.group_account_invoice"
# What the policy's intake domain asks Odoo (sidecar/policy/policies/vendor-bill-match*.json).
MARKED = ("activity_ids.activity_type_id.name", "=", ACTIVITY_TYPE)

# Runs inside Odoo (safe_eval) as the user who asks. An earlier marker is removed first, so asking
# again after a change submits again.
REQUEST_MATCH_CODE = f"""\
# Submit vendor bills for the three-way match: (re-)adds the "{ACTIVITY_TYPE}" activity through the bill,
# which the Automation Rule "{RULE_NAME}" reports to n8n. Installed by `python -m sidecar odoo-setup`.
others = records.filtered(lambda move: move.move_type != "in_invoice" or move.state != "draft")
if others:
    raise UserError("Only draft vendor bills can be submitted for matching: " + ", ".join(others.mapped("display_name")))
kind = env["mail.activity.type"].search([("name", "=", "{ACTIVITY_TYPE}"), ("res_model", "=", "{BILL_MODEL}")], limit=1)
if not kind:
    raise UserError('The activity type "{ACTIVITY_TYPE}" is missing: run the sidecar\\'s odoo-setup again.')
bill_model = env["ir.model"].search([("model", "=", "{BILL_MODEL}")], limit=1)
for bill in records:
    bill.activity_ids.filtered(lambda activity: activity.activity_type_id == kind).unlink()
    bill.write({{"activity_ids": [(0, 0, {{
        "activity_type_id": kind.id, "res_model_id": bill_model.id, "user_id": env.user.id,
        "summary": "Waiting for the three-way match",
    }})]}})
"""


def install_vendor_bill_match(gw: OdooGateway, webhook_url: str) -> dict:
    """Make (or repair) the activity type, the "Request match" action and the rule posting to `webhook_url`."""
    check_webhook_url(webhook_url)
    created: list[str] = []
    repaired: list[str] = []
    model = _model_id(gw, BILL_MODEL)
    type_id = _ensure(gw, "mail.activity.type", [("name", "=", ACTIVITY_TYPE), ("res_model", "=", BILL_MODEL)], {
        "name": ACTIVITY_TYPE, "res_model": BILL_MODEL, "category": "default", "delay_count": 0,
        "icon": "fa-balance-scale", "summary": "Waiting for the three-way match", "active": True,
    }, created, "activity type", repaired)
    group = _group_id(gw, BILLING_GROUP)
    action_id = _ensure(gw, "ir.actions.server", [("name", "=", ACTION_NAME), ("model_id", "=", model),
                                                  ("usage", "=", "ir_actions_server")], {
        "name": ACTION_NAME, "model_id": model, "state": "code", "code": REQUEST_MATCH_CODE,
        "binding_model_id": model, "binding_type": "action", "binding_view_types": "list,form",
        "groups_id": [(6, 0, [group] if group else [])],
    }, created, "server action", repaired)
    trigger_field, *webhook_fields = _field_ids(gw, BILL_MODEL, ("activity_ids", *WEBHOOK_FIELDS))
    marked = f"('activity_ids.activity_type_id', '=', {type_id})"
    rule_id = _ensure(gw, "base.automation", [("name", "=", RULE_NAME), ("model_id", "=", model)], {
        "name": RULE_NAME, "model_id": model, "trigger": "on_create_or_write", "active": True,
        "trigger_field_ids": [(6, 0, [trigger_field])],
        "filter_pre_domain": f"['!', {marked}]",
        "filter_domain": f"[('move_type', '=', 'in_invoice'), ('state', '=', 'draft'), {marked}]",
    }, created, "automation rule", repaired)
    webhook_id = _ensure(gw, "ir.actions.server", [("base_automation_id", "=", rule_id), ("state", "=", "webhook")], {
        "name": "Send Webhook Notification", "model_id": model, "state": "webhook", "usage": "base_automation",
        "base_automation_id": rule_id, "webhook_url": webhook_url, "webhook_field_ids": [(6, 0, webhook_fields)],
    }, created, "webhook action", repaired)
    return {"activity_type_id": type_id, "action_id": action_id, "rule_id": rule_id,
            "webhook_action_id": webhook_id, "created": created, "repaired": repaired}


def request_match(gw: OdooGateway, bill_id: int) -> None:
    """Run the "Request match" server action on one bill, as its Action menu does."""
    action_id = _find(gw, "ir.actions.server", [("name", "=", ACTION_NAME), ("model_id.model", "=", BILL_MODEL)])
    if action_id is None:
        raise LookupError(f'no server action "{ACTION_NAME}": run odoo-setup first')
    gw.execute("ir.actions.server", "run", [action_id],
               context={"active_model": BILL_MODEL, "active_id": bill_id, "active_ids": [bill_id]})


def _up_to(write_date: str | None) -> str | None:
    """The end of the second the decided bill was written in (Odoo reads write_date without microseconds;
    the marker was created in that same transaction, so at that exact moment)."""
    moment = utc_moment(write_date) if write_date else None
    return (moment.replace(microsecond=0) + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def clear_match_request(gateway: OdooGateway, payload: dict) -> dict:
    """Remove the bill's "Match requested" activities the decision answered; none left is done already.

    A marker added after the decided bill was written (`decided_write_date`: asked again later) is kept.
    """
    from sidecar.odoo.writeback import ALREADY_DONE, APPLIED, _order_id
    bill_id = _order_id(payload)
    domain = [("res_model", "=", BILL_MODEL), ("res_id", "=", bill_id), ("activity_type_id.name", "=", ACTIVITY_TYPE)]
    until = _up_to(payload.get("decided_write_date"))
    if until:
        domain.append(("create_date", "<", until))
    found = gateway.execute("mail.activity", "search", domain)
    if not found:
        return {"effect": ALREADY_DONE, "order_id": bill_id}
    gateway.execute("mail.activity", "unlink", found)
    return {"effect": APPLIED, "order_id": bill_id, "activity_ids": found}


OPERATIONS = {"clear_match_request": clear_match_request}
RPC_COUNT = {"clear_match_request": 2}
