"""OdooGateway: configuration, failure handling, and the release reads against Odoo (double or real)."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest

from sidecar.config import Settings
from sidecar.contracts import problems
from sidecar.odoo import OdooError, OdooGateway
from sidecar.odoo.gateway import record_id_from
from sidecar.transform.sales_order import build_release_facts

# -- configuration (no server) ----------------------------------------------------------------


@pytest.mark.parametrize("url, host, port, protocol", [
    ("http://odoo", "odoo", 80, "jsonrpc"),
    ("https://erp.example.com", "erp.example.com", 443, "jsonrpc+ssl"),
    ("http://127.0.0.1:8069", "127.0.0.1", 8069, "jsonrpc"),
    ("https://erp.example.com:8443/", "erp.example.com", 8443, "jsonrpc+ssl"),
])
def test_url_parsing(url, host, port, protocol):
    gateway = OdooGateway(url, "db", "bot", "secret")
    assert (gateway.host, gateway.port, gateway.protocol) == (host, port, protocol)
    assert not gateway.connected


@pytest.mark.parametrize("url", ["ftp://odoo", "odoo:8069", "http://", "http://odoo/odoo"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError):
        OdooGateway(url, "db", "bot", "secret")


def test_from_settings():
    settings = Settings(odoo_url="https://erp.example.com", odoo_db="prod", odoo_user="bot",
                        odoo_password="api-key", odoo_timeout=3.5)
    gateway = OdooGateway.from_settings(settings)
    assert (gateway.url, gateway.db, gateway.login, gateway.timeout) == ("https://erp.example.com", "prod", "bot", 3.5)
    assert "api-key" not in repr(gateway)


@pytest.mark.parametrize("result, expected", [
    ("mail.activity(19,)", 19), ("mail.activity(19)", 19), (292, 292), ([292], 292),
    ("mail.activity()", None), (False, None), (True, None), ({"type": "ir.actions.act_window"}, None),
])
def test_record_id_from(result, expected):
    assert record_id_from(result) == expected


@contextmanager
def silent_server():
    """A TCP server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_unreachable(call, timeout: float):
    started = time.monotonic()
    with pytest.raises(OdooError) as caught:
        call()
    elapsed = time.monotonic() - started
    assert (caught.value.category, caught.value.retryable) == ("odoo_unreachable", True)
    assert elapsed < timeout + 1.5, f"took {elapsed:.1f}s with a {timeout}s timeout"
    return caught.value


def test_a_silent_server_is_unreachable_within_the_timeout():
    with silent_server() as url:
        gateway = OdooGateway(url, "db", "bot", "secret", timeout=0.5)
        assert_unreachable(gateway.ping, 0.5)
        assert_unreachable(lambda: gateway.user_id_for_login("admin"), 0.5)
        assert not gateway.connected


def test_a_closed_port_is_unreachable():
    gateway = OdooGateway(f"http://127.0.0.1:{free_port()}", "db", "bot", "secret", timeout=1.0)
    assert_unreachable(gateway.ping, 1.0)
    assert_unreachable(lambda: gateway.read_release_bundle(1, None), 1.0)


# -- against Odoo (the protocol double, or a real Odoo 17 when ODOO_URL is set) ----------------


@pytest.fixture
def proxied(odoo_target, odoo_proxy):
    """A gateway reaching Odoo through a proxy the test can take down; the proxy is up again after."""
    gw = OdooGateway(odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password, timeout=2.0)
    try:
        yield gw
    finally:
        odoo_proxy.come_up()
        gw.close()


def test_ping_answers_the_server_version(gateway):
    version = gateway.ping()
    assert str(version["server_version"]).startswith("17")
    assert version["server_version_info"][0] == 17


def test_first_call_logs_in_lazily(gateway, odoo_target):
    assert not gateway.connected
    assert gateway.user_id_for_login(odoo_target.login) == gateway.user_id_for_login(odoo_target.login)
    assert gateway.connected


def test_user_id_for_login(gateway, odoo_target, odoo_seed):
    assert gateway.user_id_for_login(odoo_target.login) == odoo_seed.user_id(odoo_target.login)
    assert gateway.user_id_for_login("nobody-by-this-login@example.invalid") is None


def test_wrong_password_is_access_denied(odoo_target):
    gw = OdooGateway(odoo_target.url, odoo_target.db, odoo_target.login, "not-the-password", timeout=5.0)
    with pytest.raises(OdooError) as caught:
        gw.user_id_for_login(odoo_target.login)
    assert (caught.value.category, caught.value.retryable) == ("access_denied", False)
    assert not gw.connected


@pytest.fixture
def release_order(odoo_seed):
    """A sent quotation: a storable desk with stock (cost 60, sold 3 x 100) and a service (cost 10, 2 x 25)."""
    customer = odoo_seed.customer(credit_limit=1000.0)
    desk = odoo_seed.product(cost=60.0, price=100.0, on_hand=5.0, storable=True, customer_lead=4)
    service = odoo_seed.product(cost=10.0, price=25.0, storable=False)
    order_id = odoo_seed.quotation(customer, lines=[(desk, 3.0, 100.0), (service, 2.0, 25.0)], state="sent",
                                   commitment_date="2030-01-15 09:30:00")
    return {"order_id": order_id, "customer": customer, "desk": desk, "service": service}


