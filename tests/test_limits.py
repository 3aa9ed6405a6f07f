"""Rate limits per client and route (429, Retry-After, the JSON error shape), their configuration, and
counters shared through Redis by several processes."""
import shutil
import socket
import subprocess
import time

import pytest

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.errors import ConfigError
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, READONLY_KEY, bearer, sidecar_env
from tests.support.signing import FORGED_SECRET, SHOP_NEW_SECRET, signed


def make_app(tmp_path, **extra):
    return create_app(settings=load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", **extra)))


@pytest.fixture
def limited(tmp_path):
    app = make_app(tmp_path, SIDECAR_RATE_LIMITS="default=3/minute; GET /v1/approvals=5/minute")
    yield app
    app.extensions["sidecar"].close()


def assert_rate_limited(answer):
    assert answer.status_code == 429, answer.get_data()[:300]
    assert answer.mimetype == "application/json"
    error = answer.json["error"]
    assert error["code"] == "rate_limited" and error["message"] and error["details"] == []
    assert answer.headers["Retry-After"].isdigit() and 1 <= int(answer.headers["Retry-After"]) <= 61


def test_each_client_has_its_own_budget_on_each_route(limited):
    api = limited.test_client()
    for _ in range(3):
        assert api.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)).status_code == 200
    assert_rate_limited(api.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)))
    # Another route, another budget; another client, another budget (a 403 still counts as served).
    assert api.get("/v1/audit", headers=bearer(ALL_SCOPES_KEY)).status_code != 429
    assert api.get("/v1/dead-letters", headers=bearer(READONLY_KEY)).status_code == 403


def test_a_route_entry_overrides_the_default(limited):
    api = limited.test_client()
    answers = [api.get("/v1/approvals", headers=bearer(ALL_SCOPES_KEY)).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


def test_successful_answers_carry_no_retry_after(limited):
    answer = limited.test_client().get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 200 and "Retry-After" not in answer.headers


def test_health_routes_are_never_limited(limited):
    api = limited.test_client()
    assert {api.get("/health").status_code for _ in range(10)} == {200}
    assert 429 not in {api.get("/ready").status_code for _ in range(5)}


def test_requests_without_a_valid_credential_are_counted_by_address(limited):
    api = limited.test_client()
    here, there = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        assert api.get("/v1/dead-letters", headers=bearer("not-a-key-at-all-xx"), environ_base=here).status_code == 401
    assert_rate_limited(api.get("/v1/dead-letters", headers=bearer("another-wrong-key"), environ_base=here))
    assert_rate_limited(api.get("/v1/dead-letters", environ_base=here))  # no credential: the same address
    assert api.get("/v1/dead-letters", headers=bearer("not-a-key-at-all-xx"), environ_base=there).status_code == 401
    # The real client calling from the exhausted address keeps its own budget.
    assert api.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY), environ_base=here).status_code == 200


def _signed(body: bytes, secret: str = SHOP_NEW_SECRET) -> dict:
    return {"Content-Type": "application/json", **signed(body, secret)}


def test_a_forged_signature_does_not_spend_the_real_clients_budget(limited):
    api = limited.test_client()
    attacker = {"REMOTE_ADDR": "10.0.0.9"}
    for n in range(4):
        body = b'{"forged": %d}' % n
        answer = api.post("/v1/events", data=body, headers=_signed(body, secret=FORGED_SECRET), environ_base=attacker)
        assert answer.status_code == (401 if n < 3 else 429)
    body = b'{"id": "x"}'  # the real client, same route: its signature names it, its budget is untouched
    assert api.post("/v1/events", data=body, headers=_signed(body), environ_base=attacker).status_code == 400


def test_the_bearer_clients_are_told_apart(limited):
    api = limited.test_client()
    for _ in range(3):
        api.post("/v1/events", data=b"{}", headers={**bearer(N8N_KEY), "Content-Type": "application/json"})
    assert_rate_limited(api.post("/v1/events", data=b"{}", headers={**bearer(N8N_KEY),
                                                                     "Content-Type": "application/json"}))
    assert api.post("/v1/events", data=b"{}", headers={**bearer(ALL_SCOPES_KEY),
                                                        "Content-Type": "application/json"}).status_code == 400


@pytest.mark.parametrize("raw, expected", [
    ("default=ten per minute", "is not a rate limit"),
    ("/v1/events", "is not route=limit"),
    ("FETCH /v1/events=1/second", "the route must be"),
    ("v1/events=1/second", "the route must be"),
    ("POST /v1/events=", "is not route=limit"),
])
def test_malformed_rate_limits_are_refused_at_start(tmp_path, raw, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_RATE_LIMITS=raw))
    assert any(problem.startswith("SIDECAR_RATE_LIMITS") and expected in problem for problem in caught.value.problems)


def test_a_route_that_does_not_exist_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigError) as caught:
        make_app(tmp_path, SIDECAR_RATE_LIMITS="POST /v1/event=1/second; GET /v1/events=1/second")
    assert caught.value.problems == ["SIDECAR_RATE_LIMITS: no such route GET /v1/events",
                                     "SIDECAR_RATE_LIMITS: no such route POST /v1/event"]


def test_routes_are_named_as_the_openapi_document_names_them(tmp_path):
    app = make_app(tmp_path, SIDECAR_RATE_LIMITS="get /v1/dead-letters/{dead_letter_id}=1/minute; "
                                                 "/v1/approvals/{approval_id}=2/minute")
    settings = app.extensions["sidecar"].settings
    assert settings.rate_limits == {"default": "1200/minute", "GET /v1/dead-letters/{dead_letter_id}": "1/minute",
                                    "/v1/approvals/{approval_id}": "2/minute"}
    api = app.test_client()
    answers = [api.get("/v1/dead-letters/dl_nope", headers=bearer(ALL_SCOPES_KEY)).status_code for _ in range(2)]
    assert answers == [404, 429]
    app.extensions["sidecar"].close()


