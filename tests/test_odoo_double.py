"""The Odoo 17 protocol double against answers recorded from a real Odoo 17, plus the fixtures
(target, proxy, seed) that integration tests use.  Tests marked by the ``odoo_double`` fixture
only run on the double; the others also run against a real Odoo when ``ODOO_URL`` is set."""
from __future__ import annotations

import datetime as dt
import json
import numbers
import re
import threading
import uuid
from pathlib import Path

import odoorpc
import pytest
import requests

from tests.odoo_double import OdooDouble
from tests.support.odoo_seed import OdooRPCError, OdooSeed

pytest_plugins = ["tests.support.odoo_fixtures"]

WIRE = Path(__file__).resolve().parent / "data" / "odoo17-wire"


def _samples(name: str) -> dict:
    """A recorded sample file; missing is an error, so the suite cannot shrink silently."""
    return json.loads((WIRE / name).read_text())


PROTOCOL = _samples("protocol-samples.json")
METHODS = _samples("method-samples.json")
NO_MARGIN = _samples("method-samples-without-sale_margin.json")
EXACT_RESULTS = {"version_info", "common.version", "common.login.ok", "common.login.bad_password",
                 "common.authenticate.bad_password", "execute_kw.context_get", "execute_kw.read_missing_record"}


# -- helpers ---------------------------------------------------------------------------------
def jsonrpc(url: str, path: str, params: dict, session=requests, request_id: int = 1) -> dict:
    answer = session.post(url + path, json={"jsonrpc": "2.0", "method": "call", "params": params,
                                            "id": request_id}, timeout=10)
    assert answer.status_code == 200
    return answer.json()


def execute_kw(url: str, model: str, method: str, args, kwargs=None, db="gov17", uid=2, password="admin") -> dict:
    return jsonrpc(url, "/jsonrpc", {"service": "object", "method": "execute_kw",
                                     "args": [db, uid, password, model, method, args, kwargs or {}]})


def result_of(answer: dict):
    assert "error" not in answer, answer.get("error")
    return answer.get("result")


def assert_odoo_error(answer: dict, name: str, message: str | None = None, code: int = 200) -> dict:
    assert "result" not in answer
    error = answer["error"]
    assert error["code"] == code
    if code == 200:
        assert error["message"] == "Odoo Server Error"
    assert set(error["data"]) == {"name", "message", "arguments", "context", "debug"}
    assert error["data"]["name"] == name
    if message is not None:
        assert error["data"]["message"] == message
        if name != "builtins.KeyError":  # str(KeyError("x")) is "'x'", its args keep "x"
            assert error["data"]["arguments"] == [message]
    return error


def _is_pair(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)


def assert_same_shape(got, expected, where="result"):
    """Same keys, same kinds of values (many2one pairs, id lists, numbers, strings); ``False``
    stands for an empty value of any kind, as Odoo answers."""
    if expected is False or got is False:
        return
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), f"{where}: {sorted(got)} != {sorted(expected)}"
        for key in expected:
            assert_same_shape(got[key], expected[key], f"{where}.{key}")
    elif _is_pair(expected):
        assert _is_pair(got), f"{where}: {got!r} is not a [id, name] pair"
    elif isinstance(expected, list):
        assert isinstance(got, list), f"{where}: {got!r} is not a list"
        if expected:
            for index, item in enumerate(got):
                assert_same_shape(item, expected[0], f"{where}[{index}]")
    elif isinstance(expected, bool):
        assert isinstance(got, bool), f"{where}: {got!r}"
    elif isinstance(expected, numbers.Number):
        assert isinstance(got, numbers.Number) and not isinstance(got, bool), f"{where}: {got!r}"
    else:
        assert type(got) is type(expected), f"{where}: {got!r} vs {expected!r}"


def swap_ids(value, mapping: dict):
    """A copy of a recorded request with its record ids replaced."""
    if isinstance(value, list):
        return [swap_ids(item, mapping) for item in value]
    if isinstance(value, dict):
        return {key: swap_ids(item, mapping) for key, item in value.items()}
    if isinstance(value, int) and not isinstance(value, bool):
        return mapping.get(value, value)
    return value


def method_sample(key: str):
    return METHODS[key]


def new_order(url: str, qty: float = 3) -> int:
    """The quotation the recorded flow creates (method-samples.json, "sale.order.create")."""
    vals = {"client_order_ref": "EXT-1001", "partner_id": 14,
            "order_line": [[0, 0, {"product_id": 37, "product_uom_qty": qty}]]}
    return result_of(execute_kw(url, "sale.order", "create", [vals]))


def read_one(url: str, model: str, rid: int, fields) -> dict:
    return result_of(execute_kw(url, model, "read", [[rid], fields]))[0]


