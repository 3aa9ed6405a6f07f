"""Explicit procurement-check submission in Odoo, without a custom module.

purchase.order has no tags in Odoo 17, so the marker is an activity: an activity type "Procurement
check" (mail.activity.type, for purchase orders), a server action "Request procurement check" in the
RFQ's Action menu that (re)creates that activity on the selected RFQs through the order's own `write`
(`activity_ids`), and an Automation Rule "On save" whose before/after conditions fire only when the
marker appears: Odoo posts the order's webhook (with its write_date) from that write. The policy's
intake domain tests the same marker. `python -m sidecar odoo provision` makes them
(sidecar/odoo/desired_state.py).
"""
from __future__ import annotations

from sidecar.odoo.gateway import OdooGateway
from sidecar.odoo.setup import run_action

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
# Automation Rule "{RULE_NAME}" reports to n8n. Installed by `python -m sidecar odoo provision`.
others = records.filtered(lambda order: order.state not in {RFQ_STATES!r})
if others:
    raise UserError("Only requests for quotation can be sent to the procurement check: " + ", ".join(others.mapped("name")))
kind = env["mail.activity.type"].search([("name", "=", "{ACTIVITY_TYPE_NAME}"), ("res_model", "=", "{MODEL}")], limit=1)
if not kind:
    raise UserError('The activity type "{ACTIVITY_TYPE_NAME}" is missing: run the sidecar\\'s odoo provision again.')
model_id = env["ir.model"]._get_id("{MODEL}")
for order in records:
    order.activity_ids.filtered(lambda activity: activity.activity_type_id == kind).unlink()
    order.write({{"activity_ids": [Command.create({{
        "res_model_id": model_id, "activity_type_id": kind.id, "user_id": env.uid, "summary": "{SUMMARY}",
    }})]}})
"""


def request_procurement_check(gw: OdooGateway, order_id: int) -> None:
    """Run the "Request procurement check" server action on one RFQ, as its Action menu does."""
    run_action(gw, ACTION_NAME, MODEL, order_id)
