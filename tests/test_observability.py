"""Metrics and logs: the correlation id follows one event everywhere, the counters move by the right labels,
worker processes' samples add up, and no secret reaches a log line or a metric."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from sidecar import logs
from sidecar.store import audit, dead_letters, jobs
from sidecar.worker import OutboxWorker
from tests.conftest import ALL_SCOPES_KEY, bearer

OPS = bearer(ALL_SCOPES_KEY)
RELEASE_EVENT = "sale_order.release_requested"


def event_for(odoo_seed, order_id, suffix="observe"):
    return {"id": f"odoo:sale.order:{order_id}:{suffix}", "type": RELEASE_EVENT, "source": "odoo",
            "data": odoo_seed.webhook_body(order_id)}


def scrape(client) -> dict:
    """Every sample of one scrape: (name, sorted labels) -> value."""
    answer = client.get("/metrics", headers=OPS)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.get_data(as_text=True)) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@contextmanager
def json_log_lines(level=logging.DEBUG):
    """Every log record of the block, formatted as the JSON log format writes it (one parsed object per line)."""
    stream, root = io.StringIO(), logging.getLogger()
    handler, old_level = logs.handler("json", stream), root.level
    root.addHandler(handler)
    root.setLevel(level)
    lines: list = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        raw = stream.getvalue().splitlines()
        lines.extend(json.loads(line) for line in raw)  # fails on a line that is not one JSON object
        lines.append(stream.getvalue())  # the raw text last, for searching


# -- the correlation id ----------------------------------------------------------------------------

def test_one_correlation_id_follows_an_event_to_its_jobs_audit_worker_logs_and_odoo_note(
        client, services, odoo_seed, thin_margin_quotation):
    cid = "trace-4711.a"
    answer = client.post("/v1/events", json=event_for(odoo_seed, thin_margin_quotation),
                         headers={**bearer(), "X-Correlation-Id": cid})
    assert answer.status_code == 201, answer.json
    assert answer.headers["X-Correlation-Id"] == cid
    assert answer.json["correlation_id"] == cid and answer.json["outcome"] == "approve"
    release_id = answer.json["release_id"]

    shown = client.get(f"/v1/releases/{release_id}", headers=OPS)
    assert shown.json["correlation_id"] == cid
    assert shown.headers["X-Correlation-Id"] != cid  # this request's own id: none was sent, one was made
    with services.db.read() as conn:
        release_jobs = jobs.for_release(conn, release_id)
        entries = [e for e in audit.entries(conn, limit=10_000)
                   if e["subject"] in (release_id, event_for(odoo_seed, thin_margin_quotation)["id"])]
    assert release_jobs and {job["correlation_id"] for job in release_jobs} == {cid}

    with json_log_lines(logging.INFO) as lines:
        OutboxWorker(services).drain()
    records = [line for line in lines if isinstance(line, dict)]
    assert all({"time", "level", "logger", "message", "correlation_id"} <= set(r) for r in records)
    done = [r for r in records if r.get("job_id") in {job["id"] for job in release_jobs}]
    assert {r["job_id"] for r in done} == {job["id"] for job in release_jobs}
    assert {r["correlation_id"] for r in done} == {cid}
    with services.db.read() as conn:
        message_ids = [job["result"]["message_id"] for job in jobs.for_release(conn, release_id)
                       if job["operation"] == "post_message"]
        entries = [e for e in audit.entries(conn, limit=10_000)
                   if e["subject"] in (release_id, event_for(odoo_seed, thin_margin_quotation)["id"])]
    assert [r["odoo_message_id"] for r in done if r["operation"] == "post_message"] == message_ids
    kinds = {e["kind"] for e in entries}
    assert {"event.received", "decision.made", "writeback.done"} <= kinds
    assert {e["data"].get("correlation_id") for e in entries} == {cid}
    # Odoo's own record of the note (read back as admin) names the event it belongs to.
    [note] = [m for m in odoo_seed.messages(thin_margin_quotation) if m["id"] in message_ids]
    assert f"Correlation id: {cid}" in note["body"]
    assert client.get("/v1/audit/verify", headers=OPS).json["ok"] is True


def test_the_n8n_execution_id_is_the_correlation_id_when_no_other_is_sent(client, app_without_odoo):
    plain = app_without_odoo.test_client()
    assert plain.get("/health", headers={"X-N8n-Execution-Id": "5120"}).headers["X-Correlation-Id"] == "n8n-5120"
    both = plain.get("/health", headers={"X-N8n-Execution-Id": "5120", "X-Correlation-Id": "abc"})
    assert both.headers["X-Correlation-Id"] == "abc"
    for unusable in ("", "has space", "x" * 200, "ünï"):
        made = plain.get("/health", headers={"X-Correlation-Id": unusable}).headers["X-Correlation-Id"]
        assert len(made) == 32 and made != unusable  # replaced, never refused
    assert plain.get("/nowhere").headers["X-Correlation-Id"]  # error answers carry it too


# -- metrics ------------------------------------------------------------------------------------------

def test_metrics_need_their_scope(app_without_odoo):
    plain = app_without_odoo.test_client()
    assert plain.get("/metrics").status_code == 401
    assert plain.get("/metrics", headers=bearer()).status_code == 403  # the n8n key has no metrics.read


def test_an_event_and_its_jobs_move_the_counters_by_their_labels(client, services, odoo_seed, healthy_quotation):
    before = scrape(client)
    answer = client.post("/v1/events", json=event_for(odoo_seed, healthy_quotation), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "release"
    repeat = client.post("/v1/events", json=event_for(odoo_seed, healthy_quotation), headers=bearer())
    assert repeat.status_code == 201 and repeat.headers.get("Idempotent-Replayed") == "true"
    bad = client.post("/v1/events", json={"id": "x", "type": "no.such", "source": "odoo", "data": {}}, headers=bearer())
    assert bad.status_code in (400, 422)
    OutboxWorker(services).drain()
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    labels = {"flow": "sales-order-release", "type": RELEASE_EVENT}
    assert moved("sidecar_events_total", **labels, outcome="release") == 1
    assert moved("sidecar_events_total", **labels, outcome="duplicate") == 1
    assert moved("sidecar_events_total", flow="unknown", type="unknown", outcome=bad.json["error"]["code"]) == 1
    assert moved("sidecar_decision_seconds_count", flow="sales-order-release") == 1
    assert moved("sidecar_http_requests_total", route="/v1/events", method="POST", status="201") == 2
    operations = [job["operation"] for job in answer.json["jobs"]]
    assert operations
    for operation in set(operations):
        assert moved("sidecar_jobs_total", operation=operation, outcome="done") == operations.count(operation)
    assert moved("sidecar_odoo_call_seconds_count", model="sale.order", method="action_confirm") >= 1
    with services.db.read() as conn:
        by_state = jobs.count_by_state(conn)
    assert value(after, "sidecar_outbox_jobs", state="done") == by_state["done"]
    assert value(after, "sidecar_outbox_oldest_job_age_seconds", state="done") >= 0


def test_odoo_errors_are_counted_by_model_method_and_category(client, services, odoo_proxy):
    before = scrape(client)
    odoo_proxy.go_down()
    try:
        services.odoo.close()
        try:
            services.odoo.read("res.partner", [1], ["name"])
        except Exception as err:
            category = err.category
    finally:
        odoo_proxy.come_up()
    after = scrape(client)
    labels = {"model": "res.partner", "method": "read", "category": category}
    assert category == "odoo_unreachable"
    assert value(after, "sidecar_odoo_call_errors_total", **labels) - \
        value(before, "sidecar_odoo_call_errors_total", **labels) == 1


def test_store_gauges_dead_letters_and_approvals_past_their_sla(client, services, odoo_seed, thin_margin_quotation):
    answer = client.post("/v1/events", json=event_for(odoo_seed, thin_margin_quotation), headers=bearer())
    assert answer.json["outcome"] == "approve"
    with services.db.transaction() as conn:
        dead_letters.insert(conn, kind=dead_letters.EVENT, category="validation_error", summary="s",
                            detail={}, ref="observe-ref")
    samples = scrape(client)
    assert value(samples, "sidecar_approvals_waiting", flow="sales-order-release") == 1
    assert value(samples, "sidecar_approvals_overdue", flow="sales-order-release") == 0
    assert value(samples, "sidecar_dead_letters", category="validation_error", status="open") == 1
    with services.db.transaction() as conn:  # its SLA ended an hour ago
        conn.execute(sa.text("UPDATE approvals SET due_at = :at, created_at = :created"),
                     {"at": time.time() - 3600, "created": time.time() - 7200})
    samples = scrape(client)
    assert value(samples, "sidecar_approvals_overdue", flow="sales-order-release") == 1
    assert 7100 < value(samples, "sidecar_approval_oldest_wait_seconds", flow="sales-order-release") < 7300


WRITER = """
import sys
from sidecar import metrics
metrics.record_event("sales-order-release", "sale_order.release_requested", "release", 0.2)
metrics.record_request("/health", "GET", 200, 0.001)
with metrics.odoo_call("sale.order", "read"):
    pass
