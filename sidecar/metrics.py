"""Prometheus metrics (prometheus-client): counters and histograms recorded where things happen,
and the store's gauges (outbox, dead letters, approvals) read by a collector at scrape time.

Under gunicorn every worker process writes its samples to PROMETHEUS_MULTIPROC_DIR (set by
sidecar.gunicorn_conf before the app is imported) and a scrape adds them up; without that
variable the process's own registry answers. Labels hold names and categories only: never a
payload, a key, a token or anything a caller typed freely.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client import values

from sidecar.store import metrics as store_metrics
from sidecar.store.records import now

FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

EVENTS = Counter("sidecar_events_total", "Events received, by flow, event type and outcome "
                 "(the decision's outcome, duplicate, or the error code that refused it)",
                 ["flow", "type", "outcome"])
DECISION_SECONDS = Histogram("sidecar_decision_seconds", "Time from an event's arrival to its recorded decision",
                             ["flow"], buckets=FAST)
JOBS = Counter("sidecar_jobs_total", "Outbox jobs run by the worker, by operation and outcome "
               "(done, retry, dead, superseded)", ["operation", "outcome"])
ODOO_SECONDS = Histogram("sidecar_odoo_call_seconds", "Odoo RPC calls (execute_kw), by model and method",
                         ["model", "method"], buckets=FAST)
ODOO_ERRORS = Counter("sidecar_odoo_call_errors_total", "Odoo RPC calls that failed, by model, method and category",
                      ["model", "method", "category"])
HTTP_REQUESTS = Counter("sidecar_http_requests_total", "HTTP requests answered, by route template, method and status",
                        ["route", "method", "status"])
HTTP_SECONDS = Histogram("sidecar_http_request_seconds", "HTTP request duration, by route template and method",
                         ["route", "method"], buckets=FAST)
ADVICE_MODEL = Counter("sidecar_advice_model_total", "The advisory classifier made ready in a process: loaded from "
                       "its file, or trained, and why (missing, stale, mismatch, unreadable, asked)", ["how", "reason"])
UNMATCHED = "unmatched"  # requests no route matched (404s): one label, whatever path was asked


def multiprocess() -> bool:
    """True when samples go to files shared by several processes (gunicorn workers, the outbox worker):
    prometheus_client chose so when it was imported, from PROMETHEUS_MULTIPROC_DIR."""
    return values.ValueClass is not values.MutexValue


def record_event(flow: str, event_type: str, outcome: str, seconds: float | None = None) -> None:
    """One event answered; `seconds` when a decision was recorded for it."""
    EVENTS.labels(flow, event_type, outcome).inc()
    if seconds is not None:
        DECISION_SECONDS.labels(flow).observe(seconds)


def record_job(operation: str, outcome: str) -> None:
    """One outbox job run to an outcome."""
    JOBS.labels(operation, outcome).inc()


def record_advice_model(how: str, reason: str = "") -> None:
    """The classifier was loaded or trained in this process."""
    ADVICE_MODEL.labels(how, reason).inc()


@contextmanager
def odoo_call(model: str, method: str):
    """Time one Odoo call; a failure counts by its category (an OdooError's, else the exception's type)."""
    started = time.perf_counter()
    try:
        yield
    except Exception as err:
        ODOO_ERRORS.labels(model, method, getattr(err, "category", None) or type(err).__name__).inc()
        raise
    finally:
        ODOO_SECONDS.labels(model, method).observe(time.perf_counter() - started)


_HTTP_SERIES: dict[tuple, tuple] = {}  # (route, method, status) -> its counter and histogram children


def record_request(route: str | None, method: str, status: int, seconds: float) -> None:
    """One HTTP answer. Its series are looked up once per label set: `labels()` takes a lock and
    builds its key on every call, a fair part of a cheap request's CPU."""
    series = _HTTP_SERIES.get((route, method, status))
    if series is None:
        labelled = route or UNMATCHED
        series = _HTTP_SERIES[(route, method, status)] = (HTTP_REQUESTS.labels(labelled, method, str(status)),
                                                          HTTP_SECONDS.labels(labelled, method))
    series[0].inc()
    series[1].observe(seconds)


class StoreCollector:
    """The store's state at scrape time: three grouped queries."""

    def __init__(self, db):
        self.db = db

    def collect(self):
        at = now()
        with self.db.read() as conn:
            outbox = store_metrics.outbox_by_state(conn)
            letters = store_metrics.dead_letters_by_category(conn)
            waiting = store_metrics.open_approvals_by_flow(conn, at)
        depth = GaugeMetricFamily("sidecar_outbox_jobs", "Outbox jobs in each state", labels=["state"])
        age = GaugeMetricFamily("sidecar_outbox_oldest_job_age_seconds",
                                "Age of the oldest job in each state (since it was queued)", labels=["state"])
        for state, count, oldest in outbox:
            depth.add_metric([state], count)
            age.add_metric([state], max(0.0, at - oldest) if oldest is not None else 0.0)
        dead = GaugeMetricFamily("sidecar_dead_letters", "Dead letters by category and status",
                                 labels=["category", "status"])
        for category, status, count in letters:
            dead.add_metric([category, status], count)
        open_ = GaugeMetricFamily("sidecar_approvals_waiting", "Approvals waiting for a decision, by flow",
                                  labels=["flow"])
        late = GaugeMetricFamily("sidecar_approvals_overdue", "Waiting approvals past their SLA (due time), by flow",
                                 labels=["flow"])
        oldest_wait = GaugeMetricFamily("sidecar_approval_oldest_wait_seconds",
                                        "How long the oldest waiting approval has waited, by flow", labels=["flow"])
        for flow, count, overdue, oldest in waiting:
            open_.add_metric([flow], count)
            late.add_metric([flow], overdue)
            oldest_wait.add_metric([flow], max(0.0, at - oldest) if oldest is not None else 0.0)
        yield from (depth, age, dead, open_, late, oldest_wait)


class _ProcessMetrics:
    """This process's own registry (plain mode), as one collector of a scrape's registry."""

    def collect(self):
        yield from REGISTRY.collect()


def render(db=None) -> tuple[bytes, str]:
    """The exposition text of one scrape and its content type."""
    registry = CollectorRegistry()
    if multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    if db is not None:
        registry.register(StoreCollector(db))
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4  # the text format every Prometheus reads


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: the dead worker's live gauges stop counting (its counters stay)."""
    if multiprocess():
        from prometheus_client import multiprocess as mp
        mp.mark_process_dead(pid)
