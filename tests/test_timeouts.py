"""Every outbound call has a timeout: each call site in the code passes one, and each client gives up on a
server that accepts the connection and never answers (the hang a missing timeout turns into a stuck worker)."""
import ast
import socket
import threading
import time
from pathlib import Path

import pytest

from sidecar import n8n_resume
from sidecar.odoo import OdooGateway
from sidecar.odoo.errors import UNREACHABLE, OdooError
from tests.conftest import CALLBACK_SECRET, RESUME_TOKEN

ROOT = Path(__file__).resolve().parent.parent / "sidecar"
# Calls that open a network connection, by the last part of their name; how each one is given its timeout.
OUTBOUND = {
    "urlopen": "timeout",          # urllib.request.urlopen, urllib3's PoolManager.urlopen
    "ODOO": "timeout",             # odoorpc.ODOO: the timeout of every JSON-RPC call it makes
    "ProxyJSON": 2,                # odoorpc's jsonrpclib.ProxyJSON(host, port, timeout, ...)
    "ProxyHTTP": 2,
    "create_connection": "timeout",
    "HTTPConnection": "timeout",
    "HTTPSConnection": "timeout",
    "Limiter": "storage_options",  # sidecar/limits.py: the Redis client's socket timeouts
}
UNSUPPORTED_CLIENTS = {"requests", "httpx", "aiohttp", "smtplib", "ftplib"}  # not used; a test when they are


def _name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def outbound_calls():
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in OUTBOUND:
                yield path.relative_to(ROOT.parent), node


def test_the_code_makes_outbound_calls_only_through_clients_this_test_knows():
    imported = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert imported & UNSUPPORTED_CLIENTS == set()


def test_every_outbound_call_site_passes_a_timeout():
    found, missing = [], []
    for where, call in outbound_calls():
        found.append(where)
        given = OUTBOUND[_name(call.func)]
        if isinstance(given, int):
            ok = len(call.args) > given or any(k.arg == "timeout" for k in call.keywords)
        else:
            ok = any(k.arg == given for k in call.keywords)
        if not ok:
            missing.append(f"{where}:{call.lineno}")
    assert len(found) >= 5 and missing == []


def test_the_rate_limit_storage_has_socket_timeouts(tmp_path):
    from flask import Flask

    from sidecar.config import load_settings
    from sidecar.limits import install
    from tests.conftest import sidecar_env

    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9",
                                         SIDECAR_RATE_LIMIT_STORAGE="redis://127.0.0.1:9/0"))
    app = Flask("probe")
    install(app, settings)
    storage = app.extensions["rate_limiter"].storage
    kwargs = storage.storage.connection_pool.connection_kwargs
    assert 0 < kwargs["socket_timeout"] <= 5 and 0 < kwargs["socket_connect_timeout"] <= 5


@pytest.fixture
def silent_server():
    """Accepts connections, reads what comes, never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def _within(seconds: float, call):
    started = time.monotonic()
    with pytest.raises(OdooError) as caught:
        call()
    assert time.monotonic() - started < seconds
    return caught.value


def test_odoo_calls_give_up_at_the_timeout(silent_server):
    gateway = OdooGateway(silent_server, "db", "user", "pw", timeout=0.5)
    try:
        error = _within(3, lambda: gateway.execute("res.partner", "search", []))
        assert error.category == UNREACHABLE and error.retryable
        assert _within(3, gateway.ping).category == UNREACHABLE
    finally:
        gateway.close()


def test_the_n8n_resume_call_gives_up_at_the_timeout(silent_server):
    error = _within(3, lambda: n8n_resume.run({"url": f"{silent_server}/webhook-waiting/1", "body": {}},
                                              "msg_1", CALLBACK_SECRET, RESUME_TOKEN, timeout=0.5))
    assert error.retryable

