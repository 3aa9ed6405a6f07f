"""Write-back operations: each one takes effect once, however often the outbox runs it."""
from __future__ import annotations

import re
import time
import uuid

import pytest

from sidecar.odoo import OdooError, OdooGateway
from sidecar.odoo import writeback
from sidecar.odoo.writeback import carries_ref, text_to_html, with_ref

# -- pure helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, html", [
    ("Approved", "<p>Approved</p>"),
    ("line 1\nline 2", "<p>line 1<br/>line 2</p>"),
    ("a\r\nb", "<p>a<br/>b</p>"),
    ("<script>alert('x')</script> & co", "<p>&lt;script&gt;alert('x')&lt;/script&gt; &amp; co</p>"),
])
def test_text_to_html(text, html):
    assert text_to_html(text) == html


def test_with_ref_ends_the_text_with_a_visible_reference_line():
    assert with_ref("Release approved\n", "rel-3f2a/post_message") == "Release approved\n\nRef: rel-3f2a/post_message"
    assert with_ref("", "rel-1/x") == "Ref: rel-1/x"


@pytest.mark.parametrize("stored, ref, expected", [
    ("<p>Approved<br>Ref: rel-3f2a/post_message</p>", "rel-3f2a/post_message", True),
    ("<p>Approved<br/><br/>Ref: rel-3f2a/post_message</p>", "rel-3f2a/post_message", True),
    ("<p>Ref: rel-3f2a/post_message-2</p>", "rel-3f2a/post_message", False),
    ("<p>Ref: rel-3f2a/post_message.v2</p>", "rel-3f2a/post_message", False),
    ("<p>Ref: rel-3f2a</p>", "rel-3f2a/post_message", False),
    ("<p>Ref: a&amp;b</p>", "a&b", True),
    (False, "rel-1", False),
    ("", "rel-1", False),
])
def test_carries_ref(stored, ref, expected):
    assert carries_ref(stored, ref) is expected


# -- branches a real server rarely shows, with a scripted gateway ------------------------------


class ScriptedGateway:
    """Stands in for OdooGateway: answers from a script, records the write calls."""

    def __init__(self, states=("draft",), confirm=None, cancel=True, activities=(), feedback=None, messages=(),
                 order=None):
        self.order = order or {"write_date": "2026-11-25 02:10:11.123456", "amount_total": 230.0}
        self.reads = []
        self.states = list(states)
        self.confirm = confirm
        self.cancel = cancel
        self.activities = list(activities)
        self.feedback = feedback
        self.messages = list(messages)
        self.writes = []

    def order_state(self, order_id):
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def search_read(self, model, domain, fields, limit=0, order=None, context=None):
        self.reads.append((model, domain, tuple(fields), context))
        return [{"id": domain[0][2], "state": self.order_state(domain[0][2]), **self.order}]

    def confirm_order(self, order_id, company_id=None):
        self.writes.append("action_confirm")
        self.company_id = company_id
        if isinstance(self.confirm, Exception):
            raise self.confirm
        return True

    def cancel_order(self, order_id, skip_warning=False, company_id=None):
        self.writes.append("action_cancel, skip warning" if skip_warning else "action_cancel")
        self.company_id = company_id
        return self.cancel

    def withdraw_submission(self, order_id, tag_name):
        self.withdrawn = tag_name
        return True

    def find_activities(self, model, res_id, text, include_done=False):
        return self.activities

    def find_messages(self, model, res_id, text):
        return self.messages

    def user_id_for_login(self, login):
        return 2 if login == "admin" else None

    def schedule_activity(self, model, res_id, **kwargs):
        self.writes.append("activity_schedule")
        return None

    def activity_feedback(self, activity_id, feedback):
        self.writes.append("action_feedback")
        if isinstance(self.feedback, Exception):
            raise self.feedback
        return 300


ALREADY_CONFIRMED = OdooError("validation_error", "The following orders are not in a state requiring "
                              "confirmation: S00028", odoo_name="odoo.exceptions.UserError")


def test_confirm_treats_odoos_already_confirmed_answer_as_done():
    gateway = ScriptedGateway(states=["sent", "sale"], confirm=ALREADY_CONFIRMED)
    assert writeback.confirm_order(gateway, {"order_id": 28})["effect"] == "already_done"


