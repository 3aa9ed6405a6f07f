"""The customer's notice of a delivered parcel, or of one the carrier reports a problem with: a message
on the delivery's sale order, addressed to its customer (Odoo sends it as it sends every message to a
partner, by email), once per parcel and status.

It is posted with the tracking write-back, in the same job: a note already carrying the notice's ref
means an earlier run posted it, so a replay, or a carrier sending the same status again with a later
time, tells the customer nothing twice.
"""
from __future__ import annotations

import html

from sidecar.odoo import batch
from sidecar.odoo.gateway import OdooGateway, record_id_from
from sidecar.values import m2o_id

NOTICE_STATUSES = ("delivered", "exception")
ORDER, MESSAGE = "sale.order", "mail.message"
COMMENT_SUBTYPE = "mail.mt_comment"  # a message (not an internal note): Odoo notifies its recipients
RPC_COUNT = 2  # the orders and their earlier notices; then one message_post per notice


def notice_ref(item: dict) -> str:
    """One notice per parcel and status, whatever time the carrier gives it."""
    return f"notice:{item['carrier']}:{item['tracking_code']}:{item['status']}"


def notice_text(item: dict, order_name: str) -> str:
    """What the customer reads, ending with the notice's ref."""
    parcel = f"{item['carrier']} tracking {item['tracking_code']}"
    if item["status"] == "delivered":
        when = f" on {item['at']} UTC" if item.get("at") else ""
        lines = [f"Your order {order_name} was delivered{when} ({parcel})."]
        if item.get("message"):
            lines.append(f"The carrier says: {item['message']}")
    else:
        lines = [f"There is a problem with the delivery of your order {order_name} ({parcel})."]
        if item.get("message"):
            lines.append(f"The carrier says: {item['message']}")
        lines.append("We are looking into it and will get back to you.")
    return "\n".join(lines) + f"\n\nRef: {notice_ref(item)}"


def notify_customers(gateway: OdooGateway, items: list[dict], deliveries: dict[str, dict]) -> dict[str, int | None]:
    """Post each delivered / exception notice not posted yet on its sale order to the order's customer;
    ref -> the mail.message id. Deliveries without a sale order (a manual transfer) get none."""
    wanted = [(item, m2o_id(deliveries[item["ref"]].get("sale_id"))) for item in items
              if item["status"] in NOTICE_STATUSES]
    wanted = [(item, order_id) for item, order_id in wanted if order_id]
    if not wanted:
        return {}
    order_ids = sorted({order_id for _item, order_id in wanted})
    orders = {row["id"]: row for row in batch.read_many(gateway, ORDER, [("id", "in", order_ids)],
                                                         ["name", "partner_id"])}
    posted = batch.read_many(gateway, MESSAGE, [("model", "=", ORDER), ("res_id", "in", order_ids),
                                                ("body", "ilike", "Ref: notice:")], ["res_id", "body"])
    seen = {(m["res_id"], ref) for m in posted for ref in _refs(m["body"])}
    notices = {}
    for item, order_id in wanted:
        ref, order = notice_ref(item), orders.get(order_id)
        if order is None or (order_id, ref) in seen:
            continue
        body = "<p>" + "<br/>".join(html.escape(line, quote=False)
                                    for line in notice_text(item, order["name"]).split("\n")) + "</p>"
        # Odoo's message_post takes one record; the customer as recipient makes Odoo send it to them.
        notices[ref] = record_id_from(gateway.execute(
            ORDER, "message_post", [order_id], body=body, body_is_html=True, message_type="comment",
            subtype_xmlid=COMMENT_SUBTYPE, partner_ids=[m2o_id(order["partner_id"])]))
        seen.add((order_id, ref))
    return notices


def _refs(body) -> list[str]:
    """The notice refs a stored message carries ('Ref: notice:...' up to the end of its paragraph)."""
    text = html.unescape(str(body or ""))
    return [part.split("<")[0].strip() for part in text.split("Ref: ")[1:]]
