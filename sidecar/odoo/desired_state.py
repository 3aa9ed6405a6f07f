"""The Odoo side of every flow whose event comes from Odoo, as data: what `python -m sidecar odoo provision` makes.

Per flow: the Automation Rule (base.automation) that reports a submitted document to n8n with its
"Send Webhook Notification" action (ir.actions.server, state `webhook`, posting to the flow's n8n
webhook `webhook/odoo/<flow>` the fields its contract needs, `write_date` first), and where the
submission is explicit, its marker (a sales tag or an activity type) and the server action in the
document's Action menu that sets it. Each flow's module says why its rule has this shape.
"""
from __future__ import annotations

from sidecar.odoo import inventory_trigger, match_request, procurement_setup, setup
from sidecar.odoo.provision import Fields, Groups, Model, Record, Ref, SelectionValue, Text, WebhookUrl

WEBHOOK_ACTION = "Send Webhook Notification"  # the name Odoo gives a rule's webhook action (base_automation)
# base_automation.py: the stored computes of a rule (trigger fields, trigger references, domains) depend on these
RULE_TRIGGER = ("model_id", "trigger", "trigger_field_ids", "trg_field_ref", "trg_selection_field_id")
ACTION_MENU = {"binding_type": "action", "binding_view_types": "list,form", "usage": "ir_actions_server"}


def webhook_path(flow: str) -> str:
    """The path of the flow's n8n Webhook node (n8n-workflows/<flow>.json), under n8n's base URL."""
    return f"webhook/odoo/{flow}"


def _rule(flow: str, model: str, name: str, fields: tuple[str, ...], **trigger) -> list[Record]:
    """An Automation Rule on `model` and its webhook action posting `fields` to the flow's n8n webhook."""
    rule = Record(f"{flow}/rule", flow, "base.automation", f'"{name}"', ("name", "model_id"), {
        "name": name, "model_id": Model(model), "active": True, **trigger}, recomputes=RULE_TRIGGER)
    webhook = Record(f"{flow}/webhook", flow, "ir.actions.server", f'"{WEBHOOK_ACTION}" of "{name}"',
                     ("base_automation_id", "state"), {
        "name": WEBHOOK_ACTION, "model_id": Model(model), "state": "webhook", "usage": "base_automation",
        "base_automation_id": Ref(rule.key), "webhook_url": WebhookUrl(webhook_path(flow)),
        "webhook_field_ids": Fields(model, fields)})
    return [rule, webhook]


def _action(flow: str, model: str, name: str, code: str, group: str) -> Record:
    """A Python server action in the Action menu of `model`'s list and form, for `group`."""
    return Record(f"{flow}/action", flow, "ir.actions.server", f'"{name}"', ("name", "model_id", "usage"), {
        "name": name, "model_id": Model(model), "state": "code", "code": code, "binding_model_id": Model(model),
        "groups_id": Groups((group,)), **ACTION_MENU})


def _activity_type(flow: str, model: str, name: str, summary: str) -> Record:
    """An activity type for `model`: a submission marker a domain can test."""
    return Record(f"{flow}/activity-type", flow, "mail.activity.type", f'"{name}"', ("name", "res_model"), {
        "name": name, "res_model": model, "category": "default", "delay_count": 0, "summary": summary,
        "icon": "fa-balance-scale", "active": True})


def _marked(flow: str) -> Text:
    return Text("('activity_ids.activity_type_id', '=', {marker})", (("marker", Ref(f"{flow}/activity-type")),))


def _release() -> list[Record]:
    flow, model = "sales-order-release", setup.ORDER_MODEL
    tag = Record(f"{flow}/tag", flow, setup.TAG_MODEL, f'"{setup.TAG_NAME}"', ("name",), {"name": setup.TAG_NAME})
    marker = (("tag", Ref(tag.key)),)
    # "Tag is added": the domains are the ones Odoo computes for the trigger (base_automation.py), written
    # with it so a hand edit of them shows as drift
    return [tag, _action(flow, model, setup.ACTION_NAME, setup.REQUEST_RELEASE_CODE, setup.SALES_GROUP),
            *_rule(flow, model, setup.RULE_NAME, setup.WEBHOOK_FIELDS, trigger="on_tag_set",
                   trigger_field_ids=Fields(model, ("tag_ids",)), trg_field_ref=Ref(tag.key),
                   filter_pre_domain=Text("[('tag_ids', 'not in', [{tag}])]", marker),
                   filter_domain=Text("[('tag_ids', 'in', [{tag}])]", marker))]


