"""The chatter Odoo writes by itself: tracking messages on tracked field changes
(``mail.thread._message_track``) and the assignment notification of an activity
(``mail.activity._action_notify``, template ``mail.message_activity_assigned``)."""
from __future__ import annotations

import datetime as dt

from .. import fields as F
from ..registry import ModelSpec
from . import chatter

# model -> tracked fields (sale_order.py: partner_id tracking=1, user_id tracking=2, state tracking=3)
TRACKED = {"sale.order": ("partner_id", "user_id", "state")}


def tracking_spec() -> ModelSpec:
    return ModelSpec("mail.tracking.value", "Mail Tracking Value", order="id desc", rec_name="field_desc", fields={
        "field_desc": F.Char("Field Description"),
        "old_value_char": F.Char("Old Value Char"),
        "new_value_char": F.Char("New Value Char"),
        "old_value_integer": F.Integer("Old Value Integer"),
        "new_value_integer": F.Integer("New Value Integer"),
        "mail_message_id": F.Many2one("mail.message", "Message ID", required=True),
    })


def snapshot(env, model: str, ids) -> dict:
    """The tracked values of ``ids`` before a write."""
    tracked = TRACKED.get(model, ())
    return {rid: {f: env.get(model, rid, f) for f in tracked} for rid in ids} if tracked else {}


def post_changes(env, model: str, before: dict) -> None:
    """One notification per record whose tracked fields changed, with the subtype Odoo's
    ``_track_subtype`` picks (sale: confirmed / sent) and the old and new values."""
    for rid, old in before.items():
        if env.db.row(model, rid) is None:
            continue
        changed = [f for f, value in old.items() if env.get(model, rid, f) != value]
        if not changed:
            continue
        message = chatter.post(env, model, rid, "", subtype_xmlid=_subtype(env, model, rid, changed))
        for fname in changed:
            fdef = env.registry.field(model, fname)
            env.create("mail.tracking.value", {
                "field_desc": fdef.string, "mail_message_id": message,
                "old_value_char": _label(env, fdef, old[fname]),
                "new_value_char": _label(env, fdef, env.get(model, rid, fname)),
                "old_value_integer": old[fname] if fdef.type == "many2one" and old[fname] else 0,
                "new_value_integer": env.get(model, rid, fname) if fdef.type == "many2one" else 0})


def _subtype(env, model, rid, changed) -> str:
    if model == "sale.order" and "state" in changed:
        state = env.get(model, rid, "state")
        if state == "sale":
            return "sale.mt_order_confirmed"
        if state == "sent":
            return "sale.mt_order_sent"
    return "mail.mt_note"


def _label(env, fdef, value):
    if fdef.type == "selection":
        return dict(fdef.selection).get(value, "") if value else ""
    if fdef.type == "many2one":
        return env.display_name(fdef.relation, value) if value else ""
    return value or ""


def notify_assignee(env, activity_id: int) -> None:
    """Assigning someone else sends them a user notification on the record, visible to its author
    and recipient only (mail.message access)."""
    row = env.row("mail.activity", activity_id)
    assignee = row.get("user_id")
    if not assignee or assignee == env.uid or not row.get("res_model") or not row.get("res_id"):
        return
    partner = env.get("res.users", assignee, "partner_id")
    model, rid = row["res_model"], row["res_id"]
    summary = row.get("summary")
    deadline = dt.date.fromisoformat(row["date_deadline"]).strftime("%m/%d/%Y") if row.get("date_deadline") else ""
    body = ('<div style="margin:0px; padding:0px; font-size:13px">\n'
            f'    Dear <span>{env.get("res.users", assignee, "name")}</span>,\n    <br><br>\n    <p>\n'
            f'        <span>{env.get("res.users", env.uid, "name")}</span> has just assigned you the following activity:\n'
            '        </p><ul>\n'
            f'            <li>Document: "{env.display_name(model, rid)}"\n'
            f'                 ({env.registry[model].description})\n            </li>\n'
            + (f'            <li>Summary: <span>{summary}</span></li>\n' if summary else "")
            + f'            <li>Deadline: <span>{deadline}</span></li>\n        </ul>\n    \n</div>')
    chatter.post(env, model, rid, body, message_type="user_notification", subtype_xmlid=None,
                 partner_ids=[partner])
