"""The mail.thread / mail.activity.mixin part of business models: fields and public methods."""
from __future__ import annotations

from markupsafe import escape

from .. import errors, security
from .. import fields as F
from ..registry import Records
from ..values import sanitize_html, to_date
from . import chatter, mail


def thread_fields() -> dict:
    return {
        "message_ids": F.One2many("mail.message", "res_id", "Messages", readonly=False, compute=lambda env, model, rid: env.search(
            "mail.message", [("model", "=", model), ("res_id", "=", rid)])),
        "activity_ids": F.One2many("mail.activity", "res_id", "Activities", readonly=False, compute=lambda env, model, rid: env.search(
            "mail.activity", [("res_model", "=", model), ("res_id", "=", rid)]), inverse=_write_activities),
    }


def _write_activities(env, model, rid, commands) -> None:
    """Commands on ``activity_ids`` through the record's write: Odoo's one2many sets only the inverse
    ``res_id`` on a created activity (its ``res_model_id`` comes with the values)."""
    for command in commands or []:
        if command[0] == 0:
            env.create("mail.activity", {**command[2], "res_id": rid})
        elif command[0] == 1:
            env.write("mail.activity", [command[1]], command[2])
        elif command[0] == 2:
            env.unlink("mail.activity", [command[1]])


def message_post(env, model, ids, *, body="", subject=None, message_type="notification",
                 email_from=None, author_id=None, parent_id=False, subtype_xmlid=None,
                 subtype_id=False, partner_ids=None, attachments=None, attachment_ids=None,
                 body_is_html=False, **kwargs):
    rid = chatter.ensure_one(model, ids)
    env.row(model, rid)
    forbidden = {"model", "res_id", "subtype"} & set(kwargs)
    if forbidden:
        raise errors.value_error(f"Invalid parameters for message_post: {sorted(forbidden)}")
    if message_type == "user_notification":
        raise errors.value_error("Use message_notify to send a notification to an user.")
    if partner_ids and not all(isinstance(pid, int) for pid in partner_ids):
        raise errors.value_error(
            f"Posting a message should receive partners as a list of IDs (received {partner_ids!r})")
    author = author_id or env.user_partner()
    if not email_from and not env.get("res.partner", author, "email") and env.uid != 1:
        raise errors.user_error("Unable to send message, please configure the sender's email address.")
    # Odoo trusts body_is_html from internal users only; anyone else's HTML is escaped as text
    trusted = body_is_html and security.has_group(env, security.USER)
    body = sanitize_html(body or "", escape=not trusted) if body else ""
    extra = {key: value for key, value in kwargs.items() if env.registry.field("mail.message", key)}
    return chatter.post(env, model, rid, body, message_type=message_type,
                        subtype_xmlid=subtype_xmlid or "mail.mt_note", subtype_id=subtype_id,
                        author_id=author_id, subject=subject or False,
                        partner_ids=list(partner_ids or []), parent_id=parent_id or False,
                        email_from=email_from or False, **extra)


def message_notify(env, model, ids, *, body="", subject=False, author_id=None, email_from=None,
                   subtype_xmlid=None, subtype_id=False, partner_ids=False, attachments=None,
                   attachment_ids=None, **kwargs):
    """Odoo 17 ``message_notify``: a ``user_notification`` on the record for ``partner_ids`` only
    (Odoo's mail.message rules let just its author and recipients read it); the body is escaped
    unless it is Markup, which nothing sent over RPC is."""
    rid = chatter.ensure_one(model, ids)
    if not partner_ids:
        return Records("mail.message", [])
    forbidden = {"message_id", "message_type", "parent_id"} & set(kwargs)
    if forbidden:
        raise errors.value_error(f"Invalid parameters for message_notify: {sorted(forbidden)}")
    if not all(isinstance(pid, int) and not isinstance(pid, bool) for pid in partner_ids):
        raise errors.value_error(
            f"Notification should receive partners given as a list of IDs (received {partner_ids!r})")
    env.row(model, rid)
    author = author_id or env.user_partner()
    if not email_from and not env.get("res.partner", author, "email") and env.uid != 1:
        raise errors.user_error("Unable to send message, please configure the sender's email address.")
    extra = {key: value for key, value in kwargs.items() if env.registry.field("mail.message", key)}
    message_id = chatter.post(env, model, rid, sanitize_html(str(escape(body))) if body else "",
                              message_type="user_notification", subtype_xmlid=subtype_xmlid or "mail.mt_note",
                              subtype_id=subtype_id, author_id=author_id, subject=subject or False,
                              partner_ids=list(partner_ids), is_internal=True, record_name=False,
                              email_from=email_from or False, **extra)
    return Records("mail.message", [message_id])


