"""Explicit submission of a vendor bill for matching: a "Match requested" activity on the bill.

Bills are created empty in draft and filled in later, so no change of the bill says "ready"; and
account.move has no tags in Odoo 17 Community (account/models/account_move.py). The marker is an
activity of a dedicated type, which needs no custom module and which a domain tests
(`activity_ids.activity_type_id.name`). `python -m sidecar odoo provision` makes (sidecar/odoo/desired_state.py):
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
from sidecar.odoo.setup import run_action
from sidecar.values import utc_moment

BILL_MODEL = "account.move"
ACTIVITY_TYPE = "Match requested"
ACTION_NAME = "Request match"
RULE_NAME = "Vendor bill match requested: notify n8n"
WEBHOOK_FIELDS = ("write_date", "write_uid", "name", "state", "amount_total", "move_type")
BILLING_GROUP = "account.group_account_invoice"
# What the policy's intake domain asks Odoo (sidecar/policy/policies/vendor-bill-match*.json).
MARKED = ("activity_ids.activity_type_id.name", "=", ACTIVITY_TYPE)
SUMMARY = "Waiting for the three-way match"

# Runs inside Odoo (safe_eval) as the user who asks. An earlier marker is removed first, so asking
# again after a change submits again.
REQUEST_MATCH_CODE = f"""\
# Submit vendor bills for the three-way match: (re-)adds the "{ACTIVITY_TYPE}" activity through the bill,
# which the Automation Rule "{RULE_NAME}" reports to n8n. Installed by `python -m sidecar odoo provision`.
others = records.filtered(lambda move: move.move_type != "in_invoice" or move.state != "draft")
if others:
    raise UserError("Only draft vendor bills can be submitted for matching: " + ", ".join(others.mapped("display_name")))
kind = env["mail.activity.type"].search([("name", "=", "{ACTIVITY_TYPE}"), ("res_model", "=", "{BILL_MODEL}")], limit=1)
if not kind:
    raise UserError('The activity type "{ACTIVITY_TYPE}" is missing: run the sidecar\\'s odoo provision again.')
bill_model = env["ir.model"].search([("model", "=", "{BILL_MODEL}")], limit=1)
for bill in records:
    bill.activity_ids.filtered(lambda activity: activity.activity_type_id == kind).unlink()
    bill.write({{"activity_ids": [(0, 0, {{
        "activity_type_id": kind.id, "res_model_id": bill_model.id, "user_id": env.user.id,
        "summary": "{SUMMARY}",
    }})]}})
"""


def request_match(gw: OdooGateway, bill_id: int) -> None:
    """Run the "Request match" server action on one bill, as its Action menu does."""
    run_action(gw, ACTION_NAME, BILL_MODEL, bill_id)


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
