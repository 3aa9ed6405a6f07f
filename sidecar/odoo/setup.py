"""Install explicit release submission in Odoo: a sales tag, a server action and an Automation Rule.

Run once per database as an Odoo administrator (`python -m sidecar odoo-setup`); running it again
brings the three records back to what is described here and changes nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

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
# "{RULE_NAME}" reports to n8n. Installed by `python -m sidecar odoo-setup`.
others = records.filtered(lambda order: order.state not in {QUOTATION_STATES!r})
if others:
    raise UserError("Only quotations can be submitted for release: " + ", ".join(others.mapped("name")))
tag = env["{TAG_MODEL}"].search([("name", "=", "{TAG_NAME}")], limit=1)
if not tag:
    raise UserError('The sales tag "{TAG_NAME}" is missing: run the sidecar\\'s odoo-setup again.')
records.filtered(lambda order: tag in order.tag_ids).write({{"tag_ids": [(3, tag.id)]}})
records.write({{"tag_ids": [(4, tag.id)]}})
"""


@dataclass(frozen=True)
class SubmissionSetup:
    """Ids of what `install_submission` made or found, and which of them it created."""

    tag_id: int
    action_id: int
    rule_id: int
    webhook_action_id: int
    created: tuple[str, ...]

    def as_dict(self) -> dict:
        """A JSON-friendly view."""
        return {"tag_id": self.tag_id, "action_id": self.action_id, "rule_id": self.rule_id,
                "webhook_action_id": self.webhook_action_id, "created": list(self.created)}


def _find(gw: OdooGateway, model: str, domain: list) -> int | None:
    found = gw.execute(model, "search", domain, limit=1, context={"active_test": False})
    return found[0] if found else None


def _ensure(gw: OdooGateway, model: str, domain: list, values: dict, created: list[str], label: str,
            repaired: list[str] | None = None) -> int:
    """Create the record matching `domain` with `values`, or bring the existing one back to them.

    With `repaired`, the existing record is read first: written (and `label` noted) only when it differs.
    """
    record_id = _find(gw, model, domain)
    if record_id is None:
        created.append(label)
        return gw.execute(model, "create", values)
    if repaired is not None:
        current = gw.execute(model, "read", [record_id], list(values), context={"active_test": False})[0]
        if all(_same(values[name], current.get(name)) for name in values):
            return record_id
        repaired.append(label)
    gw.execute(model, "write", [record_id], values)
    return record_id


def _same(wanted, current) -> bool:
    """Whether a value as written (`(6, 0, ids)`, an id, a scalar) is what `read` answers."""
    if isinstance(wanted, list) and wanted and isinstance(wanted[0], tuple) and wanted[0][0] == 6:
        return sorted(wanted[0][2]) == sorted(current or [])
    if isinstance(current, list) and len(current) == 2 and isinstance(current[0], int):
        return wanted == current[0]  # a many2one: [id, name]
    return wanted == current or (wanted in (None, False) and current in (None, False))


def _model_id(gw: OdooGateway, model: str) -> int:
    return gw.execute("ir.model", "search", [("model", "=", model)], limit=1)[0]


def _field_ids(gw: OdooGateway, model: str, names) -> list[int]:
    rows = gw.execute("ir.model.fields", "search_read", [("model", "=", model), ("name", "in", list(names))],
                      fields=["name"])
    found = {row["name"]: row["id"] for row in rows}
    missing = sorted(set(names) - set(found))
    if missing:
        raise ValueError(f"{model} has no field(s) {missing}: is the sale module installed?")
    return [found[name] for name in names]


def _group_id(gw: OdooGateway, xmlid: str) -> int | None:
    module, name = xmlid.split(".")
    rows = gw.execute("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)],
                      fields=["res_id"], limit=1)
    return rows[0]["res_id"] if rows else None


def check_webhook_url(webhook_url: str) -> None:
    """ValueError unless `webhook_url` is http(s)://host/path."""
    parsed = urlparse(webhook_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"webhook URL '{webhook_url}' must be http(s)://host/path")