def test_release_bundle_gives_valid_facts(gateway, odoo_target, odoo_seed, release_order):
    bundle = gateway.read_release_bundle(release_order["order_id"], None)
    facts = build_release_facts(bundle)
    assert problems("sale_order.release_facts.v1", facts) == []

    order = facts["order"]
    odoo = odoo_seed.read("sale.order", release_order["order_id"], ["write_date", "amount_total", "currency_rate"])[0]
    assert (order["id"], order["state"], order["partner_id"]) == (
        release_order["order_id"], "sent", release_order["customer"])
    assert order["amount_untaxed"] == 350.0
    assert order["amount_total"] >= order["amount_untaxed"]
    assert order["date_order"].endswith("Z") and "T" in order["date_order"]
    assert order["commitment_date"] == "2030-01-15T09:30:00Z"
    assert order["write_date"] == odoo["write_date"]
    assert order["currency_rate"] == odoo["currency_rate"]

    lines = {line["product_id"]: line for line in facts["lines"]}
    desk, service = lines[release_order["desk"]], lines[release_order["service"]]
    assert (desk["quantity"], desk["price_subtotal"], desk["unit_cost"]) == (3.0, 300.0, 60.0)
    assert (desk["storable"], desk["available_quantity"], desk["customer_lead_days"]) == (True, 5.0, 4.0)
    assert (service["storable"], service["available_quantity"], service["unit_cost"]) == (False, None, 10.0)

    # Odoo's own view of the same partner, read as Odoo's credit warning reads it (the order's company)
    partner = odoo_seed.read("res.partner", release_order["customer"], ["credit", "credit_to_invoice", "credit_limit"],
                             company_id=odoo_seed.company_id())[0]
    assert facts["credit"]["limit"] == partner["credit_limit"] == 1000.0
    assert (facts["credit"]["receivable"], facts["credit"]["to_invoice"]) == (partner["credit"], partner["credit_to_invoice"])
    assert facts["credit"]["order_amount"] == odoo["amount_total"] / odoo["currency_rate"]

    writer = odoo_target.admin_login  # the order was last written by the seeding administrator
    assert facts["requested_by"] == {"user_id": odoo_seed.user_id(writer), "login": writer}


def test_release_bundle_names_the_given_requester(gateway, odoo_target, odoo_seed, release_order):
    uid = odoo_seed.user_id(odoo_target.login)
    bundle = gateway.read_release_bundle(release_order["order_id"], uid)
    assert bundle["requested_by"] == {"user_id": uid, "login": odoo_target.login}


def test_release_bundle_of_a_missing_order(gateway):
    with pytest.raises(OdooError) as caught:
        gateway.read_release_bundle(987654321, None)
    assert (caught.value.category, caught.value.retryable) == ("record_missing", False)


def test_free_quantity_counts_only_unreserved_stock_in_the_warehouse(gateway, odoo_seed):
    product = odoo_seed.product(cost=1.0, price=2.0, on_hand=7.0, storable=True)
    empty = odoo_seed.product(cost=1.0, price=2.0, on_hand=0.0, storable=True)
    order_id = odoo_seed.quotation(odoo_seed.customer(), lines=[(product, 1.0, 2.0), (empty, 1.0, 2.0)])
    lines = {line["product_id"]: line for line in build_release_facts(gateway.read_release_bundle(order_id, None))["lines"]}
    assert lines[product]["available_quantity"] == 7.0
    assert lines[empty]["available_quantity"] == 0.0


def test_search_quotations_waits_for_the_grace_period(gateway, odoo_seed):
    order_id = odoo_seed.quotation(odoo_seed.customer(), lines=[(odoo_seed.product(cost=1.0, price=2.0), 1.0, 2.0)])
    time.sleep(1.1)  # write_date has second precision
    domain = [("id", "=", order_id), ("state", "in", ["draft", "sent"])]
    assert gateway.search_quotations(domain, older_than_minutes=60) == []
    found = gateway.search_quotations(domain, older_than_minutes=0)
    assert [row["id"] for row in found] == [order_id]
    assert set(found[0]) == {"id", "name", "state", "write_uid", "write_date"}
    assert isinstance(found[0]["write_uid"], int)


def test_concurrent_first_calls_share_one_login(odoo_target, caplog):
    caplog.set_level("INFO", logger="sidecar.odoo.gateway")
    gw = OdooGateway(odoo_target.url, odoo_target.db, odoo_target.login, odoo_target.password)
    results, errors = [], []

    def call():
        try:
            results.append(gw.user_id_for_login(odoo_target.login))
        except Exception as err:  # collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and results[0]
    assert [r.message for r in caplog.records if r.message.startswith("logged in to Odoo")] == [
        f"logged in to Odoo {odoo_target.url} db {odoo_target.db} as {odoo_target.login}"]