# -- recorded protocol answers ---------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(PROTOCOL))
def test_protocol_sample_replays_identically(odoo_double, key):
    sample = PROTOCOL[key]
    answer = requests.post(odoo_double.url + sample["request"]["path"], json=sample["request"]["body"], timeout=10)
    assert answer.status_code == sample["http_status"] == 200
    got, expected = answer.json(), sample["response"]
    assert got["jsonrpc"] == "2.0" and got["id"] == expected["id"]
    if "error" in expected:
        data = expected["error"]["data"]
        error = assert_odoo_error(got, data["name"], data["message"])
        assert error["data"]["arguments"] == data["arguments"] and error["data"]["context"] == data["context"]
    elif key in EXACT_RESULTS:
        assert got == expected
    else:
        assert "error" not in got
        assert_same_shape(got["result"], expected["result"])


def test_search_read_of_quotations_answers_recorded_fields_and_kinds(odoo_double):
    expected = PROTOCOL["execute_kw.search_read_quotations"]["response"]["result"]
    request = PROTOCOL["execute_kw.search_read_quotations"]["request"]["body"]["params"]["args"]
    rows = result_of(execute_kw(odoo_double.url, *request[3:]))
    assert len(rows) == 2
    for row in rows:
        assert set(row) == set(expected[0])
        assert row["state"] in ("draft", "sent")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["date_order"])
        assert row["warehouse_id"] == [1, "YourCompany"]
        # the lines' taxes: the products' 15 % or, for an order synced from a shop, those it charged
        lines = result_of(execute_kw(odoo_double.url, "sale.order.line", "read", [row["order_line"]],
                                     {"fields": ["price_tax"]}))
        assert row["amount_total"] == pytest.approx(row["amount_untaxed"] + sum(l["price_tax"] for l in lines),
                                                    abs=0.011)


def test_session_routes_need_a_login(odoo_double):
    answer = jsonrpc(odoo_double.url, "/web/dataset/call_kw",
                     {"model": "sale.order", "method": "search", "args": [[]], "kwargs": {}})
    error = assert_odoo_error(answer, "odoo.http.SessionExpiredException", "Session expired", code=100)
    assert error["message"] == "Odoo Session Expired"


@pytest.fixture
def pristine_double(odoo_double):
    """A double of its own, as fresh as the database the reference reads were recorded on: records other
    tests left in the shared double (a partner named "ACME ...") would sort before the recorded ones."""
    double = OdooDouble(db=odoo_double.db)
    double.start(host="127.0.0.1", port=0)
    try:
        yield double
    finally:
        double.stop()


def test_session_authenticate_then_call_kw(pristine_double):
    with requests.Session() as http:
        info = result_of(jsonrpc(pristine_double.url, "/web/session/authenticate",
                                 {"db": "gov17", "login": "admin", "password": "admin"}, http))
        assert info["uid"] == 2 and info["db"] == "gov17" and info["username"] == "admin"
        assert info["user_context"] == {"lang": "en_US", "tz": "Europe/Brussels", "uid": 2}
        assert info["server_version_info"][0] == 17
        assert "session_id" in http.cookies
        params = {"model": "res.partner", "method": "search_read",
                  "args": [[["customer_rank", ">", 0]]], "kwargs": {"fields": ["name"], "limit": 1}}
        assert result_of(jsonrpc(pristine_double.url, "/web/dataset/call_kw", params, http)) == \
            [{"id": 14, "name": "Azure Interior"}]
        assert result_of(jsonrpc(pristine_double.url, "/web/dataset/call_kw/res.partner/search_read", params, http))
        unknown = {"model": "no.such.model", "method": "search", "args": [[]], "kwargs": {}}
        assert_odoo_error(jsonrpc(pristine_double.url, "/web/dataset/call_kw", unknown, http),
                          "builtins.KeyError", "'no.such.model'")
        assert "result" not in jsonrpc(pristine_double.url, "/web/session/destroy", {}, http)
        assert_odoo_error(jsonrpc(pristine_double.url, "/web/dataset/call_kw", params, http),
                          "odoo.http.SessionExpiredException", code=100)


def test_session_authenticate_refuses_a_wrong_password(odoo_double):
    answer = jsonrpc(odoo_double.url, "/web/session/authenticate", {"db": "gov17", "login": "admin", "password": "x"})
    assert_odoo_error(answer, "odoo.exceptions.AccessDenied", "Access Denied")


def test_unknown_route_is_a_json_404(odoo_double):
    error = jsonrpc(odoo_double.url, "/web/no/such/route", {})["error"]
    assert error["code"] == 404 and error["message"] == "404: Not Found"