def test_confirm_already_confirmed_answer_but_cancelled_meanwhile_is_a_conflict():
    gateway = ScriptedGateway(states=["sent", "cancel"], confirm=ALREADY_CONFIRMED)
    with pytest.raises(OdooError) as caught:
        writeback.confirm_order(gateway, {"order_id": 28})
    assert (caught.value.category, caught.value.retryable) == ("state_conflict", False)


def test_confirm_passes_other_validation_errors_on():
    refusal = OdooError("validation_error", "A product is missing a route", odoo_name="odoo.exceptions.UserError")
    with pytest.raises(OdooError) as caught:
        writeback.confirm_order(ScriptedGateway(states=["sent"], confirm=refusal), {"order_id": 28})
    assert caught.value is refusal


def test_cancel_that_opens_a_wizard_is_a_conflict():
    wizard = {"type": "ir.actions.act_window", "res_model": "sale.order.cancel"}
    gateway = ScriptedGateway(states=["draft", "sale"], cancel=wizard)
    with pytest.raises(OdooError) as caught:
        writeback.cancel_order(gateway, {"order_id": 28})
    assert caught.value.category == "state_conflict"


@pytest.mark.parametrize("state, write", [
    ("draft", "action_cancel"),
    ("sent", "action_cancel, skip warning"),  # Odoo 17 opens its cancel wizard for anything past draft
])
def test_cancel_skips_odoos_warning_only_for_a_sent_quotation(state, write):
    gateway = ScriptedGateway(states=[state])
    assert writeback.cancel_order(gateway, {"order_id": 28})["effect"] == "applied"
    assert gateway.writes == [write]


DECIDED = {"write_date": "2026-11-25 02:10:11.123456", "amount_total": 230.0, "company_id": 3}


@pytest.mark.parametrize("operation, write", [("confirm_order", "action_confirm"), ("cancel_order", "action_cancel")])
def test_an_order_still_as_decided_is_acted_on_reading_in_its_company(operation, write):
    gateway = ScriptedGateway(states=["draft"])
    assert writeback.run(gateway, operation, {"order_id": 28, "decided_on": DECIDED})["effect"] == "applied"
    assert gateway.writes == [write] and gateway.company_id == 3  # written in the order's company too
    assert gateway.reads == [("sale.order", [("id", "=", 28)], ("state", "write_date", "amount_total"),
                              {"allowed_company_ids": [3]})]


@pytest.mark.parametrize("operation", ["confirm_order", "cancel_order"])
@pytest.mark.parametrize("changed", [
    {"write_date": "2026-11-25 02:10:11.123457", "amount_total": 230.0},  # microseconds count
    {"write_date": "2026-11-25 02:10:11.123456", "amount_total": 230.01},
])
def test_an_order_changed_since_the_decision_is_not_touched(operation, changed):
    gateway = ScriptedGateway(states=["sent"], order=changed)
    with pytest.raises(writeback.Superseded) as caught:
        writeback.run(gateway, operation, {"order_id": 28, "decided_on": DECIDED})
    assert gateway.writes == []
    assert caught.value.decided == {"write_date": DECIDED["write_date"], "amount_total": 230.0}
    assert caught.value.current == changed


@pytest.mark.parametrize("operation, state", [("confirm_order", "sale"), ("cancel_order", "cancel")])
def test_an_order_already_in_the_wanted_state_is_done_whatever_changed(operation, state):
    gateway = ScriptedGateway(states=[state], order={"write_date": "2030-01-01 00:00:00", "amount_total": 1.0})
    assert writeback.run(gateway, operation, {"order_id": 28, "decided_on": DECIDED})["effect"] == "already_done"


def test_schedule_finds_the_new_activity_when_odoo_returns_no_id():
    created = {"id": 19, "note": "<p>Check margin<br><br>Ref: rel-1/activity</p>"}

    class Gateway(ScriptedGateway):
        def find_activities(self, model, res_id, text, include_done=False):
            return [created] if self.writes else []

    result = writeback.schedule_activity(Gateway(), {
        "order_id": 28, "assignee_login": "admin", "summary": "Approve", "note": "Check margin",
        "deadline": "2026-11-25", "ref": "rel-1/activity"})
    assert (result["effect"], result["activity_id"]) == ("applied", 19)


def test_schedule_of_an_activity_done_and_gone_is_already_done():
    gateway = ScriptedGateway(messages=[{"id": 7, "body": "<p>To-Do done: Approve</p><div>Ref: rel-1/activity</div>"}])
    result = writeback.schedule_activity(gateway, {
        "order_id": 28, "assignee_login": "admin", "summary": "Approve", "deadline": "2026-11-25",
        "ref": "rel-1/activity"})
    assert result["effect"] == "already_done"
    assert gateway.writes == []


