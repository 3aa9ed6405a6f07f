"""The chatter and timestamps Odoo writes by itself, as the sidecar meets them: on the double and
on a real Odoo 17 (messages are read back as the administrator unless the test says otherwise)."""
from __future__ import annotations

import datetime as dt

import pytest

from sidecar.odoo import OdooError

ODOO_SECONDS = "%Y-%m-%d %H:%M:%S"


@pytest.fixture
def quotation(odoo_seed):
    product = odoo_seed.product(cost=5.0, price=9.0, on_hand=4.0)
    return odoo_seed.quotation(odoo_seed.customer(), [(product, 1)], state="sent")


def tracking(odoo_seed, order_id) -> list:
    """(subtype, author, [(old, new)]) of the order's tracking messages, oldest first."""
    found = []
    for message in reversed(odoo_seed.messages(order_id, ["subtype_id", "author_id", "body",
                                                          "tracking_value_ids"])):
        if message["tracking_value_ids"]:
            values = odoo_seed.read("mail.tracking.value", message["tracking_value_ids"],
                                    ["old_value_char", "new_value_char"])
            found.append((message["subtype_id"][1], message["author_id"][0], message["body"],
                          [(v["old_value_char"], v["new_value_char"]) for v in values]))
    return found


def test_state_changes_leave_odoos_tracking_messages(gateway, odoo_seed, odoo_target, quotation):
    gateway.confirm_order(quotation)
    integration_partner = odoo_seed.read("res.users", [odoo_seed.user_id(odoo_target.login)],
                                         ["partner_id"])[0]["partner_id"][0]
    sent, confirmed = tracking(odoo_seed, quotation)
    assert (sent[0], sent[2], sent[3]) == ("Quotation sent", "", [("Quotation", "Quotation Sent")])
    assert confirmed == ("Sales Order Confirmed", integration_partner, "", [("Quotation Sent", "Sales Order")])


def test_tracking_values_are_for_administrators_only(gateway, odoo_seed, quotation, least_privilege):
    with pytest.raises(OdooError) as caught:
        gateway.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", quotation)],
                            ["tracking_value_ids"])
    assert (caught.value.category, caught.value.odoo_name) == ("access_denied", "odoo.exceptions.AccessError")
    assert gateway.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", quotation)],
                               ["body"])  # the chatter itself stays readable


def test_assigning_someone_else_posts_a_notification_only_author_and_assignee_see(gateway, odoo_seed, quotation,
                                                                                   least_privilege):
    demo = odoo_seed.user_id("demo")
    gateway.schedule_activity("sale.order", quotation, user_id=demo, summary="Approve release",
                              note_html="<p>Please approve</p>", deadline="2030-01-31")
    mine = gateway.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", quotation),
                                                ("message_type", "=", "user_notification")], ["body", "partner_ids"])
    assert len(mine) == 1
    body = mine[0]["body"]
    assert "has just assigned you the following activity" in body
    assert "<li>Summary: <span>Approve release</span></li>" in body and "01/31/2030" in body
    assert "Please approve" not in body  # the note is not repeated: a ref in it matches no message
    demo_partner = odoo_seed.read("res.users", [demo], ["partner_id"])[0]["partner_id"][0]
    assert mine[0]["partner_ids"] == [demo_partner]
    assert odoo_seed.search_read("mail.message", [("id", "=", mine[0]["id"])], ["id"]) == []  # admin: not his


def test_html_bodies_are_sanitised_like_odoo(gateway, quotation):
    message = gateway.post_note("sale.order", quotation, "<p>first<br/>second <b>bold</b></p><div>Ref: x</div>")
    body = gateway.read("mail.message", [message], ["body"])[0]["body"]
    assert body == "<p>first<br>second <b>bold</b></p><div>Ref: x</div>"


def test_write_date_keeps_microseconds_that_read_does_not_show(gateway, quotation):
    gateway.execute("sale.order", "write", [quotation], {"note": "touched"})
    seen = gateway.read("sale.order", [quotation], ["write_date"])[0]["write_date"]
    assert dt.datetime.strptime(seen, ODOO_SECONDS)  # whole seconds on the wire
    next_second = (dt.datetime.strptime(seen, ODOO_SECONDS) + dt.timedelta(seconds=1)).strftime(ODOO_SECONDS)
    here = [("id", "=", quotation)]
    assert gateway.execute("sale.order", "search", here + [("write_date", "<", next_second)]) == [quotation]
    # stored with microseconds: "<= what read showed" misses it (unless written at .000000 exactly)
    assert gateway.execute("sale.order", "search", here + [("write_date", "<=", seen)]) == []


def test_html_from_a_user_who_is_not_internal_is_escaped(odoo_double):
    """mail_thread.message_post honours body_is_html only for base.group_user (D6)."""
    from tests.odoo_double import security
    from tests.odoo_double.models.mail_thread import message_post
    env = odoo_double.env()
    with env.db.transaction():
        portal = env.create("res.users", {"login": "portal-user", "email": "p@example.com",
                                          "groups_id": [(6, 0, [env.ref_id(security.PORTAL)])]})
        internal = message_post(env, "res.partner", [9], body="<b>hi</b>", body_is_html=True)
        external = message_post(env.__class__(env.registry, env.db, portal), "res.partner", [9],
                                body="<b>hi</b>", body_is_html=True)
    assert env.get("res.users", portal, "share") is True
    assert env.get("mail.message", internal, "body") == "<p><b>hi</b></p>"
    assert env.get("mail.message", external, "body") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"