print(metrics.multiprocess())
"""
READER = """
from sidecar import metrics
body, content_type = metrics.render()
print(body.decode())
"""


def test_multiprocess_mode_adds_up_the_samples_of_two_processes(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", WRITER], env=env, capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == "True", out.stderr
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process
    text = subprocess.run([sys.executable, "-c", READER], env=env, capture_output=True, text=True, timeout=60,
                          check=True).stdout
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert value(samples, "sidecar_events_total", flow="sales-order-release", type=RELEASE_EVENT,
                 outcome="release") == 2
    assert value(samples, "sidecar_decision_seconds_count", flow="sales-order-release") == 2
    assert value(samples, "sidecar_http_requests_total", route="/health", method="GET", status="200") == 2
    assert value(samples, "sidecar_odoo_call_seconds_count", model="sale.order", method="read") == 2


# -- no secret in a log line or a metric -------------------------------------------------------------

def _tokens(links) -> set[str]:
    from urllib.parse import parse_qs, urlparse
    found = set()
    for entry in links:
        for text in entry.values():
            if isinstance(text, str) and "?" in text:
                found |= {v for values in parse_qs(urlparse(text).query).values() for v in values
                          if len(v) >= 20}  # the signed tokens, not a parameter such as decision=approve
    return found


def test_no_secret_in_any_log_line_or_metric(tmp_path, client, services, odoo_seed, odoo_target,
                                              thin_margin_quotation):
    from sidecar.app import create_app
    from sidecar.config import load_settings
    from tests.conftest import AUDIT_KEY, APPROVAL_SECRET, N8N_KEY, READONLY_KEY, sidecar_env
    from tests.support.signing import SHOP_NEW_SECRET, SHOP_OLD_SECRET

    odoo_password = "wrong-odoo-password-Zq81x"
    forged_key = "forged-key-0123456789-Kp3"
    with json_log_lines() as lines:
        client.get("/v1/releases/rel_x", headers={"Authorization": f"Bearer {forged_key}"})
        client.get("/v1/releases/rel_x", headers={"Authorization": f"Basic {forged_key}"})
        client.get("/v1/releases/rel_x", headers={"X-Api-Key": forged_key})
        client.get("/metrics", headers=bearer(READONLY_KEY))  # authenticated, wrong scope
        answer = client.post("/v1/events", json=event_for(odoo_seed, thin_margin_quotation),
                             headers=bearer(N8N_KEY)).json
        tokens = _tokens(answer["decision_links"])
        assert tokens
        OutboxWorker(services).drain()  # notify_approver sends the links to the approver, privately
        forged = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                             json={"token": "forged." + forged_key, "decision": "approve"}, headers=bearer())
        assert forged.status_code in (400, 401, 403, 409)
        approve_token = next(t for t in tokens if t)
        client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                    json={"token": approve_token, "decision": "approve", "comment": "ok"}, headers=bearer())
        OutboxWorker(services).drain()
        wrong = create_app(settings=load_settings(sidecar_env(tmp_path / "wrong", odoo_target.url, odoo_target.db,
                                                              odoo_target.login, odoo_password)))
        try:
            refused = wrong.test_client().post("/v1/events", json=event_for(odoo_seed, thin_margin_quotation, "w"),
                                               headers=bearer())
            assert refused.status_code == 503  # parked: Odoo refused the integration user's login
        finally:
            wrong.extensions["sidecar"].close()
        metrics_text = client.get("/metrics", headers=OPS).get_data(as_text=True)
    raw = lines[-1]
    records = lines[:-1]
    # the run logged at DEBUG: the worker's jobs, and the wrong app's login request (odoorpc would log its password)
    assert any(r["logger"] == "sidecar.worker" for r in records) and len(records) > 10
    secrets = {"ops API key": ALL_SCOPES_KEY, "n8n API key": N8N_KEY, "read-only key": READONLY_KEY,
               "webhook secrets": SHOP_OLD_SECRET, "new webhook secret": SHOP_NEW_SECRET, "audit key": AUDIT_KEY, "approval secret": APPROVAL_SECRET,
               "Odoo password": odoo_password, "forged key": forged_key,
               **{f"approval token {n}": token for n, token in enumerate(tokens)}}
    assert [name for name, secret in secrets.items() if secret in raw] == []
    assert [name for name, secret in secrets.items() if secret in metrics_text] == []


def test_under_gunicorn_two_workers_answer_one_sum_and_log_json_lines(tmp_path):
    """The shipped gunicorn settings: metrics of both worker processes in every scrape, JSON log lines."""
    import socket

    import requests

    from tests.conftest import sidecar_env
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
           **sidecar_env(tmp_path, "http://127.0.0.1:9"), "SIDECAR_BIND": f"127.0.0.1:{port}",
           "SIDECAR_WORKERS": "2", "SIDECAR_THREADS": "2", "SIDECAR_LOG_FORMAT": "json",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "sidecar", "serve"], env=env, stdout=log, stderr=log,
                              cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/health", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        from concurrent.futures import ThreadPoolExecutor

        def health_total() -> float:
            answer = requests.get(f"{base}/metrics", timeout=5, headers={**OPS, "Connection": "close"})
            samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                       for family in text_string_to_metric_families(answer.text) for s in family.samples}
            return value(samples, "sidecar_http_requests_total", route="/health", method="GET", status="200")

        # Start-up probes that timed out under load may still have been answered: count from what was counted.
        # The master writes samples of its own (loading the advice model before forking): count workers' files.
        sent = health_total()
        files = lambda: [f for f in (tmp_path / "metrics").glob("counter_*.db")  # noqa: E731
                         if f.name != f"counter_{server.pid}.db"]
        with ThreadPoolExecutor(12) as pool:  # concurrent batches until both workers have accepted some
            while len(files()) < 2 and sent < 2000:
                answers = list(pool.map(lambda _: requests.get(f"{base}/health", timeout=10).status_code, range(50)))
                assert answers == [200] * 50
                sent += 50
        assert len(files()) == 2  # both worker processes wrote samples
        token = "decision-token-in-a-link-Qw7e9"  # an approver's page link, and the page's form posting back
        requests.get(f"{base}/v1/approvals/apr_x/page?approve={token}&reject={token}",
                     headers={"Referer": f"{base}/v1/approvals/apr_x/page?approve={token}"}, timeout=10)
        totals = {health_total() for _ in range(8)}
        assert totals == {float(sent)}  # whichever worker answered the scrape, both workers' requests counted
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    lines = [line for line in (tmp_path / "gunicorn.log").read_text().splitlines() if line.strip()]
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    assert any("Booting worker" in json.loads(line)["message"] for line in lines)
    assert any("/v1/approvals/apr_x/page" in json.loads(line)["message"] for line in lines)  # the access line
    assert not [line for line in lines if token in line]



def test_an_older_store_gets_the_correlation_columns(tmp_path):
    from sidecar.store import Database
    from sidecar.store.migrate import current, head
    from sidecar.store.schema import metadata
    engine = sa.create_engine(f"sqlite:///{tmp_path}/old.db")
    metadata.create_all(engine)  # a store made before migrations, without the correlation columns
    with engine.begin() as conn:
        for table in ("releases", "jobs"):
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN correlation_id")
    engine.dispose()
    db = Database(f"sqlite:///{tmp_path}/old.db")
    db.create_schema()
    columns = {table: {c["name"] for c in sa.inspect(db.engine).get_columns(table)} for table in ("releases", "jobs")}
    assert all("correlation_id" in names for names in columns.values())
    assert current(db.engine) == head()
    db.dispose()


def test_the_log_format_is_checked_at_start(tmp_path):
    import pytest

    from sidecar.config import load_settings
    from sidecar.errors import ConfigError
    from tests.conftest import sidecar_env
    assert load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_LOG_FORMAT="JSON")).log_format == "json"
    with pytest.raises(ConfigError, match="SIDECAR_LOG_FORMAT"):
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_LOG_FORMAT="yaml"))


def test_text_log_lines_name_the_correlation_id():
    from sidecar import correlation
    stream = io.StringIO()
    record_logger = logging.getLogger("sidecar.test_observability")
    handler = logs.handler("text", stream)
    record_logger.addHandler(handler)
    try:
        with correlation.bound("trace-7"):
            record_logger.warning("inside")
        record_logger.warning("outside")
    finally:
        record_logger.removeHandler(handler)
    inside, outside = stream.getvalue().splitlines()
    assert "[trace-7]: inside" in inside and "[-]: outside" in outside