def test_close_of_an_activity_that_vanished_meanwhile_is_already_done():
    gateway = ScriptedGateway(activities=[{"id": 19, "note": "<p>Ref: rel-1/activity</p>"}],
                              feedback=OdooError("record_missing", "Record does not exist or has been deleted."))
    result = writeback.close_activity(gateway, {"order_id": 28, "ref": "rel-1/activity", "feedback": "ok"})
    assert (result["effect"], result["activity_id"]) == ("already_done", 19)


@pytest.mark.parametrize("operation, payload", [
    ("confirm_order", {}),
    ("confirm_order", {"order_id": "28"}),
    ("confirm_order", {"order_id": True}),
    ("post_message", {"order_id": 28, "body": "x"}),
    ("schedule_activity", {"order_id": 28, "assignee_login": "admin", "summary": "s", "deadline": "25/11/2026",
                           "ref": "r"}),
    ("schedule_activity", {"order_id": 28, "assignee_login": "nobody", "summary": "s", "deadline": "2026-11-25",
                           "ref": "r"}),
    ("close_activity", {"order_id": 28}),
])
def test_bad_payloads_are_permanent_validation_errors(operation, payload):
    gateway = ScriptedGateway()
    with pytest.raises(OdooError) as caught:
        writeback.run(gateway, operation, payload)
    assert (caught.value.category, caught.value.retryable) == ("validation_error", False)
    assert gateway.writes == []


def test_registry():
    assert set(writeback.OPERATIONS) == {
        "confirm_order", "cancel_order", "post_message", "schedule_activity", "close_activity", "notify_approver",
        "approve_purchase", "cancel_purchase", "apply_inventory", "reset_inventory_count", "post_bill",
        "create_return", "create_credit_note", "confirm_rfq", "cancel_rfq", "close_procurement_check",
        "write_price", "clear_match_request", "create_transfer", "create_rfq",
        "sync_orders", "sync_prices", "sync_stock", "sync_receipts", "sync_tracking"}
    assert set(writeback.RPC_COUNT) == set(writeback.OPERATIONS)
    with pytest.raises(writeback.UnknownOperation):
        writeback.run(ScriptedGateway(), "delete_everything", {})


# -- against Odoo (the protocol double, or a real Odoo 17 when ODOO_URL is set) ----------------


@pytest.fixture
def quotation(odoo_seed):
    """Makes a quotation in the given state: a customer buying one product."""
    def make(state="sent"):
        product = odoo_seed.product(cost=40.0, price=100.0)
        return odoo_seed.quotation(odoo_seed.customer(), lines=[(product, 2.0, 100.0)], state=state)
    return make


def unique_ref(operation: str) -> str:
    return f"rel-{uuid.uuid4().hex[:8]}/{operation}"


def confirmations(odoo_seed, order_id: int) -> list:
    return [m for m in odoo_seed.messages(order_id)
            if m["subtype_id"] and m["subtype_id"][1] == "Sales Order Confirmed"]


def with_ref_in(records: list, field: str, ref: str) -> list:
    return [r for r in records if carries_ref(r[field], ref)]


def test_confirm_twice_confirms_once(gateway, odoo_seed, quotation):
    order_id = quotation("sent")
    first = writeback.run(gateway, "confirm_order", {"order_id": order_id})
    second = writeback.run(gateway, "confirm_order", {"order_id": order_id})
    assert (first["effect"], second["effect"]) == ("applied", "already_done")
    assert odoo_seed.order_state(order_id) == "sale"
    assert len(confirmations(odoo_seed, order_id)) == 1


def test_confirm_after_a_lost_answer_is_already_done(gateway, odoo_seed, quotation):
    order_id = quotation("draft")
    gateway.confirm_order(order_id)  # Odoo did it; the worker never heard back
    assert writeback.confirm_order(gateway, {"order_id": order_id})["effect"] == "already_done"
    assert len(confirmations(odoo_seed, order_id)) == 1


def test_confirm_a_cancelled_order_is_a_permanent_conflict(gateway, odoo_seed, quotation):
    order_id = quotation("cancel")
    with pytest.raises(OdooError) as caught:
        writeback.confirm_order(gateway, {"order_id": order_id})
    assert (caught.value.category, caught.value.retryable) == ("state_conflict", False)
    assert odoo_seed.order_state(order_id) == "cancel"