def install_submission(gw: OdooGateway, webhook_url: str) -> SubmissionSetup:
    """Make (or repair) the tag, the "Request release" action and the rule posting to `webhook_url`."""
    parsed = urlparse(webhook_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"webhook URL '{webhook_url}' must be http(s)://host/path")
    created: list[str] = []
    order_model = _model_id(gw, ORDER_MODEL)
    tag_id = _ensure(gw, TAG_MODEL, [("name", "=", TAG_NAME)], {"name": TAG_NAME}, created, "tag")
    group = _group_id(gw, SALES_GROUP)
    action_id = _ensure(gw, "ir.actions.server", [("name", "=", ACTION_NAME), ("model_id", "=", order_model),
                                                  ("usage", "=", "ir_actions_server")], {
        "name": ACTION_NAME, "model_id": order_model, "state": "code", "code": REQUEST_RELEASE_CODE,
        "binding_model_id": order_model, "binding_type": "action", "binding_view_types": "list,form",
        "groups_id": [(6, 0, [group] if group else [])],
    }, created, "server action")
    tag_field, *webhook_fields = _field_ids(gw, ORDER_MODEL, ("tag_ids", *WEBHOOK_FIELDS))
    rule_values = {
        "name": RULE_NAME, "model_id": order_model, "trigger": "on_tag_set", "active": True,
        "trigger_field_ids": [(6, 0, [tag_field])], "trg_field_ref": tag_id,
    }
    rule_id = _ensure(gw, "base.automation", [("name", "=", RULE_NAME), ("model_id", "=", order_model)],
                      rule_values, created, "automation rule")
    webhook = {"name": "Send Webhook Notification", "model_id": order_model, "state": "webhook",
               "usage": "base_automation", "base_automation_id": rule_id, "webhook_url": webhook_url,
               "webhook_field_ids": [(6, 0, webhook_fields)]}
    webhook_id = _ensure(gw, "ir.actions.server", [("base_automation_id", "=", rule_id), ("state", "=", "webhook")],
                         webhook, created, "webhook action")
    return SubmissionSetup(tag_id, action_id, rule_id, webhook_id, tuple(created))


PURCHASE_MODEL = "purchase.order"
PURCHASE_RULE_NAME = "Purchase approval: notify n8n"
PURCHASE_WEBHOOK_FIELDS = ("write_date", "write_uid", "name", "state", "amount_total")
PURCHASE_WAITING_STATE = "to approve"


def install_purchase_approval(gw: OdooGateway, webhook_url: str) -> dict:
    """Make (or repair) the Automation Rule that posts a purchase order to `webhook_url` when Odoo sets
    its state to `to approve` (trigger "State is set to", `on_state_set`, Odoo 17 base_automation).

    Odoo puts an RFQ there on button_confirm when the company asks for two-step approval
    (Settings > Purchase > Purchase Order Approval) and the confirming user may not approve it.
    """
    parsed = urlparse(webhook_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"webhook URL '{webhook_url}' must be http(s)://host/path")
    created: list[str] = []
    model = _model_id(gw, PURCHASE_MODEL)
    state_field, *webhook_fields = _field_ids(gw, PURCHASE_MODEL, ("state", *PURCHASE_WEBHOOK_FIELDS))
    waiting = gw.execute("ir.model.fields.selection", "search",
                         [("field_id", "=", state_field), ("value", "=", PURCHASE_WAITING_STATE)], limit=1)
    if not waiting:
        raise ValueError(f"{PURCHASE_MODEL}.state has no '{PURCHASE_WAITING_STATE}': is the purchase module installed?")
    rule_id = _ensure(gw, "base.automation", [("name", "=", PURCHASE_RULE_NAME), ("model_id", "=", model)], {
        "name": PURCHASE_RULE_NAME, "model_id": model, "trigger": "on_state_set", "active": True,
        "trigger_field_ids": [(6, 0, [state_field])], "trg_selection_field_id": waiting[0],
    }, created, "automation rule")
    webhook_id = _ensure(gw, "ir.actions.server", [("base_automation_id", "=", rule_id), ("state", "=", "webhook")], {
        "name": "Send Webhook Notification", "model_id": model, "state": "webhook", "usage": "base_automation",
        "base_automation_id": rule_id, "webhook_url": webhook_url, "webhook_field_ids": [(6, 0, webhook_fields)],
    }, created, "webhook action")
    return {"rule_id": rule_id, "webhook_action_id": webhook_id, "created": created}


def request_release(gw: OdooGateway, order_id: int) -> None:
    """Run the "Request release" server action on one order, as its Action menu does."""
    action_id = _find(gw, "ir.actions.server", [("name", "=", ACTION_NAME), ("model_id.model", "=", ORDER_MODEL)])
    if action_id is None:
        raise LookupError(f'no server action "{ACTION_NAME}": run odoo-setup first')
    gw.execute("ir.actions.server", "run", [action_id],
               context={"active_model": ORDER_MODEL, "active_id": order_id, "active_ids": [order_id]})
