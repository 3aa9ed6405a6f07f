"""Decisions taken in Odoo: an approver marks the approval's activity done, a scheduled pull records it.

Odoo 17 deletes a done To-Do and posts a "<type> done" note in the chatter, authored by the user
who marked it and quoting the activity's note, which carries our reference. The pull finds those
notes for the open tiers' activities and records an approval by that user through the same checks
as the API (eligibility, segregation of duties, one tier per person). A refused one is said in the
chatter and audited once; the approver must then use their link.
"""
from __future__ import annotations

import re

from sidecar.errors import Conflict, Forbidden
from sidecar.flows import approvals, writebacks
from sidecar.odoo.writeback import CHATTER_OF, carries_ref
from sidecar.services import Services
from sidecar.store import audit, releases
from sidecar.store.records import MAX_PAGE
from sidecar.values import m2o_id

CHANNEL = "odoo_activity"
MODEL = "sale.order"  # a decision's document model when the release row does not name one


def _feedback(body: str) -> str | None:
    """The feedback the approver typed when marking done (the div after the "done" line), as text."""
    match = re.search(r"</p>\s*<div>(.*?)</div>", body or "", re.S)
    if not match or "o_mail_note_title" in match.group(1):
        return None
    return re.sub(r"<br\s*/?>", "\n", match.group(1)).strip() or None


def _watched(services: Services) -> list[tuple[dict, dict, int, str]]:
    """(approval, release, tier index, activity ref) of every open tier with an Odoo activity."""
    found = []
    with services.db.read() as conn:
        for approval in releases.list_approvals(conn, releases.PENDING, MAX_PAGE):
            release = releases.get_release(conn, approval["release_id"])
            for index, tier in enumerate(releases.tiers_of(approval)):
                if tier["status"] == releases.TIER_OPEN and tier.get("activity_ref"):
                    found.append((approval, release, index, tier["activity_ref"]))
    return found


def _refused(services: Services, approval: dict, release: dict, index: int, login: str, message_id: int,
             error: Exception) -> None:
    """Say once, in the chatter and the audit log, why a done activity was not taken as a decision."""
    with services.db.transaction() as conn:
        current = releases.get_approval(conn, approval["id"])
        tiers = [dict(t) for t in releases.tiers_of(current)]
        tiers[index]["ignored_messages"] = tiers[index].get("ignored_messages", []) + [message_id]
        releases.set_tiers(conn, current["id"], current["generation"], tiers)
        reason = getattr(error, "message", str(error))
        writebacks.queue(conn, release["id"], f"activity-refused-{message_id}", [("post_message", {
            "order_id": release["order_id"],
            "body": f"{login} marked the approval activity done, but it was not taken as an approval: {reason}"})],
            services.settings.max_attempts)
        audit.append(conn, "approval.refused", approval["id"], {
            "code": getattr(error, "code", None), "message": reason, "via": CHANNEL, "odoo_message_id": message_id},
            actor=login)


def _thread(release: dict) -> tuple[str, int]:
    """Where the decision's activity is: on its document, or (a model without chatter) on the record CHATTER_OF names."""
    model = release.get("model") or MODEL
    if model not in CHATTER_OF:
        return model, release["order_id"]
    target, field = CHATTER_OF[model]
    return target, writebacks.document_of(release).get(field)


def pull(services: Services) -> dict:
    """Record the approvals given by marking activities done in Odoo since the last pull; what was found."""
    watched = _watched(services)
    by_model: dict[str, list[int]] = {}
    for _approval, release, _index, _ref in watched:
        model, res_id = _thread(release)
        by_model.setdefault(model, []).append(res_id)
    messages = [m for model, ids in by_model.items() for m in services.odoo.activity_done_messages(model, ids)]
    logins = services.odoo.logins_of_partners([m2o_id(m["author_id"]) for m in messages])
    items = []
    for approval, release, index, ref in watched:
        ignored = set(releases.tiers_of(approval)[index].get("ignored_messages", []))
        for message in messages:
            if message["res_id"] != _thread(release)[1] or message["id"] in ignored \
                    or not carries_ref(message.get("body"), ref):
                continue
            login = logins.get(m2o_id(message["author_id"]))
            if not login or login.casefold() == services.settings.odoo_user.casefold():
                continue  # our own close_activity, or an author who is no user
            try:
                answer = approvals.record_vote(
                    services, approval["id"], approver=login, decision="approve", comment=_feedback(message["body"]),
                    proof=f"odoo-message:{message['id']}", generation=None, tier=index, via=CHANNEL)
            except (Forbidden, Conflict) as err:
                _refused(services, approval, release, index, login, message["id"], err)
                items.append({"approval_id": approval["id"], "tier": index, "approver": login, "recorded": False,
                              "code": err.code, "message": err.message})
                continue
            items.append({"approval_id": approval["id"], "tier": index, "approver": login, "recorded": True,
                          "status": answer["approval"]["status"]})
    return {"items": items}