# -- recorded method behaviours ----------------------------------------------------------------------
def test_create_and_read_a_quotation_like_the_recording(odoo_double):
    url = odoo_double.url
    order = new_order(url)
    expected = method_sample("sale.order.read_new")["response"]["result"][0]
    fields = method_sample("sale.order.read_new")["request"][2][1]  # margin: sale_margin is installed
    row = read_one(url, "sale.order", order, fields)
    assert set(row) == set(expected)
    for key in ("amount_total", "amount_untaxed", "client_order_ref", "commitment_date", "state", "warehouse_id"):
        assert row[key] == expected[key], key
    assert re.fullmatch(r"S\d{5}", row["name"]) and len(row["order_line"]) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["expected_date"])
    line_fields = method_sample("sale.order.line.read")["request"][3]["fields"]
    lines = result_of(execute_kw(url, "sale.order.line", "search_read", [[["order_id", "=", order]]], {"fields": line_fields}))
    recorded = method_sample("sale.order.line.read")["response"]["result"][0]
    assert len(lines) == 1 and set(lines[0]) == set(recorded)
    # the recorded server's desk cost nothing (margin = subtotal); Odoo's rule holds for any cost
    assert lines[0]["margin"] == lines[0]["price_subtotal"] - lines[0]["purchase_price"] * lines[0]["product_uom_qty"]
    assert row["margin"] == lines[0]["margin"]
    assert {k: v for k, v in lines[0].items() if k not in ("id", "margin", "purchase_price")} == \
        {k: v for k, v in recorded.items() if k not in ("id", "margin", "purchase_price")}


@pytest.fixture(scope="module")
def double_without_sale_margin():
    """A second double modelling a server where sale_margin is not installed."""
    from tests.odoo_double import OdooDouble
    double = OdooDouble(sale_margin=False)
    double.start()
    try:
        yield double
    finally:
        double.stop()


@pytest.mark.parametrize("key", sorted(NO_MARGIN))
def test_margin_fields_are_invalid_without_sale_margin(odoo_double, double_without_sale_margin, key):
    url = double_without_sale_margin.url
    model, method, args, kwargs = NO_MARGIN[key]["request"]
    order = new_order(url)
    args = swap_ids(args, {26: order})
    data = NO_MARGIN[key]["response"]["error"]["data"]
    assert_odoo_error(execute_kw(url, model, method, args, kwargs), data["name"], data["message"])


def test_action_confirm_twice_is_a_user_error_naming_the_order(odoo_double):
    url = odoo_double.url
    order = new_order(url)
    name = read_one(url, "sale.order", order, ["name"])["name"]
    assert result_of(execute_kw(url, "sale.order", "action_confirm", [[order]])) is True
    recorded = method_sample("action_confirm.second")["response"]["error"]["data"]
    assert_odoo_error(execute_kw(url, "sale.order", "action_confirm", [[order]]), recorded["name"],
                      recorded["message"].replace("S00028", name))
    confirmed = read_one(url, "sale.order", order, ["name", "state", "picking_ids", "delivery_status"])
    expected = method_sample("sale.order.read_confirmed")["response"]["result"][0]
    assert set(confirmed) == set(expected)
    assert confirmed["state"] == "sale" and confirmed["delivery_status"] == "pending"
    assert len(confirmed["picking_ids"]) == 1


def test_action_cancel_on_a_draft_cancels(odoo_double):
    order = new_order(odoo_double.url, qty=1)
    assert result_of(execute_kw(odoo_double.url, "sale.order", "action_cancel", [[order]])) is True
    assert read_one(odoo_double.url, "sale.order", order, ["state"]) == {"id": order, "state": "cancel"}


def test_action_cancel_on_a_confirmed_order_opens_the_wizard(odoo_double):
    url = odoo_double.url
    order = new_order(url)
    result_of(execute_kw(url, "sale.order", "action_confirm", [[order]]))
    expected = json.loads(json.dumps(method_sample("action_cancel.confirmed")["response"]["result"]))
    expected["context"]["default_order_id"] = order
    assert result_of(execute_kw(url, "sale.order", "action_cancel", [[order]])) == expected
    assert read_one(url, "sale.order", order, ["state"])["state"] == "sale"
    forced = execute_kw(url, "sale.order", "action_cancel", [[order]], {"context": {"disable_cancel_warning": True}})
    assert result_of(forced) is True
    picking = read_one(url, "sale.order", order, ["picking_ids"])["picking_ids"][0]
    assert read_one(url, "stock.picking", picking, ["state"])["state"] == "cancel"


