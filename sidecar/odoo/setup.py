"""Explicit release submission in Odoo: a sales tag, a server action and an Automation Rule; and the
purchase-approval rule. `python -m sidecar odoo provision` makes them (sidecar/odoo/desired_state.py).
"""
from __future__ import annotations

from sidecar.odoo.gateway import OdooGateway

ORDER_MODEL = "sale.order"
TAG_MODEL = "crm.tag"
TAG_NAME = "Release requested"
ACTION_NAME = "Request release"
RULE_NAME = "Release requested: notify n8n"
WEBHOOK_FIELDS = ("write_date", "write_uid", "name", "state", "tag_ids")
SALES_GROUP = "sales_team.group_sale_salesman"
QUOTATION_STATES = ("draft", "sent")

# Runs inside Odoo (safe_eval). The tag is removed first, then added, in two writes: the
# Automation Rule fires when the tag is *added*, so asking again after a change re-submits.
REQUEST_RELEASE_CODE = f"""\
# Submit quotations for release: (re-)adds the "{TAG_NAME}" tag, which the Automation Rule
# "{RULE_NAME}" reports to n8n. Installed by `python -m sidecar odoo provision`.
others = records.filtered(lambda order: order.state not in {QUOTATION_STATES!r})
if others:
    raise UserError("Only quotations can be submitted for release: " + ", ".join(others.mapped("name")))
tag = env["{TAG_MODEL}"].search([("name", "=", "{TAG_NAME}")], limit=1)
if not tag:
    raise UserError('The sales tag "{TAG_NAME}" is missing: run the sidecar\\'s odoo provision again.')
records.filtered(lambda order: tag in order.tag_ids).write({{"tag_ids": [(3, tag.id)]}})
records.write({{"tag_ids": [(4, tag.id)]}})
"""


PURCHASE_MODEL = "purchase.order"
PURCHASE_RULE_NAME = "Purchase approval: notify n8n"
PURCHASE_WEBHOOK_FIELDS = ("write_date", "write_uid", "name", "state", "amount_total")
PURCHASE_WAITING_STATE = "to approve"


def run_action(gw: OdooGateway, name: str, model: str, record_id: int) -> None:
    """Run the server action `name` of `model` on one record, as its Action menu does."""
    found = gw.execute("ir.actions.server", "search", [("name", "=", name), ("model_id.model", "=", model)], limit=1)
    if not found:
        raise LookupError(f'no server action "{name}": run `python -m sidecar odoo provision --apply` first')
    gw.execute("ir.actions.server", "run", found,
               context={"active_model": model, "active_id": record_id, "active_ids": [record_id]})


def request_release(gw: OdooGateway, order_id: int) -> None:
    """Run the "Request release" server action on one order, as its Action menu does."""
    run_action(gw, ACTION_NAME, ORDER_MODEL, order_id)