def test_confirm_a_missing_order(gateway):
    with pytest.raises(OdooError) as caught:
        writeback.confirm_order(gateway, {"order_id": 987654321})
    assert (caught.value.category, caught.value.retryable) == ("record_missing", False)


@pytest.mark.parametrize("state", ["draft", "sent"])
def test_cancel_twice_cancels_once(gateway, odoo_seed, quotation, state):
    order_id = quotation(state)
    first = writeback.run(gateway, "cancel_order", {"order_id": order_id})
    second = writeback.run(gateway, "cancel_order", {"order_id": order_id})
    assert (first["effect"], second["effect"]) == ("applied", "already_done")
    assert odoo_seed.order_state(order_id) == "cancel"


def test_a_confirmed_order_is_never_cancelled(gateway, odoo_seed, quotation):
    order_id = quotation("sale")
    with pytest.raises(OdooError) as caught:
        writeback.cancel_order(gateway, {"order_id": order_id})
    assert (caught.value.category, caught.value.retryable) == ("state_conflict", False)
    assert odoo_seed.order_state(order_id) == "sale"


def test_post_message_twice_posts_one_note(gateway, odoo_seed, quotation):
    order_id = quotation()
    ref = unique_ref("post_message")
    payload = {"order_id": order_id, "body": "Release approved: margin 8% < 15%\nApprover: <Jane & co>", "ref": ref}
    first = writeback.run(gateway, "post_message", payload)
    second = writeback.run(gateway, "post_message", payload)
    assert (first["effect"], second["effect"]) == ("applied", "already_done")
    assert first["message_id"] == second["message_id"]
    notes = with_ref_in(odoo_seed.messages(order_id), "body", ref)
    assert [note["id"] for note in notes] == [first["message_id"]]
    note = notes[0]
    assert (note["message_type"], note["subtype_id"][1]) == ("comment", "Note")
    assert "&lt;Jane &amp; co&gt;" in note["body"] and "<Jane" not in note["body"]
    assert re.search(r"<br\s*/?>", note["body"])
    assert f"Ref: {ref}" in note["body"]


def test_post_message_after_a_lost_answer_is_already_done(gateway, odoo_seed, quotation):
    order_id = quotation()
    ref = unique_ref("post_message")
    message_id = gateway.post_note("sale.order", order_id, text_to_html(with_ref("Approved", ref)))
    result = writeback.post_message(gateway, {"order_id": order_id, "body": "Approved", "ref": ref})
    assert (result["effect"], result["message_id"]) == ("already_done", message_id)
    assert len(with_ref_in(odoo_seed.messages(order_id), "body", ref)) == 1


def test_a_longer_ref_is_another_note(gateway, odoo_seed, quotation):
    order_id = quotation()
    ref = unique_ref("post_message")
    writeback.post_message(gateway, {"order_id": order_id, "body": "second", "ref": ref + "-2"})
    assert writeback.post_message(gateway, {"order_id": order_id, "body": "first", "ref": ref})["effect"] == "applied"
    assert len(with_ref_in(odoo_seed.messages(order_id), "body", ref)) == 1


def test_post_message_on_a_missing_order(gateway):
    with pytest.raises(OdooError) as caught:
        writeback.post_message(gateway, {"order_id": 987654321, "body": "x", "ref": unique_ref("post_message")})
    assert caught.value.category == "record_missing"


def activity_payload(order_id: int, login: str, ref: str) -> dict:
    return {"order_id": order_id, "assignee_login": login, "summary": "Approve release",
            "note": "Margin below threshold", "deadline": "2030-11-25", "ref": ref}


def test_schedule_activity_twice_schedules_one(gateway, odoo_target, odoo_seed, quotation):
    order_id = quotation()
    ref = unique_ref("schedule_activity")
    payload = activity_payload(order_id, odoo_target.login, ref)
    first = writeback.run(gateway, "schedule_activity", payload)
    second = writeback.run(gateway, "schedule_activity", payload)
    assert (first["effect"], second["effect"]) == ("applied", "already_done")
    assert isinstance(first["activity_id"], int) and first["activity_id"] == second["activity_id"]
    activities = with_ref_in(odoo_seed.activities(order_id), "note", ref)
    assert [a["id"] for a in activities] == [first["activity_id"]]
    activity = activities[0]
    assert activity["user_id"][0] == odoo_seed.user_id(odoo_target.login)
    assert (activity["summary"], activity["date_deadline"], activity["activity_type_id"][1]) == (
        "Approve release", "2030-11-25", "To-Do")
    assert "Margin below threshold" in activity["note"]