def test_message_post_and_activity_schedule_like_the_recording(odoo_double):
    url = odoo_double.url
    order = new_order(url)
    post = method_sample("message_post")["request"]
    message_id = result_of(execute_kw(url, "sale.order", "message_post", [[order]], post[3]))
    assert isinstance(message_id, int) and not isinstance(message_id, bool)
    messages = result_of(execute_kw(url, "mail.message", "search_read",
                                    [[["model", "=", "sale.order"], ["res_id", "=", order]]],
                                    method_sample("message_read")["request"][3]))
    recorded = {m["body"]: m for m in method_sample("message_read")["response"]["result"]}
    assert messages[0]["id"] == message_id
    for message in messages:
        twin = recorded[message["body"]]
        assert {k: message[k] for k in ("body", "message_type", "subtype_id", "author_id")} == \
            {k: twin[k] for k in ("body", "message_type", "subtype_id", "author_id")}

    schedule = json.loads(json.dumps(method_sample("activity_schedule")["request"][3]))
    deadline = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    schedule["date_deadline"] = deadline
    answer = result_of(execute_kw(url, "sale.order", "activity_schedule", [[order]], schedule))
    match = re.fullmatch(r"mail\.activity\((\d+),\)", answer)
    assert match
    fields = method_sample("activity_read")["request"][3]
    rows = result_of(execute_kw(url, "mail.activity", "search_read",
                                [[["res_model", "=", "sale.order"], ["res_id", "=", order]]], fields))
    expected = dict(method_sample("activity_read")["response"]["result"][0], id=int(match.group(1)),
                    res_id=order, date_deadline=deadline)
    assert rows == [expected]


@pytest.mark.parametrize("key", ["activity_type_todo", "ir_model_data_todo", "pick_partner", "pick_product",
                                 "partner_credit_fields"])
def test_reference_reads_match_the_recording(pristine_double, key):
    model, method, args, kwargs = method_sample(key)["request"]
    expected = method_sample(key)["response"]["result"]
    got = result_of(execute_kw(pristine_double.url, model, method, args, kwargs))
    if key in ("activity_type_todo", "ir_model_data_todo", "pick_partner"):
        assert got == expected
    else:
        assert_same_shape(got, expected)
        assert [row["id"] for row in got] == [row["id"] for row in expected]


def test_stock_quant_read_like_the_recording(odoo_double):
    model, method, args, kwargs = method_sample("stock.quant.read")["request"]
    expected = method_sample("stock.quant.read")["response"]["result"]
    rows = result_of(execute_kw(odoo_double.url, model, method, args, kwargs))
    assert_same_shape(rows, expected)
    row = rows[0]
    assert row["location_id"] == [8, "WH/Stock"] and row["warehouse_id"] == [1, "YourCompany"]
    assert row["product_id"] == expected[0]["product_id"] and row["lot_id"] is False
    assert row["available_quantity"] == row["quantity"] - row["reserved_quantity"]


def test_field_definitions_agree_with_the_recorded_fields_get(odoo_double):
    recorded = json.loads((WIRE / "fields_get.json").read_text())
    checked = 0
    for model, real_fields in recorded.items():
        if model not in odoo_double.registry:
            continue
        mine = result_of(execute_kw(odoo_double.url, model, "fields_get", [], {"attributes": ["type", "relation", "selection", "required"]}))
        for fname, info in mine.items():
            assert fname in real_fields, f"{model}.{fname} is not an Odoo 17 field"
            real = real_fields[fname]
            assert info["type"] == real["type"], f"{model}.{fname}"
            assert info.get("relation") == real.get("relation"), f"{model}.{fname}"
            assert bool(info.get("required")) == bool(real.get("required")), f"{model}.{fname}"
            if "selection" in info and fname != "tz":
                keys = {key for key, _label in real.get("selection", [])}
                assert {key for key, _label in info["selection"]} <= keys, f"{model}.{fname}"
            checked += 1
    assert checked > 300