def _purchase_approval() -> list[Record]:
    # "State is set to" `to approve`: Odoo puts an RFQ there on button_confirm when the company asks for
    # two-step approval (Settings > Purchase > Purchase Order Approval) and the confirming user may not approve it
    model, state = setup.PURCHASE_MODEL, setup.PURCHASE_WAITING_STATE
    return _rule("purchase-approval", model, setup.PURCHASE_RULE_NAME, setup.PURCHASE_WEBHOOK_FIELDS,
                 trigger="on_state_set", trigger_field_ids=Fields(model, ("state",)),
                 trg_selection_field_id=SelectionValue(model, "state", state),
                 filter_pre_domain=False, filter_domain=f"[('state', '=', '{state}')]")


def _procurement_exception() -> list[Record]:
    flow, m = "procurement-exception", procurement_setup
    marked = _marked(flow)
    return [_activity_type(flow, m.MODEL, m.ACTIVITY_TYPE_NAME, m.SUMMARY),
            _action(flow, m.MODEL, m.ACTION_NAME, m.REQUEST_CODE, m.PURCHASE_GROUP),
            # fires on the write that adds the marker: absent before, present after (an RFQ's other saves do not)
            *_rule(flow, m.MODEL, m.RULE_NAME, m.WEBHOOK_FIELDS, trigger="on_create_or_write",
                   trigger_field_ids=Fields(m.MODEL, ()),
                   filter_pre_domain=Text(f"['!', {marked.template}]", marked.refs),
                   filter_domain=Text(f"[{marked.template}, ('state', 'in', {list(m.RFQ_STATES)!r})]", marked.refs))]


def _inventory_adjustment() -> list[Record]:
    m = inventory_trigger
    return _rule("inventory-adjustment", m.QUANT_MODEL, m.RULE_NAME, m.WEBHOOK_FIELDS, trigger="on_create_or_write",
                 trigger_field_ids=Fields(m.QUANT_MODEL, (m.TRIGGER_FIELD,)),
                 filter_pre_domain=m.BEFORE, filter_domain=m.AFTER)


def _vendor_bill_match() -> list[Record]:
    flow, m = "vendor-bill-match", match_request
    marked = _marked(flow)
    return [_activity_type(flow, m.BILL_MODEL, m.ACTIVITY_TYPE, m.SUMMARY),
            _action(flow, m.BILL_MODEL, m.ACTION_NAME, m.REQUEST_MATCH_CODE, m.BILLING_GROUP),
            *_rule(flow, m.BILL_MODEL, m.RULE_NAME, m.WEBHOOK_FIELDS, trigger="on_create_or_write",
                   trigger_field_ids=Fields(m.BILL_MODEL, ("activity_ids",)),
                   filter_pre_domain=Text(f"['!', {marked.template}]", marked.refs),
                   filter_domain=Text(f"[('move_type', '=', 'in_invoice'), ('state', '=', 'draft'), {marked.template}]",
                                      marked.refs))]


FLOWS = {  # flow name -> its records, in the order they are made
    "sales-order-release": _release(),
    "purchase-approval": _purchase_approval(),
    "procurement-exception": _procurement_exception(),
    "inventory-adjustment": _inventory_adjustment(),
    "vendor-bill-match": _vendor_bill_match(),
}


def records(flows=None) -> list[Record]:
    """The described records of `flows` (default: every flow whose event comes from Odoo); KeyError names an unknown one."""
    unknown = sorted(set(flows or ()) - set(FLOWS))
    if unknown:
        raise KeyError(f"no Odoo side is described for flow(s) {unknown}; known: {sorted(FLOWS)}")
    return [record for name, described in FLOWS.items() if not flows or name in flows for record in described]