def test_schedule_for_an_unknown_login_is_a_validation_error(gateway, quotation):
    payload = activity_payload(quotation(), "nobody@example.invalid", unique_ref("schedule_activity"))
    with pytest.raises(OdooError) as caught:
        writeback.schedule_activity(gateway, payload)
    assert (caught.value.category, caught.value.retryable) == ("validation_error", False)


def test_close_activity_twice_closes_once_and_scheduling_stays_done(gateway, odoo_target, odoo_seed, quotation):
    order_id = quotation()
    ref = unique_ref("schedule_activity")
    scheduled = writeback.schedule_activity(gateway, activity_payload(order_id, odoo_target.login, ref))
    close = {"order_id": order_id, "ref": ref, "feedback": "Approved by Jane"}
    first = writeback.run(gateway, "close_activity", close)
    second = writeback.run(gateway, "close_activity", close)
    assert (first["effect"], second["effect"]) == ("applied", "already_done")
    assert first["activity_id"] == scheduled["activity_id"]
    open_ones = [a for a in with_ref_in(odoo_seed.activities(order_id), "note", ref) if a["active"]]
    assert open_ones == []
    done_notes = [m for m in with_ref_in(odoo_seed.messages(order_id), "body", ref) if m["mail_activity_type_id"]]
    assert len(done_notes) == 1 and "Approved by Jane" in done_notes[0]["body"]
    replay = writeback.schedule_activity(gateway, activity_payload(order_id, odoo_target.login, ref))
    assert replay["effect"] == "already_done"
    assert [a for a in with_ref_in(odoo_seed.activities(order_id), "note", ref) if a["active"]] == []


class ClosedMeanwhile:
    """The real gateway, except that the activity is marked done by someone else in Odoo between
    the sidecar finding it open and giving its feedback (Odoo then deletes it)."""

    def __init__(self, gateway, odoo_seed):
        self._gateway, self._seed = gateway, odoo_seed

    def __getattr__(self, name):
        return getattr(self._gateway, name)

    def activity_feedback(self, activity_id, feedback):
        self._seed.call("mail.activity", "action_feedback", [activity_id], feedback="done by a colleague")
        return self._gateway.activity_feedback(activity_id, feedback)


def test_close_of_an_activity_closed_meanwhile_in_odoo_is_already_done(gateway, odoo_target, odoo_seed, quotation):
    """The MissingError branch, with the error Odoo itself raises for a deleted activity (T7)."""
    order_id = quotation()
    ref = unique_ref("schedule_activity")
    scheduled = writeback.schedule_activity(gateway, activity_payload(order_id, odoo_target.login, ref))
    close = {"order_id": order_id, "ref": ref, "feedback": "Approved by Jane"}
    result = writeback.close_activity(ClosedMeanwhile(gateway, odoo_seed), close)
    assert (result["effect"], result["activity_id"]) == ("already_done", scheduled["activity_id"])
    done_notes = [m for m in odoo_seed.messages(order_id) if m["mail_activity_type_id"]]
    assert len(done_notes) == 1 and "done by a colleague" in done_notes[0]["body"]


def test_close_without_any_activity_is_already_done(gateway, quotation):
    result = writeback.close_activity(gateway, {"order_id": quotation(), "ref": unique_ref("x"), "feedback": ""})
    assert result["effect"] == "already_done"


def test_odoo_down_is_a_retryable_unreachable_error(odoo_target, odoo_proxy, odoo_seed, quotation):
    order_id = quotation()
    # refused at once while down; a loaded real Odoo may take seconds to log in once back
    gw = OdooGateway(odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password, timeout=10.0)
    ref = unique_ref("post_message")
    try:
        odoo_proxy.go_down()
        with pytest.raises(OdooError) as caught:
            writeback.run(gw, "post_message", {"order_id": order_id, "body": "x", "ref": ref})
        assert (caught.value.category, caught.value.retryable) == ("odoo_unreachable", True)
        odoo_proxy.come_up()
        assert writeback.run(gw, "post_message", {"order_id": order_id, "body": "x", "ref": ref})["effect"] == "applied"
        assert writeback.run(gw, "confirm_order", {"order_id": order_id})["effect"] == "applied"
    finally:
        odoo_proxy.come_up()
        gw.close()
    assert odoo_seed.order_state(order_id) == "sale"


