"""classify(): every way an Odoo call fails, mapped to a dead-letter category."""
from __future__ import annotations

import http.client
import json
import socket
import urllib.error

import odoorpc.error
import pytest

from sidecar.odoo.errors import CATEGORIES, CATEGORY_LABELS, OdooError, classify


def rpc_error(name: str, message: str, code: int = 200) -> odoorpc.error.RPCError:
    """An RPCError as odoorpc raises it from a JSON-RPC error answer (shape recorded from Odoo 17)."""
    info = {"code": code, "message": "Odoo Server Error",
            "data": {"name": name, "message": message, "arguments": [message], "context": {},
                     "debug": "Traceback (most recent call last): ... (trimmed)"}}
    return odoorpc.error.RPCError(message, info)


@pytest.mark.parametrize("name, message, category, retryable", [
    ("odoo.exceptions.AccessDenied", "Access Denied", "access_denied", False),
    ("odoo.exceptions.AccessError", "Private methods (such as _action_cancel) cannot be called remotely.",
     "access_denied", False),
    ("odoo.exceptions.ValidationError", "The operation cannot be completed:\n- Create/update: a mandatory "
     "field is not set.", "validation_error", False),
    ("odoo.exceptions.UserError", "The following orders are not in a state requiring confirmation: S00028",
     "validation_error", False),
    ("odoo.exceptions.UserError", "Object no.such.model doesn't exist", "validation_error", False),
    ("builtins.ValueError", "Invalid field 'margin' on model 'sale.order'", "validation_error", False),
    ("odoo.exceptions.MissingError", "Record does not exist or has been deleted.\n(Record: sale.order(999999,), "
     "User: 2)", "record_missing", False),
    ("builtins.AttributeError", "The method 'no_such_method' does not exist on the model 'sale.order'",
     "odoo_error", True),
    ("psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update",
     "odoo_error", True),
])
def test_odoo_server_errors(name, message, category, retryable):
    error = classify(rpc_error(name, message))
    assert (error.category, error.retryable, error.odoo_name) == (category, retryable, name)
    assert error.message == message


def test_session_expired_is_retried_on_a_new_login():
    error = classify(rpc_error("odoo.http.SessionExpiredException", "Session expired", code=100))
    assert error.retryable and error.reconnect
    assert error.odoo_name == "odoo.http.SessionExpiredException"


def test_refused_login_is_access_denied():
    error = classify(odoorpc.error.RPCError("Wrong login ID or password"))
    assert (error.category, error.retryable, error.reconnect) == ("access_denied", False, True)


def http_error(code: int, reason: str) -> urllib.error.HTTPError:
    return urllib.error.HTTPError("http://odoo:8069/jsonrpc", code, reason, {}, None)


@pytest.mark.parametrize("exc", [
    urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
    urllib.error.URLError(socket.timeout("timed out")),
    urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),
    ConnectionRefusedError(111, "Connection refused"),
    ConnectionResetError(104, "Connection reset by peer"),
    BrokenPipeError(32, "Broken pipe"),
    socket.timeout("timed out"),
    TimeoutError("timed out"),
    http.client.RemoteDisconnected("Remote end closed connection without response"),
    http.client.IncompleteRead(b"{", 10),
    http.client.BadStatusLine("garbage"),
    http_error(500, "Internal Server Error"),
    http_error(502, "Bad Gateway"),
    http_error(503, "Service Unavailable"),
    http_error(504, "Gateway Timeout"),
    http_error(429, "Too Many Requests"),
    json.JSONDecodeError("Expecting value", "<html>maintenance</html>", 0),
], ids=lambda exc: type(exc).__name__)
def test_network_failures_are_unreachable_and_retryable(exc):
    error = classify(exc)
    assert (error.category, error.retryable, error.reconnect) == ("odoo_unreachable", True, True)
    assert error.odoo_name is None


@pytest.mark.parametrize("code, category, retryable", [
    (401, "access_denied", False),
    (403, "access_denied", False),
    (404, "odoo_error", True),
])
def test_other_http_statuses(code, category, retryable):
    error = classify(http_error(code, "nope"))
    assert (error.category, error.retryable) == (category, retryable)


def test_anything_else_is_a_retryable_odoo_error():
    error = classify(RuntimeError("boom"))
    assert (error.category, error.retryable) == ("odoo_error", True)
    assert "boom" in error.message


def test_odoorpc_internal_error_asks_for_a_new_login():
    error = classify(odoorpc.error.InternalError("Login required"))
    assert (error.category, error.retryable, error.reconnect) == ("odoo_error", True, True)


def test_an_odoo_error_passes_through_unchanged():
    original = OdooError("state_conflict", "order is cancelled")
    assert classify(original) is original


@pytest.mark.parametrize("category, retryable", [
    ("odoo_unreachable", True), ("odoo_error", True), ("access_denied", False),
    ("validation_error", False), ("record_missing", False), ("state_conflict", False),
])
def test_default_retryability_per_category(category, retryable):
    assert OdooError(category, "x").retryable is retryable