@pytest.mark.parametrize("url", ["mongodb-ish://x", "redis//localhost", "localhost:6379",
                                 "http://user:hunter2-storage-pw@host/"])
def test_an_unknown_storage_is_refused_without_echoing_its_url(tmp_path, url):
    with pytest.raises(ConfigError) as caught:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_RATE_LIMIT_STORAGE=url))
    [problem] = [p for p in caught.value.problems if p.startswith("SIDECAR_RATE_LIMIT_STORAGE")]
    assert url not in problem and "hunter2" not in str(caught.value)


def test_settings_repr_hides_the_storage_url(tmp_path):
    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9",
                                         SIDECAR_RATE_LIMIT_STORAGE="redis://:hunter2-redis-pw@127.0.0.1:1/0"))
    assert "hunter2" not in repr(settings)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server (Debian's package) on a free port, no persistence, stopped after the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", server
    server.terminate()
    server.wait(10)


def test_two_processes_share_their_counters_through_redis(tmp_path, redis_url):
    url, _ = redis_url
    # Two apps each with its own limiter and storage client: what two gunicorn workers or hosts are.
    first = make_app(tmp_path / "a", SIDECAR_RATE_LIMITS="default=4/minute", SIDECAR_RATE_LIMIT_STORAGE=url)
    second = make_app(tmp_path / "b", SIDECAR_RATE_LIMITS="default=4/minute", SIDECAR_RATE_LIMIT_STORAGE=url)
    answers = [app.test_client().get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)).status_code
               for app in (first, second, first, second, first)]
    assert answers == [200, 200, 200, 200, 429]
    assert_rate_limited(second.test_client().get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)))
    for app in (first, second):
        app.extensions["sidecar"].close()


def test_memory_storage_is_one_processes_own(tmp_path):
    first = make_app(tmp_path / "a", SIDECAR_RATE_LIMITS="default=2/minute")
    second = make_app(tmp_path / "b", SIDECAR_RATE_LIMITS="default=2/minute")
    answers = [app.test_client().get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)).status_code
               for app in (first, first, second, second, first)]
    assert answers == [200, 200, 200, 200, 429]
    for app in (first, second):
        app.extensions["sidecar"].close()


def test_redis_going_down_lets_requests_through_and_is_logged(tmp_path, redis_url, caplog):
    url, server = redis_url
    app = make_app(tmp_path, SIDECAR_RATE_LIMITS="default=2/minute", SIDECAR_RATE_LIMIT_STORAGE=url)
    api = app.test_client()
    assert api.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)).status_code == 200
    server.terminate()
    server.wait(10)
    answers = {api.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)).status_code for _ in range(4)}
    assert answers == {200}
    assert any("rate limit" in record.getMessage().lower() for record in caplog.records)
    app.extensions["sidecar"].close()


def test_the_openapi_document_lists_the_429_of_every_limited_operation():
    from sidecar.specs import openapi_document
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            assert ("429" in operation["responses"]) == (path not in ("/health", "/ready")), (method, path)
            if path not in ("/health", "/ready"):
                assert "Retry-After" in operation["responses"]["429"]["headers"]


def _serve(tmp_path, name: str, storage: str, limit: str) -> tuple[subprocess.Popen, str]:
    """`sidecar serve` (gunicorn, one worker) on a free port, on the store the others use too."""
    import os
    import sys

    import requests
    port = _free_port()
    env = {**os.environ, **sidecar_env(tmp_path, "http://127.0.0.1:9"), "SIDECAR_BIND": f"127.0.0.1:{port}",
           "SIDECAR_WORKERS": "1", "SIDECAR_THREADS": "2", "SIDECAR_RATE_LIMITS": limit,
           "SIDECAR_RATE_LIMIT_STORAGE": storage}
    log = (tmp_path / f"{name}.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "sidecar", "serve"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"sidecar {name} did not start: {(tmp_path / f'{name}.log').read_text()[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    import os
    import signal
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


@pytest.mark.slow
@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory"])
def test_two_sidecar_servers_share_one_budget_only_through_redis(tmp_path, redis_url, shared):
    import requests
    storage = redis_url[0] if shared else "memory://"
    servers = [_serve(tmp_path, name, storage, "default=4/minute") for name in ("one", "two")]
    try:
        statuses = [requests.get(f"{servers[n % 2][1]}/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY),
                                 timeout=10).status_code for n in range(10)]
    finally:
        for process, _ in servers:
            _stop(process)
    # Shared: four in all, then 429 from either server; apart: four from each.
    assert statuses == ([200] * 4 + [429] * 6 if shared else [200] * 8 + [429] * 2)


def test_memory_counters_start_no_thread_per_request_and_are_still_swept(tmp_path, monkeypatch):
    import threading

    from sidecar.limits import SweptMemoryStorage

    app = make_app(tmp_path, SIDECAR_RATE_LIMITS="default=1000/second")
    storage = app.extensions["rate_limiter"].storage
    assert isinstance(storage, SweptMemoryStorage)
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    api = app.test_client()
    for _ in range(5):
        assert api.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY)).status_code == 200
        time.sleep(0.012)  # past the base class's 10 ms timer: it would start a new thread now
    assert started == []
    # An expired counter nobody reads again is still swept (here at once instead of after a second).
    storage.incr("stale", expiry=0.01)
    time.sleep(0.02)
    storage.SWEEP_SECONDS, storage._next_sweep = 0.0, 0.0
    storage.incr("fresh", expiry=60)
    assert "stale" not in storage.storage and storage.get("fresh") == 1
    app.extensions["sidecar"].close()