# -- generic ORM behaviour of the double ------------------------------------------------------------
def test_domains_operators_and_paths(odoo_double):
    env = odoo_double.env()
    names = lambda domain: sorted(env.display_name("res.partner", rid) for rid in env.search("res.partner", domain))  # noqa: E731
    assert names([("name", "ilike", "deco")]) == ["Deco Addict"]
    assert names([("name", "=like", "Deco%")]) == ["Deco Addict"]
    assert names(["|", ("name", "=", "Ready Mat"), ("name", "=", "Lumber Inc")]) == ["Lumber Inc", "Ready Mat"]
    assert "Deco Addict" not in names(["!", ("name", "ilike", "deco"), ("customer_rank", ">", 0)])
    assert names([("parent_id", "=", 14)]) == ["Azure Interior, Brandon Freeman"]
    assert names([("parent_id.name", "=", "Azure Interior")]) == ["Azure Interior, Brandon Freeman"]
    assert names([("parent_id", "ilike", "azure")]) == ["Azure Interior, Brandon Freeman"]
    assert 14 in env.search("res.partner", [("id", "child_of", 14)])
    assert 15 in env.search("res.partner", [("id", "child_of", 14)])
    assert 15 not in env.search("res.partner", [("ref", "!=", False)])
    assert 15 in env.search("res.partner", [("ref", "not in", ["X"])])
    assert env.search("res.partner", [("name", "=", "OdooBot")]) == []
    assert env.search("res.partner", [("name", "=", "OdooBot"), ("active", "=", False)]) == [2]
    assert env.search("stock.quant", [("location_id.usage", "=", "internal"), ("product_id.default_code", "=", "DESK0005")])
    ordered = env.search("res.partner", [("customer_rank", ">", 0), ("id", "<=", 15)], order="name desc", limit=2)
    assert [env.get("res.partner", rid, "name") for rid in ordered] == ["Wood Corner", "Ready Mat"]


def test_orm_errors_and_wrong_credentials(odoo_double):
    url = odoo_double.url
    assert_odoo_error(execute_kw(url, "sale.order", "read", [[1], ["no_field"]]),
                      "builtins.ValueError", "Invalid field 'no_field' on model 'sale.order'")
    assert_odoo_error(execute_kw(url, "sale.order", "search", [[["partner_id.no_field", "=", 1]]]),
                      "builtins.ValueError", "Invalid field res.partner.no_field in leaf ('no_field', '=', 1)")
    assert_odoo_error(execute_kw(url, "sale.order", "write", [[1], {"state": "nope"}]),
                      "builtins.ValueError", "Wrong value for sale.order.state: 'nope'")
    assert_odoo_error(execute_kw(url, "sale.order", "write", [[999998, 999999], {"note": "x"}]),
                      "odoo.exceptions.MissingError",
                      "Record does not exist or has been deleted.\n(Record: sale.order(999998, 999999), User: 2)")
    assert_odoo_error(execute_kw(url, "sale.order", "search", [[]], password="wrong"), "odoo.exceptions.AccessDenied")
    assert_odoo_error(execute_kw(url, "sale.order", "search", [[]], uid=6, password="admin"), "odoo.exceptions.AccessDenied")
    assert result_of(execute_kw(url, "sale.order", "search_count", [[]], uid=6, password="demo")) >= 0
    assert result_of(execute_kw(url, "sale.order", "unlink", [[999999]])) is True


def test_a_failed_call_leaves_no_partial_change(odoo_double):
    url = odoo_double.url
    before = result_of(execute_kw(url, "sale.order", "search_count", [[]]))
    bad = {"partner_id": 14, "order_line": [(0, 0, {"product_id": 37}), (0, 0, {"no_field": 1})]}
    assert_odoo_error(execute_kw(url, "sale.order", "create", [bad]), "builtins.ValueError")
    assert result_of(execute_kw(url, "sale.order", "search_count", [[]])) == before


def test_create_many_write_commands_and_unlink(odoo_double):
    url = odoo_double.url
    ids = result_of(execute_kw(url, "res.partner", "create", [[{"name": "Alpha Co"}, {"name": "Beta Co"}]]))
    assert len(ids) == 2
    order = result_of(execute_kw(url, "sale.order", "create", [{"partner_id": ids[0]}]))
    line = result_of(execute_kw(url, "sale.order.line", "create", [{"order_id": order, "product_id": 27}]))
    result_of(execute_kw(url, "sale.order", "write", [[order], {"order_line": [(1, line, {"product_uom_qty": 2}),
                                                                            (0, 0, {"product_id": 25, "price_unit": 10})]}]))
    row = read_one(url, "sale.order", order, ["order_line", "amount_untaxed", "amount_tax", "amount_total"])
    assert len(row["order_line"]) == 2
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (150.0, 22.5, 172.5)
    result_of(execute_kw(url, "sale.order", "write", [[order], {"order_line": [(2, line, 0)]}]))
    assert len(read_one(url, "sale.order", order, ["order_line"])["order_line"]) == 1
    assert result_of(execute_kw(url, "sale.order", "unlink", [[order]])) is True
    assert result_of(execute_kw(url, "sale.order.line", "search", [[["order_id", "=", order]]])) == []