def test_proxy_down_is_unreachable_within_the_timeout_then_reconnects(proxied, odoo_target, odoo_proxy):
    uid = proxied.user_id_for_login(odoo_target.login)
    assert proxied.connected
    odoo_proxy.go_down()
    error = assert_unreachable(lambda: proxied.user_id_for_login(odoo_target.login), proxied.timeout)
    assert error.odoo_name is None
    assert not proxied.connected
    assert_unreachable(proxied.ping, proxied.timeout)
    odoo_proxy.come_up()
    assert proxied.user_id_for_login(odoo_target.login) == uid
    assert proxied.ping()["server_version_info"][0] == 17


def test_first_connection_while_down_then_up(proxied, odoo_target, odoo_proxy):
    odoo_proxy.go_down()
    assert_unreachable(lambda: proxied.read_release_bundle(1, None), proxied.timeout)
    odoo_proxy.come_up()
    assert proxied.user_id_for_login(odoo_target.login)


# -- the double only: server-side failures a real Odoo cannot be asked to produce --------------


@pytest.fixture
def double(odoo_double):
    return odoo_double


@pytest.mark.parametrize("error_name, category, retryable", [
    ("odoo.exceptions.AccessError", "access_denied", False),
    ("odoo.exceptions.MissingError", "record_missing", False),
    ("odoo.exceptions.ValidationError", "validation_error", False),
    ("psycopg2.errors.SerializationFailure", "odoo_error", True),
])
def test_server_errors_are_classified(gateway, double, release_order, error_name, category, retryable):
    double.fail_next("sale.order", "web_read", error_name, "injected failure")
    with pytest.raises(OdooError) as caught:
        gateway.read_release_bundle(release_order["order_id"], None)
    assert (caught.value.category, caught.value.retryable, caught.value.odoo_name) == (category, retryable, error_name)
    assert caught.value.message == "injected failure"
    assert gateway.read_release_bundle(release_order["order_id"], None)["order"]["id"] == release_order["order_id"]


def test_release_bundle_is_one_web_read_and_one_stock_read_in_the_orders_company(gateway, double, release_order):
    gateway.read_release_bundle(release_order["order_id"], None)  # logged in, installed fields known
    start = len(double.calls)
    gateway.read_release_bundle(release_order["order_id"], None)
    calls = double.calls[start:]
    assert [c[:2] for c in calls] == [("sale.order", "web_read"), ("stock.quant", "search_read")]
    company = double.env().get("sale.order", release_order["order_id"], "company_id")
    assert calls[0][3]["context"]["allowed_company_ids"][0] == company  # Odoo's env.company: the order's
    assert calls[1][3]["context"] == {"allowed_company_ids": [company]}
    domain = [list(leaf) for leaf in calls[1][2][0]]
    assert ["location_id.usage", "=", "internal"] in domain
    assert any(leaf[0] == "warehouse_id" for leaf in domain)


def test_without_sale_margin_the_margin_comes_from_the_product_cost(odoo_double):
    """A server without sale_margin (the double, switched): no margin field is asked for, the cost
    is the product's, converted to the line's unit as sale_margin would."""
    from tests.odoo_double import OdooDouble
    from tests.support.odoo_seed import OdooSeed
    double = OdooDouble(sale_margin=False)
    url = double.start()
    seed = OdooSeed(url, double.db, "admin", "admin")
    gw = OdooGateway(url, double.db, "admin", "admin")
    try:
        product = seed.product(cost=60.0, price=100.0, storable=False)
        line = {"product_id": product, "product_uom_qty": 2.0, "product_uom": seed.uom_id("Dozens"), "price_unit": 1000.0}
        order_id = seed.quotation(seed.customer(), [line], state="sent")
        facts = build_release_facts(gw.read_release_bundle(order_id, None))
        assert problems("sale_order.release_facts.v1", facts) == []
        assert (facts["margin"]["amount"], facts["margin"]["source"]) == (560.0, "standard_price")
        assert facts["margin"]["percent"] == pytest.approx(28.0)
        assert facts["lines"][0]["unit_cost"] == pytest.approx(720.0)
        asked = [c[3]["specification"] for c in double.calls_to("sale.order", "web_read")]
        assert asked and all(set(spec["order_line"]["fields"]).isdisjoint(("purchase_price", "margin"))
                             and "margin" not in spec for spec in asked)
    finally:
        gw.close()
        seed.close()
        double.stop()


def test_a_company_the_user_may_not_use_is_refused(gateway, double, release_order):
    """Odoo refuses allowed_company_ids the user does not belong to: the gateway never guesses a company."""
    env = double.env()
    uid = env.search("res.users", [("login", "=", gateway.login)])[0]  # the integration user
    companies = env.get("res.users", uid, "company_ids")
    env.write("res.users", [uid], {"company_ids": [1]})
    try:
        env.write("sale.order", [release_order["order_id"]], {"company_id": 2})
        with pytest.raises(OdooError) as caught:
            gateway.read_release_bundle(release_order["order_id"], None)
        assert caught.value.category == "access_denied"
    finally:
        env.write("res.users", [uid], {"company_ids": companies})
        env.write("sale.order", [release_order["order_id"]], {"company_id": 1})
