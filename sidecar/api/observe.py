"""Per-request observability: the correlation id (taken from the request or made) bound while the
request runs and returned in X-Correlation-Id, and the HTTP metrics of every answer."""
from __future__ import annotations

import time

from flask import Flask, g, request

from sidecar import correlation, metrics


def _begin() -> None:
    g.correlation_token = correlation.set_current(correlation.from_environ(request.environ))
    g.request_started = time.perf_counter()


def _answer(response):
    response.headers[correlation.HEADER] = correlation.current() or ""
    started = g.get("request_started")
    if started is not None:
        req = request._get_current_object()  # one context lookup, not one per attribute
        rule = req.url_rule.rule if req.url_rule is not None else None
        metrics.record_request(rule, req.method, response.status_code, time.perf_counter() - started)
    return response


def _end(_error=None) -> None:
    token = g.pop("correlation_token", None)
    if token is not None:
        correlation.reset(token)


def init_app(app: Flask) -> None:
    """Register the hooks (before every other after_request hook runs, this one adds the header)."""
    app.before_request(_begin)
    app.after_request(_answer)
    app.teardown_request(_end)