def test_a_server_failure_during_confirm_is_retryable_and_the_retry_confirms_once(gateway, odoo_double, odoo_seed,
                                                                                  quotation):
    order_id = quotation()
    before = len(odoo_double.calls_to("sale.order", "action_confirm"))
    odoo_double.fail_next("sale.order", "action_confirm", "psycopg2.errors.SerializationFailure",
                          "could not serialize access due to concurrent update")
    with pytest.raises(OdooError) as caught:
        writeback.confirm_order(gateway, {"order_id": order_id})
    assert (caught.value.category, caught.value.retryable) == ("odoo_error", True)
    assert writeback.confirm_order(gateway, {"order_id": order_id})["effect"] == "applied"
    assert len(odoo_double.calls_to("sale.order", "action_confirm")) - before == 2  # the failed one, the retry
    assert len(confirmations(odoo_seed, order_id)) == 1


def test_confirm_refuses_an_order_changed_since_it_was_read(gateway, odoo_seed, quotation):
    order_id = quotation("sent")

    def as_read():
        [order] = odoo_seed.read("sale.order", [order_id], ["write_date", "amount_total", "company_id", "order_line"])
        return order, {"write_date": order["write_date"], "amount_total": order["amount_total"],
                       "company_id": order["company_id"][0]}

    order, decided = as_read()
    time.sleep(1.05)  # read() answers write_date in whole seconds, on Odoo as on the double
    odoo_seed.call("sale.order.line", "write", order["order_line"][:1], {"product_uom_qty": 3.0})
    with pytest.raises(writeback.Superseded) as caught:
        writeback.confirm_order(gateway, {"order_id": order_id, "decided_on": decided})
    assert caught.value.current["write_date"] != decided["write_date"]
    assert odoo_seed.order_state(order_id) == "sent"
    _, decided_again = as_read()
    result = writeback.confirm_order(gateway, {"order_id": order_id, "decided_on": decided_again})
    assert result["effect"] == "applied" and odoo_seed.order_state(order_id) == "sale"


@pytest.mark.parametrize("due_at, tz, deadline", [
    ("2030-11-24T20:00:00Z", "Pacific/Auckland", "2030-11-25"),   # 09:00 on the 25th there, the 24th in UTC
    ("2030-11-25T03:00:00Z", "America/Los_Angeles", "2030-11-24"),
    ("2030-11-24T20:00:00Z", False, "2030-11-24"),
])
def test_the_deadline_is_the_due_date_in_the_assignees_time_zone(gateway, odoo_target, odoo_seed, quotation,
                                                                  due_at, tz, deadline):
    """Odoo shows an activity's date_deadline, and computes whether it is late, in the assignee's time zone."""
    uid = odoo_seed.user_id(odoo_target.login)
    before = odoo_seed.read("res.users", uid, ["tz"])[0]["tz"]
    odoo_seed.call("res.users", "write", [uid], {"tz": tz})
    try:
        order_id, ref = quotation(), unique_ref("schedule_activity")
        payload = dict(activity_payload(order_id, odoo_target.login, ref), due_at=due_at)
        assert writeback.schedule_activity(gateway, payload)["effect"] == "applied"
        activity = with_ref_in(odoo_seed.activities(order_id), "note", ref)[0]
        assert activity["date_deadline"] == deadline
    finally:
        odoo_seed.call("res.users", "write", [uid], {"tz": before})


def test_an_order_of_another_company_is_confirmed_in_that_company(gateway, odoo_seed):
    """The decision saw the order in its own company; the confirm runs there (its delivery too)."""
    company = odoo_seed.other_company_id()
    service = odoo_seed.product(cost=10.0, price=100.0, storable=False)
    order_id = odoo_seed.quotation(odoo_seed.customer(), [(service, 1, 100.0)], state="sent", company_id=company)
    [order] = odoo_seed.read("sale.order", [order_id], ["write_date", "amount_total"], company_id=company)
    decided = {"write_date": order["write_date"], "amount_total": order["amount_total"], "company_id": company}
    assert writeback.confirm_order(gateway, {"order_id": order_id, "decided_on": decided})["effect"] == "applied"
    [after] = odoo_seed.read("sale.order", [order_id], ["state", "company_id"], company_id=company)
    assert after["state"] == "sale" and after["company_id"][0] == company
