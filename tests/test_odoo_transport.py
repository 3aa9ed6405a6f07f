"""The gateway's kept-alive transport, against a small JSON-RPC server that keeps connections open
(Odoo 17's own werkzeug server closes every one; a reverse proxy in front of it does not)."""
from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sidecar.odoo import OdooError, OdooGateway

VERSION = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""], "server_serie": "17.0",
           "protocol_version": 1}


class KeptAliveOdoo(ThreadingHTTPServer):
    """Answers what odoorpc's login and execute_kw ask; counts connections and requests."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.requests: list[tuple[str, str]] = []  # (path or "model.method", Cookie header)
        self.drop_next = 0   # close the connection instead of answering the next requests
        self.status = 200    # HTTP status of the answers
        self.keep_alive = True  # False: "Connection: close" on every answer, as Odoo's own server does
        self.open_sockets: list = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close_idle_connections(self) -> None:
        """What a restarted server or a proxy's idle timeout does to kept-alive connections."""
        with self.lock:
            sockets, self.open_sockets = self.open_sockets, []
        for sock in sockets:
            try:
                sock.shutdown(2)
            except OSError:
                pass

    def calls(self, name: str) -> int:
        return sum(1 for path, _cookie in self.requests if path == name)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with self.server.lock:
            self.server.connections += 1
            self.server.open_sockets.append(self.connection)

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        params = body.get("params") or {}
        name = urlsplit(self.path).path  # a proxied request names the whole URL
        if params.get("service") == "object":
            name = ".".join(params["args"][3:5])
        elif params.get("service"):
            name = f"{params['service']}.{params['method']}"
        with self.server.lock:
            self.server.requests.append((name, self.headers.get("Cookie")))
            drop = self.server.drop_next > 0
            self.server.drop_next -= 1 if drop else 0
        if drop:
            self.close_connection = True
            self.connection.close()
            return
        if name == "/web/webclient/version_info" or name == "common.version":
            result = VERSION
        elif name == "common.login":
            result = 7
        elif name == "res.users.context_get":
            result = {"lang": "en_US", "tz": "UTC"}
        elif name.endswith(".search_read"):
            result = [{"id": 7}]
        else:
            result = True
        data = json.dumps({"jsonrpc": "2.0", "id": body.get("id"), "result": result}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Set-Cookie", "session_id=kept; Path=/; HttpOnly")
        if not self.server.keep_alive:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server():
    odoo = KeptAliveOdoo()
    thread = threading.Thread(target=odoo.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield odoo
    odoo.shutdown()
    odoo.close_idle_connections()
    odoo.server_close()


@pytest.fixture
def gateway(server):
    gw = OdooGateway(server.url, "db", "bot", "secret", timeout=2.0)
    yield gw
    gw.close()


def search(gw) -> list:
    return gw.search_read("res.users", [("login", "=", "bot")], ["id"])


def test_calls_share_one_kept_alive_connection(gateway, server):
    for _ in range(5):
        assert search(gateway) == [{"id": 7}]
    assert gateway.ping() == VERSION
    assert len(server.requests) == 3 + 5 + 1  # log in (version, login, context), the calls, the ping
    assert server.connections == 1
    assert gateway.pool.stats() == {"connections": 1, "requests": 9}


def test_without_keep_alive_each_call_opens_a_connection(server):
    gw = OdooGateway(server.url, "db", "bot", "secret", timeout=2.0, keep_alive=False)
    for _ in range(3):
        search(gw)
    assert gw.pool is None
    assert server.connections == len(server.requests) == 3 + 3


def test_a_server_that_closes_each_connection_gets_a_new_one_per_call(gateway, server):
    server.keep_alive = False
    for _ in range(3):
        search(gateway)
    assert server.connections == len(server.requests) == 3 + 3
    assert gateway.pool.stats() == {"connections": 6, "requests": 6}


def test_cookies_odoo_sets_are_sent_back(gateway, server):
    search(gateway)
    search(gateway)
    assert server.requests[0][1] is None
    assert {cookie for _path, cookie in server.requests[1:]} == {"session_id=kept"}


def test_a_connection_the_server_closed_is_replaced(gateway, server):
    search(gateway)
    server.close_idle_connections()
    assert search(gateway) == [{"id": 7}]
    assert server.connections == 2


def test_a_read_is_sent_again_once_when_the_connection_drops_before_any_answer(gateway, server):
    search(gateway)
    server.drop_next = 1
    assert search(gateway) == [{"id": 7}]
    assert server.calls("res.users.search_read") == 3  # the first one, the dropped one, its second sending


def test_a_write_is_never_sent_twice_by_the_transport(gateway, server):
    search(gateway)
    server.drop_next = 1
    with pytest.raises(OdooError) as caught:
        gateway.execute("sale.order", "write", [1], {"note": "x"})
    assert (caught.value.category, caught.value.retryable) == ("odoo_unreachable", True)
    assert server.calls("sale.order.write") == 1
    assert gateway.execute("sale.order", "write", [1], {"note": "x"}) is True  # logs in again, on a new connection


def test_a_read_that_keeps_dropping_is_unreachable_after_one_more_try(gateway, server):
    search(gateway)
    before = len(server.requests)
    server.drop_next = 100
    with pytest.raises(OdooError) as caught:
        search(gateway)
    assert caught.value.category == "odoo_unreachable"
    assert server.calls("res.users.search_read") == 1 + 2  # the first read; the dropped one, sent once more
    assert len(server.requests) - before == 2


def test_http_errors_are_classified_as_before(gateway, server):
    search(gateway)
    server.status = 502
    with pytest.raises(OdooError) as caught:
        search(gateway)
    assert (caught.value.category, caught.value.message) == ("odoo_unreachable", "Odoo answered HTTP 502 Bad Gateway")


def test_threads_borrow_connections_from_one_pool(gateway, server):
    errors = []

    def work():
        try:
            for _ in range(10):
                assert search(gateway) == [{"id": 7}]
        except Exception as err:  # collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert server.calls("res.users.search_read") == 60
    assert server.connections <= 6  # one per thread at most, kept across its calls


def test_a_proxy_from_the_environment_is_still_used(server, monkeypatch):
    for name in ("no_proxy", "NO_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", server.url)
    gw = OdooGateway("http://odoo.invalid:8069", "db", "bot", "secret", timeout=2.0)
    try:
        assert search(gw) == [{"id": 7}]
    finally:
        gw.close()
    assert server.calls("res.users.search_read") == 1
    assert gw.pool.stats()["requests"] == 0  # urllib's own handler sent them, through the proxy
