"""mail.message(.subtype), mail.activity(.type): chatter messages and scheduled activities."""
from __future__ import annotations

import datetime as dt
import html

from .. import errors
from .. import fields as F
from ..registry import ModelSpec
from . import chatter, tracking

MESSAGE_TYPES = [
    ("email", "Incoming Email"), ("comment", "Comment"), ("email_outgoing", "Outgoing Email"),
    ("notification", "System notification"), ("auto_comment", "Automated Targeted Notification"),
    ("user_notification", "User Specific Notification"), ("sms", "SMS"), ("snailmail", "Snailmail"),
]
ACTIVITY_CATEGORIES = [("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall")]
ACTIVITY_STATES = [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned"), ("done", "Done")]
THREAD_MODELS = [("res.partner", "Contact"), ("product.template", "Product"),
                 ("product.product", "Product Variant"), ("sale.order", "Sales Order"),
                 ("stock.picking", "Transfer"), ("purchase.order", "Purchase Order"),
                 ("account.move", "Journal Entry")]


def _activity_state(env, model, rid):
    if not env.get(model, rid, "active"):
        return "done"
    deadline = env.get(model, rid, "date_deadline")
    if not deadline:
        return False
    user = env.get(model, rid, "user_id") or env.uid
    today = env.with_context(tz=env.get("res.users", user, "tz")).user_today()
    days = (dt.date.fromisoformat(deadline) - dt.date.fromisoformat(today)).days
    return "overdue" if days < 0 else "today" if days == 0 else "planned"


def _activity_display(env, rid):
    summary = env.get("mail.activity", rid, "summary")
    if summary:
        return summary
    type_id = env.get("mail.activity", rid, "activity_type_id")
    return env.display_name("mail.activity.type", type_id) if type_id else f"mail.activity,{rid}"


def _prepare_activity(env, vals):
    if not vals.get("res_model_id") and vals.get("res_model"):
        found = env.search("ir.model", [("model", "=", vals["res_model"])])
        vals["res_model_id"] = found[0] if found else False
    if vals.get("res_model_id"):
        vals["res_model"] = env.get("ir.model", vals["res_model_id"], "model")
    if vals.get("res_model") and vals.get("res_id") and vals["res_model"] in env.registry:
        vals.setdefault("res_name", env.display_name(vals["res_model"], vals["res_id"]))
    if "activity_type_id" not in vals:
        vals["activity_type_id"] = env.ref_id("mail.mail_activity_data_todo", False) or False
    return vals


def done_body(env, activity_id, feedback) -> str:
    """The chatter note Odoo's template ``mail.message_activity_done`` renders."""
    get = lambda fname: env.get("mail.activity", activity_id, fname)  # noqa: E731
    type_id = get("activity_type_id")
    type_name = env.display_name("mail.activity.type", type_id) if type_id else ""
    icon = env.get("mail.activity.type", type_id, "icon") if type_id else ""
    parts = [f'<div><p><span class="fa {icon or ""} fa-fw"></span><span>{html.escape(type_name)}</span> done']
    if get("user_id") != env.uid:
        parts.append(f" (originally assigned to <span>{html.escape(env.display_name('res.users', get('user_id')) or '')}</span>)")
    if get("summary"):
        parts.append(f"<span>: </span><span>{html.escape(get('summary'))}</span>")
    parts.append("</p>")
    if feedback:
        lines = [html.escape(line) for line in str(feedback).split("\n")]
        parts.append("<div>" + "<br>".join(lines) + "</div>")
    note = get("note")
    if note and note != "<p><br></p>":
        parts.append('<div class="o_mail_note_title"><strong>Original note:</strong></div>'
                     f"<div>{note}</div>")
    parts.append("</div>")
    return "".join(parts)


def mark_done(env, ids, feedback=False) -> list:
    """Odoo 17 ``_action_done``: post a note per activity, then archive it if its type
    keeps done activities (``keep_done``), else delete it.  Returns the message ids."""
    messages, keep, drop = [], [], []
    for rid in ids:
        row = env.row("mail.activity", rid)
        type_id = row.get("activity_type_id")
        messages.append(chatter.post(
            env, row["res_model"], row["res_id"], done_body(env, rid, feedback),
            message_type="notification", subtype_xmlid="mail.mt_activities",
            mail_activity_type_id=type_id or False))
        keeps = type_id and env.get("mail.activity.type", type_id, "keep_done")
        (keep if keeps else drop).append(rid)
    if keep:
        env.write("mail.activity", keep, {"active": False, "date_done": env.user_today()})
    if drop:
        env.unlink("mail.activity", drop)
    return messages


def _still_there(env, model, ids) -> list:
    """Odoo reads ``res_model`` of each activity first: a deleted one raises MissingError."""
    missing = [rid for rid in ids if env.db.row(model, rid) is None]
    if missing:
        raise errors.record_missing(model, missing, env.uid)
    return list(ids)


def action_feedback(env, model, ids, feedback=False, attachment_ids=None):
    messages = mark_done(env, _still_there(env, model, ids), feedback)
    return messages[0] if messages else False


def action_done(env, model, ids):
    messages = mark_done(env, _still_there(env, model, ids))
    return messages[0] if messages else False


def specs():
    return [
        ModelSpec("mail.message.subtype", "Message subtypes", order="sequence, id", fields={
            "name": F.Char("Message Type", required=True),
            "description": F.Text("Description"),
            "internal": F.Boolean("Internal Only"),
            "res_model": F.Char("Model"),
            "default": F.Boolean("Default", default=True),
            "sequence": F.Integer("Sequence", default=1),
            "hidden": F.Boolean("Hidden"),
        }),
        ModelSpec("mail.message", "Message", order="id desc", rec_name="record_name", fields={
            "subject": F.Char("Subject"),
            "date": F.Datetime("Date", default=lambda env, vals: env.now()),
            "body": F.Html("Contents", default=""),
            "model": F.Char("Related Document Model"),
            "res_id": F.Many2oneReference("Related Document ID"),
            "record_name": F.Char("Message Record Name"),
            "message_type": F.Selection(MESSAGE_TYPES, "Type", required=True, default="comment"),
            "subtype_id": F.Many2one("mail.message.subtype", "Subtype"),
            "mail_activity_type_id": F.Many2one("mail.activity.type", "Mail Activity Type"),
            "author_id": F.Many2one("res.partner", "Author",
                                    default=lambda env, vals: env.user_partner()),
            "email_from": F.Char("From"),
            "partner_ids": F.Many2many("res.partner", "Recipients"),
            "parent_id": F.Many2one("mail.message", "Parent Message"),
            "is_internal": F.Boolean("Employee Only"),
            "tracking_value_ids": F.One2many("mail.tracking.value", "mail_message_id", "Tracking values"),
        }),
        ModelSpec("mail.activity.type", "Activity Type", order="sequence, id", fields={
            "name": F.Char("Name", required=True),
            "summary": F.Char("Default Summary"),
            "sequence": F.Integer("Sequence", default=10),
            "active": F.Boolean("Active", default=True),
            "delay_count": F.Integer("Schedule"),
            "delay_unit": F.Selection([("days", "days"), ("weeks", "weeks"), ("months", "months")],
                                      "Delay units", required=True, default="days"),
            "delay_from": F.Selection([("current_date", "after completion date"),
                                       ("previous_activity", "after previous activity deadline")],
                                      "Delay Type", required=True, default="previous_activity"),
            "icon": F.Char("Icon"),
            "decoration_type": F.Selection([("warning", "Alert"), ("danger", "Error")], "Decoration Type"),
            "res_model": F.Selection(THREAD_MODELS, "Model"),
            "category": F.Selection(ACTIVITY_CATEGORIES, "Action", default="default"),
            "default_user_id": F.Many2one("res.users", "Default User"),
            "default_note": F.Html("Default Note"),
            "keep_done": F.Boolean("Keep Done"),
            "chaining_type": F.Selection([("suggest", "Suggest Next Activity"), ("trigger", "Trigger Next Activity")],
                                         "Chaining Type", required=True, default="suggest"),
        }),
        ModelSpec("mail.activity", "Activity", order="date_deadline ASC, id ASC", rec_name="summary",
                  display=_activity_display, prepare_create=_prepare_activity,
                  after_create=lambda env, rid, vals: tracking.notify_assignee(env, rid),
                  methods={"action_feedback": action_feedback, "action_done": action_done},
                  fields={
            "res_model_id": F.Many2one("ir.model", "Document Model", required=True),
            "res_model": F.Char("Related Document Model", readonly=True),
            "res_id": F.Many2oneReference("Related Document ID"),
            "res_name": F.Char("Document Name", readonly=True),
            "activity_type_id": F.Many2one("mail.activity.type", "Activity Type"),
            "activity_category": F.Selection(ACTIVITY_CATEGORIES, "Action", compute=lambda env, m, rid: (
                env.get("mail.activity.type", env.get(m, rid, "activity_type_id"), "category")
                if env.get(m, rid, "activity_type_id") else False)),
            "summary": F.Char("Summary"),
            "note": F.Html("Note"),
            "date_deadline": F.Date("Due Date", required=True, default=lambda env, vals: env.user_today()),
            "date_done": F.Date("Done Date", readonly=True, store=True),
            "automated": F.Boolean("Automated activity", readonly=True, store=True),
            "user_id": F.Many2one("res.users", "Assigned to", required=True, default=lambda env, vals: env.uid),
            "request_partner_id": F.Many2one("res.partner", "Requesting Partner"),
            "state": F.Selection(ACTIVITY_STATES, "State", compute=_activity_state),
            "active": F.Boolean("Active", default=True),
        }),
    ]