def test_unknown_category_is_refused():
    with pytest.raises(ValueError):
        OdooError("oops", "x")


def test_every_category_has_a_label():
    assert set(CATEGORY_LABELS) == set(CATEGORIES) == {
        "odoo_unreachable", "access_denied", "validation_error", "record_missing", "state_conflict", "odoo_error",
        "internal_error", "n8n_failure"}
    assert CATEGORY_LABELS["odoo_unreachable"] == "Odoo unreachable"
    assert CATEGORY_LABELS["access_denied"] == "Access denied"
    error = OdooError("record_missing", "sale.order 9 does not exist", odoo_name="odoo.exceptions.MissingError")
    assert (error.category, error.retryable, error.odoo_name) == ("record_missing", False,
                                                                  "odoo.exceptions.MissingError")
    assert str(error) == "sale.order 9 does not exist"


# -- errors a real Odoo raises (run on the double, and on a real Odoo 17 in the live suite) ------
def _raised(call) -> OdooError:
    with pytest.raises(OdooError) as caught:
        call()
    return caught.value


@pytest.fixture
def quotation(odoo_seed):
    return odoo_seed.quotation(odoo_seed.customer(), [(odoo_seed.product(cost=5.0, price=9.0, on_hand=4.0), 1)])


@pytest.mark.parametrize("call, category, retryable, odoo_name", [
    (lambda gw, order: gw.execute("no.such.model", "search", []), "validation_error", False,
     "odoo.exceptions.UserError"),
    (lambda gw, order: gw.execute("sale.order", "no_such_method", [order]), "odoo_error", True,
     "builtins.AttributeError"),
    (lambda gw, order: gw.execute("sale.order", "_action_cancel", [order]), "access_denied", False,
     "odoo.exceptions.AccessError"),
    (lambda gw, order: gw.read("sale.order", [order], ["no_such_field"]), "validation_error", False,
     "builtins.ValueError"),
    (lambda gw, order: gw.execute("sale.order", "write", [999999999], {"note": "x"}), "record_missing", False,
     "odoo.exceptions.MissingError"),
], ids=["unknown model", "unknown method", "private method", "unknown field", "write a missing record"])
def test_real_odoo_errors_are_classified(gateway, quotation, call, category, retryable, odoo_name):
    error = _raised(lambda: call(gateway, quotation))
    assert (error.category, error.retryable, error.odoo_name) == (category, retryable, odoo_name)


def test_a_model_the_integration_user_may_not_read_is_access_denied(gateway, least_privilege):
    error = _raised(lambda: gateway.execute("ir.model", "search", []))
    assert (error.category, error.retryable, error.odoo_name) == ("access_denied", False,
                                                                  "odoo.exceptions.AccessError")


def test_confirming_twice_is_a_validation_error(gateway, quotation):
    gateway.confirm_order(quotation)
    error = _raised(lambda: gateway.confirm_order(quotation))
    assert (error.category, error.odoo_name) == ("validation_error", "odoo.exceptions.UserError")
    assert error.message.startswith("The following orders are not in a state requiring confirmation: ")


def test_confirm_refused_by_odoos_procurement_rules_changes_nothing(gateway, odoo_seed):
    """sale_stock launches stock rules on confirmation; with no rule towards the customer's location
    (here: a customer whose customer location is the vendors' one) Odoo refuses the order."""
    vendors = odoo_seed.call("ir.model.data", "check_object_reference", "stock", "stock_location_suppliers")[1]
    customer = odoo_seed.customer(property_stock_customer=vendors)
    product = odoo_seed.product(cost=5.0, price=9.0, on_hand=4.0)
    order = odoo_seed.quotation(customer, [(product, 1)])
    label = odoo_seed.read("product.product", [product], ["display_name"])[0]["display_name"]
    error = _raised(lambda: gateway.confirm_order(order))
    assert (error.category, error.odoo_name) == ("validation_error", "odoo.exceptions.UserError")
    assert error.message == (f"No rule has been found to replenish {label!r} in 'Partners/Vendors'.\n"
                             "Verify the routes configuration on the product.")
    assert odoo_seed.order_state(order) == "sent"


def test_feedback_on_a_deleted_activity_is_record_missing(gateway, quotation, odoo_seed):
    """Odoo deletes a To-Do marked done; a second feedback meets a deleted record (D5)."""
    uid = odoo_seed.user_id(gateway.login)
    activity = gateway.schedule_activity("sale.order", quotation, user_id=uid, summary="Check",
                                         note_html="<p>Check</p>", deadline="2030-01-01")
    assert gateway.activity_feedback(activity, "done once")
    error = _raised(lambda: gateway.activity_feedback(activity, "done twice"))
    assert (error.category, error.retryable, error.odoo_name) == ("record_missing", False,
                                                                  "odoo.exceptions.MissingError")
    assert error.message.startswith(f"Record does not exist or has been deleted.\n(Record: mail.activity({activity},)")