def activity_schedule(env, model, ids, act_type_xmlid="", date_deadline=None, summary="", note="",
                      **act_values):
    if env.context.get("mail_activity_automation_skip"):
        return False
    if not date_deadline:
        date_deadline = env.user_today()
    type_id = env.ref_id(act_type_xmlid, False) if act_type_xmlid else act_values.get("activity_type_id", False)
    if act_type_xmlid and not type_id:
        found = env.search("mail.activity.type", [("res_model", "in", [False, model])], limit=1)
        type_id = found[0] if found else False
    model_id = env.search("ir.model", [("model", "=", model)])[0]
    get_type = (lambda fname: env.get("mail.activity.type", type_id, fname)) if type_id else (lambda fname: False)
    created = []
    for rid in ids:
        vals = {
            "activity_type_id": type_id or False,
            "summary": summary or get_type("summary"),
            "automated": True,
            "note": note or get_type("default_note"),
            "date_deadline": to_date(date_deadline),
            "res_model_id": model_id,
            "res_id": rid,
        }
        vals.update(act_values)
        if not vals.get("user_id"):
            vals["user_id"] = get_type("default_user_id") or env.uid
        created.append(env.create("mail.activity", vals))
        _subscribe(env, model, rid, env.get("res.users", vals["user_id"], "partner_id"))
    return Records("mail.activity", created)


def _subscribe(env, model, rid, partner_id) -> None:
    """Odoo makes the assignee a follower; adding a follower writes the record (its write_date moves)."""
    row = env.db.row(model, rid)
    followers = list(row.get("_follower_partner_ids") or [])
    if partner_id and partner_id not in followers:
        env.db.update(model, rid, {"_follower_partner_ids": followers + [partner_id], "write_uid": env.uid,
                                   "write_date": env.now_precise()})


def _activities_of(env, model, ids, act_type_xmlids, user_id=None) -> list:
    type_ids = [env.ref_id(xmlid, False) for xmlid in act_type_xmlids]
    domain = [("res_model", "=", model), ("res_id", "in", list(ids)),
              ("activity_type_id", "in", [t for t in type_ids if t])]
    if user_id:
        domain.append(("user_id", "=", user_id))
    return env.search("mail.activity", domain)


def activity_feedback(env, model, ids, act_type_xmlids, user_id=None, feedback=None, attachment_ids=None):
    if env.context.get("mail_activity_automation_skip"):
        return False
    found = _activities_of(env, model, ids, act_type_xmlids, user_id)
    if found:
        mail.mark_done(env, found, feedback)
    return True


def activity_unlink(env, model, ids, act_type_xmlids, user_id=None):
    if env.context.get("mail_activity_automation_skip"):
        return False
    env.unlink("mail.activity", _activities_of(env, model, ids, act_type_xmlids, user_id))
    return True


def message_subscribe(env, model, ids, partner_ids=None, subtype_ids=None):
    return True


def thread_methods() -> dict:
    return {fn.__name__: fn for fn in (message_post, message_notify, activity_schedule, activity_feedback,
                                       activity_unlink, message_subscribe)}