def test_action_feedback_posts_a_note_and_removes_or_archives_the_activity(odoo_double):
    url = odoo_double.url
    order = new_order(url)
    schedule = {"act_type_xmlid": "mail.mail_activity_data_todo", "summary": "Approve release", "user_id": 2}
    activity = int(re.search(r"\d+", result_of(execute_kw(url, "sale.order", "activity_schedule", [[order]], schedule))).group())
    message = result_of(execute_kw(url, "mail.activity", "action_feedback", [[activity]], {"feedback": "Approved"}))
    assert isinstance(message, int)
    posted = read_one(url, "mail.message", message, ["model", "res_id", "message_type", "subtype_id",
                                                      "mail_activity_type_id", "body"])
    assert posted["subtype_id"] == [3, "Activities"] and posted["mail_activity_type_id"] == [4, "To-Do"]
    assert (posted["model"], posted["res_id"], posted["message_type"]) == ("sale.order", order, "notification")
    assert "To-Do</span> done" in posted["body"] and "Approved" in posted["body"]
    assert result_of(execute_kw(url, "mail.activity", "search", [[["id", "=", activity]]],
                                {"context": {"active_test": False}})) == []

    kept_type = result_of(execute_kw(url, "mail.activity.type", "create", [{"name": "Review", "keep_done": True}]))
    schedule = {"activity_type_id": kept_type, "summary": "Review", "user_id": 2}
    activity = int(re.search(r"\d+", result_of(execute_kw(url, "sale.order", "activity_schedule", [[order]], schedule))).group())
    result_of(execute_kw(url, "mail.activity", "action_feedback", [[activity]], {"feedback": "ok"}))
    rows = result_of(execute_kw(url, "mail.activity", "search_read", [[["id", "=", activity]]],
                                {"fields": ["state", "active", "date_done"], "context": {"active_test": False}}))
    assert rows[0]["state"] == "done" and rows[0]["active"] is False and rows[0]["date_done"]


def test_calls_are_recorded_and_failures_injected(odoo_double):
    url = odoo_double.url
    odoo_double.calls.clear()
    odoo_double.fail_next("sale.order", "action_confirm", "odoo.exceptions.UserError", "Boom")
    assert_odoo_error(execute_kw(url, "sale.order", "action_confirm", [[1]]), "odoo.exceptions.UserError", "Boom")
    assert odoo_double.calls == [("sale.order", "action_confirm", [[1]], {})]
    assert read_one(url, "sale.order", 1, ["state"])["state"] == "draft"
    execute_kw(url, "sale.order", "read", [[1], ["state"]])
    assert len(odoo_double.calls_to("sale.order", "read")) == 2


def test_concurrent_writers_get_distinct_records(odoo_double):
    url = odoo_double.url
    created, problems = [], []

    def worker(n):
        try:
            created.append(result_of(execute_kw(url, "res.partner", "create", [{"name": f"Parallel {n}"}])))
        except Exception as exc:  # pragma: no cover - reported below
            problems.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems and len(set(created)) == 12


# -- the fixtures (also against a real Odoo) -------------------------------------------------------------
def test_odoorpc_logs_in_and_calls(odoo_target):
    parts = "jsonrpc+ssl" if odoo_target.url.startswith("https") else "jsonrpc"
    odoo = odoorpc.ODOO(odoo_target.host, protocol=parts, port=odoo_target.port, timeout=30)
    assert odoo.version.startswith("17")
    # odoorpc's model proxies (odoo.env[...]) read ir.model, which Odoo 17 opens to
    # administrators only (base ir.model.access.csv); the sidecar calls execute_kw instead.
    odoo.login(odoo_target.db, odoo_target.admin_login, odoo_target.admin_password)
    user = odoo.env.user
    assert user.login == odoo_target.admin_login and user.name
    assert "sale.order" in odoo.env
    partner_ids = odoo.env["res.partner"].search([("customer_rank", ">", 0)], limit=3)
    assert partner_ids and all(isinstance(pid, int) for pid in partner_ids)
    assert odoo.env["res.partner"].browse(partner_ids[0]).name
    assert odoo.env.ref("mail.mail_activity_data_todo").name == "To-Do"
    assert odoo.execute_kw("res.partner", "fields_get", [], {"attributes": ["type"]})["name"] == {"type": "char"}
    with pytest.raises(odoorpc.error.RPCError) as raised:
        odoo.execute_kw("sale.order", "no_such_method", [[1]])
    assert raised.value.info["data"]["name"] == "builtins.AttributeError"


def test_odoorpc_wrong_password_is_refused(odoo_target):
    odoo = odoorpc.ODOO(odoo_target.host, port=odoo_target.port, timeout=30)
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        odoo.login(odoo_target.db, odoo_target.login, odoo_target.password + "-wrong")


