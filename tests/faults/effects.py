"""Odoo's own record of what the sidecar did to each order, read back as an administrator: the order's
state, the double's log of confirmations and cancellations, and every reference line in its chatter
(notes, private notifications) and activities, counted. A write-back ends its text with 'Ref: <key>',
so a lost effect is a missing reference and a duplicated one a reference seen twice."""
from __future__ import annotations

import html
import re
from collections import Counter

from tests.support.odoo_seed import MESSAGE_FIELDS

REF = re.compile(r"Ref: ([\w./:@+-]+)")
RELEASE, APPROVE = "release", "approve"
# What one decision leaves in Odoo, by outcome (sidecar/flows/writebacks.py: the decision's note, then
# the confirmation, or the approver's activity and private notification).
EXPECTED = {RELEASE: {"state": "sale", "confirmations": 1, "refs": 1},
            APPROVE: {"state": "sent", "confirmations": 0, "refs": 3}}


def refs(text) -> list[str]:
    return REF.findall(html.unescape(text or ""))


def quotation(seed, outcome: str) -> int:
    """A sent quotation submitted for release that the demo policy releases (50 % margin) or sends for
    approval (5 % margin)."""
    product = seed.product(cost=100.0 if outcome == RELEASE else 190.0, price=200.0, on_hand=50.0)
    order_id = seed.quotation(seed.customer(), lines=[(product, 1, 200.0)], state="sent")
    seed.request_release(order_id)
    return order_id


def event(seed, order_id: int, suffix: str) -> dict:
    """The event n8n forwards for the body of Odoo's Automation Rule webhook on this order."""
    return {"id": f"odoo:sale.order:{order_id}:{suffix}", "type": "sale_order.release_requested",
            "source": "odoo", "data": seed.webhook_body(order_id)}


def of_order(seed, double, order_id: int) -> dict:
    """One order's effects as Odoo shows them."""
    messages = seed.messages(order_id, MESSAGE_FIELDS + ["message_type"])
    activities = seed.activities(order_id)
    seen = Counter(ref for m in messages for ref in refs(m.get("body")))
    seen.update(ref for a in activities for ref in refs(a.get("note")))
    seen.update(ref for body in private_notifications(double, order_id) for ref in refs(body))
    return {"state": seed.order_state(order_id),
            "confirmations": sum(1 for c in double.calls_to("sale.order", "action_confirm") if order_id in c[2][0]),
            "cancellations": sum(1 for c in double.calls_to("sale.order", "action_cancel") if order_id in c[2][0]),
            "refs": seen}


def private_notifications(double, order_id: int) -> list[str]:
    """Bodies of the order's user notifications: Odoo shows them to their author and recipients only (its
    mail.message rule), not to the administrator, so they are read from the double's data as the superuser."""
    env = double.env(uid=1)
    found = env.search("mail.message", [("model", "=", "sale.order"), ("res_id", "=", order_id),
                                        ("message_type", "=", "user_notification")])
    return [row["body"] for row in env.read("mail.message", found, ["body"])]


def problems(seed, double, outcomes: dict[int, str]) -> list:
    """Every order whose effects are not exactly one decision's: lost or duplicated, with what Odoo shows."""
    found = []
    for order_id, outcome in outcomes.items():
        effects, expected = of_order(seed, double, order_id), EXPECTED[outcome]
        twice = {ref: n for ref, n in effects["refs"].items() if n != 1}
        if (effects["state"], effects["confirmations"], effects["cancellations"], len(effects["refs"]), twice) != (
                expected["state"], expected["confirmations"], 0, expected["refs"], {}):
            found.append((order_id, outcome, effects))
    return found
