"""Writing to a record's chatter: the mail.message rows Odoo creates."""
from __future__ import annotations

from .. import errors


def post(env, model: str, rid: int, body, *, message_type: str = "notification",
         subtype_xmlid: str | None = "mail.mt_note", subtype_id=False, author_id=None,
         **extra) -> int:
    """Create a mail.message on ``model``/``rid``; ``body`` is already HTML (or empty)."""
    if not subtype_id and subtype_xmlid:
        subtype_id = env.ref_id(subtype_xmlid)
    vals = {
        "model": model,
        "res_id": rid,
        "body": body,
        "message_type": message_type,
        "subtype_id": subtype_id or False,
        "author_id": author_id if author_id is not None else env.user_partner(),
        "record_name": env.display_name(model, rid),
        "date": env.now(),
    }
    vals.update(extra)
    return env.create("mail.message", vals)


def ensure_one(model: str, ids) -> int:
    if len(ids) != 1:
        raise errors.value_error(f"Expected singleton: {errors.recordset_repr(model, ids)}")
    return ids[0]