def test_proxy_goes_down_and_comes_back_on_the_same_port(odoo_target, odoo_proxy):
    params = {"service": "common", "method": "version", "args": []}
    with requests.Session() as http:
        assert result_of(jsonrpc(odoo_proxy.url, "/jsonrpc", params, http))["server_serie"].startswith("17")
        port = odoo_proxy.port
        odoo_proxy.go_down()
        with pytest.raises(requests.ConnectionError):
            jsonrpc(odoo_proxy.url, "/jsonrpc", params, http)
        odoo_proxy.come_up()
        assert odoo_proxy.port == port
        assert result_of(jsonrpc(odoo_proxy.url, "/jsonrpc", params, http))["server_serie"].startswith("17")


def test_seed_customer_with_credit_limit(odoo_seed: OdooSeed):
    partner = odoo_seed.customer(credit_limit=5000)
    row = odoo_seed.read("res.partner", partner, ["name", "credit_limit", "use_partner_credit_limit", "customer_rank"])[0]
    assert row["name"].startswith("Test Customer ")
    assert row["credit_limit"] == 5000.0 and row["use_partner_credit_limit"] is True and row["customer_rank"] > 0
    company = odoo_seed.company_id()
    assert odoo_seed.read("res.company", company, ["account_use_credit_limit"])[0]["account_use_credit_limit"] is True
    assert odoo_seed.customer() != odoo_seed.customer()


def test_seed_product_stock_and_quotation(odoo_seed: OdooSeed):
    product = odoo_seed.product(cost=40.0, price=100.0, on_hand=12, customer_lead=2)
    row = odoo_seed.read("product.product", product, ["standard_price", "lst_price", "qty_available",
                                                       "type", "sale_delay"])[0]
    assert (row["standard_price"], row["lst_price"], row["qty_available"], row["type"], row["sale_delay"]) == \
        (40.0, 100.0, 12.0, "product", 2)
    quants = odoo_seed.search_read("stock.quant", [("product_id", "=", product), ("location_id.usage", "=", "internal")],
                                   ["quantity", "inventory_quantity", "location_id"])
    assert [(q["quantity"], q["inventory_quantity"]) for q in quants] == [(12.0, 0.0)]
    assert quants[0]["location_id"][0] == odoo_seed.stock_location_id()

    partner = odoo_seed.customer()
    order = odoo_seed.quotation(partner, [(product, 3), (product, 1, 80.0)], commitment_date=dt.datetime(2031, 1, 2, 3, 4, 5),
                                user_id=odoo_seed.user_id(odoo_seed.login))
    data = odoo_seed.read("sale.order", order, ["state", "amount_untaxed", "commitment_date", "user_id", "order_line"])[0]
    assert data["state"] == "sent" and odoo_seed.order_state(order) == "sent"
    assert data["amount_untaxed"] == 380.0 and data["commitment_date"] == "2031-01-02 03:04:05"
    assert data["user_id"][0] == odoo_seed.uid and len(data["order_line"]) == 2
    assert any("Sales Order created" in (m["body"] or "") for m in odoo_seed.messages(order))

    odoo_seed.call("sale.order", "action_confirm", [order])
    assert odoo_seed.order_state(order) == "sale"
    with pytest.raises(OdooRPCError) as raised:
        odoo_seed.call("sale.order", "action_confirm", [order])
    assert raised.value.name == "odoo.exceptions.UserError"
    assert odoo_seed.quotation(partner, [(product, 1)], state="draft") != order
    assert odoo_seed.order_state(odoo_seed.quotation(partner, [(product, 1)], state="cancel")) == "cancel"


def test_seed_activities_include_done_ones_when_kept(odoo_seed: OdooSeed):
    partner = odoo_seed.customer()
    product = odoo_seed.product(cost=5, price=10, storable=False)
    order = odoo_seed.quotation(partner, [(product, 1)])
    todo = odoo_seed.call("sale.order", "activity_schedule", [order], act_type_xmlid="mail.mail_activity_data_todo",
                          summary="Check", user_id=odoo_seed.uid)
    activity_id = int(re.search(r"\d+", todo).group())
    rows = odoo_seed.activities(order)
    assert [(r["id"], r["summary"], r["state"], r["active"]) for r in rows] == [(activity_id, "Check", "today", True)]
    odoo_seed.call("mail.activity", "action_feedback", [activity_id], feedback="done")
    assert odoo_seed.activities(order) == []  # a To-Do is deleted once done (keep_done is off)
    notes = [m for m in odoo_seed.messages(order) if m["mail_activity_type_id"]]
    assert notes and notes[0]["subtype_id"][1] == "Activities"


def test_ordering_by_a_many2one_follows_the_target_models_order(odoo_seed: OdooSeed):
    """Odoo orders by a many2one with the target's ``_order`` (product: favourites first, then
    internal reference), not by its display name; descending reverses the whole of it."""
    plain = odoo_seed.product(cost=1, price=2, storable=False, default_code=f"A-{uuid.uuid4().hex[:8]}")
    favourite = odoo_seed.product(cost=1, price=2, storable=False, default_code=f"B-{uuid.uuid4().hex[:8]}")
    odoo_seed.call("product.product", "write", [favourite], {"priority": "1"})
    order = odoo_seed.quotation(odoo_seed.customer(), [(plain, 1), (favourite, 1)])
    lines = odoo_seed.search_read("sale.order.line", [("order_id", "=", order)], ["product_id"], order="product_id")
    assert [line["product_id"][0] for line in lines] == [favourite, plain]
    lines = odoo_seed.search_read("sale.order.line", [("order_id", "=", order)], ["product_id"],
                                  order="product_id desc")
    assert [line["product_id"][0] for line in lines] == [plain, favourite]


def test_credit_limit_and_cost_are_company_dependent(odoo_seed: OdooSeed):
    answer = odoo_seed.call("res.partner", "fields_get", ["credit_limit"], attributes=["company_dependent"])
    assert answer["credit_limit"]["company_dependent"] is True
    answer = odoo_seed.call("product.product", "fields_get", ["standard_price"], attributes=["company_dependent"])
    assert answer["standard_price"]["company_dependent"] is True
    partner, other = odoo_seed.customer(), odoo_seed.other_company_id()
    odoo_seed.call("res.partner", "write", [partner], {"credit_limit": 700.0}, **odoo_seed.as_company(other))
    mine = odoo_seed.read("res.partner", partner, ["credit_limit", "use_partner_credit_limit"])[0]
    theirs = odoo_seed.read("res.partner", partner, ["credit_limit", "use_partner_credit_limit"], company_id=other)[0]
    assert (theirs["credit_limit"], theirs["use_partner_credit_limit"]) == (700.0, True)
    assert mine["credit_limit"] != 700.0


def test_credit_is_what_posted_customer_invoices_leave_open(odoo_seed: OdooSeed):
    company, contact = odoo_seed.customer(), None
    contact = odoo_seed.call("res.partner", "create", {"name": "Buyer", "parent_id": company})

    def credit():
        return odoo_seed.read("res.partner", company, ["credit"])[0]["credit"]

    odoo_seed.invoice(company, 300.0, post=False)
    assert credit() == 0.0  # a draft counts for nothing
    odoo_seed.invoice(company, 300.0)
    assert credit() == 300.0
    odoo_seed.invoice(contact, 50.0)  # a contact's invoice is its company's receivable
    assert credit() == 350.0
    odoo_seed.invoice(company, 100.0, refund=True)
    assert credit() == 250.0


def test_credit_to_invoice_is_confirmed_orders_of_the_partner_itself(odoo_seed: OdooSeed):
    company = odoo_seed.customer()
    contact = odoo_seed.call("res.partner", "create", {"name": "Buyer", "parent_id": company})
    service = odoo_seed.product(cost=1.0, price=100.0, storable=False)
    odoo_seed.quotation(company, [(service, 1, 100.0)], state="sent")         # a quotation: nothing
    confirmed = odoo_seed.quotation(company, [(service, 2, 100.0)], state="sale")
    odoo_seed.quotation(contact, [(service, 5, 100.0)], state="sale")         # Odoo 17 counts the partner's own only
    total = odoo_seed.read("sale.order", confirmed, ["amount_total"])[0]["amount_total"]
    assert odoo_seed.read("res.partner", company, ["credit_to_invoice"])[0]["credit_to_invoice"] == total


def test_write_date_is_read_in_whole_seconds_but_compared_with_its_microseconds(odoo_seed: OdooSeed):
    """Odoo stores write_date with microseconds (the transaction's start) and answers ``read`` in
    whole seconds; a domain compares the stored value, so the record is newer than what was read.
    (The Automation Rule's webhook body, serialised with ``str``, keeps the microseconds.)"""
    order = odoo_seed.quotation(odoo_seed.customer(), [(odoo_seed.product(cost=1, price=2, storable=False), 1)])
    odoo_seed.call("sale.order", "write", [order], {"client_order_ref": "REF"})
    read = odoo_seed.read("sale.order", order, ["write_date"])[0]["write_date"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", read)
    assert odoo_seed.call("sale.order", "search_count", [("id", "=", order), ("write_date", ">=", read)]) == 1
    assert odoo_seed.call("sale.order", "search_count", [("id", "=", order), ("write_date", ">", read)]) == 1
    assert odoo_seed.call("sale.order", "search_count", [("id", "=", order), ("write_date", ">", read + ".999999")]) == 0
