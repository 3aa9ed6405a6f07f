"""Rate limits per client and per route (the `limits` library), and the body size limit of every route.

Each authenticated client has its own budget on each route: `default` from SIDECAR_RATE_LIMITS,
or that route's own entry. A request whose credentials do not identify a client is counted by
its remote address, so guessing keys or signatures is limited too. The counters live in
SIDECAR_RATE_LIMIT_STORAGE: `memory://` is one process's own; several processes (gunicorn
workers, several hosts) share one `redis://` URL. Health routes and static files are never limited.
"""
from __future__ import annotations

import logging
import math
import re
import time
from urllib.parse import unquote_to_bytes, urlparse

from flask import Flask, current_app, g, request
from limits.storage import MemoryStorage
from werkzeug.exceptions import RequestEntityTooLarge

from sidecar.errors import ConfigError, InvalidPayload, SidecarError

logger = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = "1200/minute"  # per client and route: 20/s on average, room for n8n's bursts
DEFAULT_STORAGE = "memory://"
UNLIMITED_ENDPOINTS = frozenset({"health.health", "health.ready", "static"})  # static: the console's files
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
EXTENSION = "rate_limiter"


def parse_rate_limits(raw: str, problems: list[str], variable: str = "SIDECAR_RATE_LIMITS") -> dict[str, str]:
    """`route=limit[, limit]` entries separated by ';' or newlines; the route `default` applies to every other.

    A route is its path as the OpenAPI document writes it, optionally after its method:
    `POST /v1/events=120/minute` or `/v1/approvals/{approval_id}/decision=10/minute, 2/second`.
    """
    from limits import parse_many

    found = {"default": DEFAULT_RATE_LIMIT}
    for entry in re.split(r"[;\n]", raw):
        if not entry.strip():
            continue
        route, _, value = (part.strip() for part in entry.partition("="))
        if not route or not value:
            problems.append(f"{variable}: '{entry.strip()[:80]}' is not route=limit (e.g. POST /v1/events=120/minute)")
            continue
        route = normalise_route(route)
        if route is None:
            problems.append(f"{variable}: '{entry.strip()[:80]}': the route must be 'default', a path starting "
                            f"with '/' or a method then a path ({', '.join(METHODS)})")
            continue
        try:
            parse_many(value)
        except ValueError:
            problems.append(f"{variable}: '{value[:80]}' (route {route}) is not a rate limit such as "
                            "'120/minute' or '10 per second, 1000 per hour'")
            continue
        found[route] = value
    return found


def normalise_route(route: str) -> str | None:
    """`default`, `/path` or `METHOD /path` with single spaces and the method upper-case; None if neither."""
    parts = route.split()
    if parts == ["default"]:
        return "default"
    if len(parts) == 1 and parts[0].startswith("/"):
        return parts[0]
    if len(parts) == 2 and parts[0].upper() in METHODS and parts[1].startswith("/"):
        return f"{parts[0].upper()} {parts[1]}"
    return None


def check_storage(url: str, problems: list[str], variable: str = "SIDECAR_RATE_LIMIT_STORAGE") -> None:
    """A storage the limits library knows; the URL itself is never echoed (a Redis URL may hold a password)."""
    from limits.storage import SCHEMES

    scheme = urlparse(url).scheme if "://" in url else ""
    if scheme not in SCHEMES:
        problems.append(f"{variable}: must be memory:// (one process) or a shared storage URL such as "
                        "redis://host:6379/0 (several processes)")
    elif scheme.startswith(("redis", "rediss", "valkey")):
        try:
            import redis  # noqa: F401 - the client the limits library talks to Redis with
        except ImportError:
            problems.append(f"{variable}: a Redis URL needs the redis package (pip install 'odoo-n8n-sidecar[redis]')")


def openapi_path(rule: str) -> str:
    """Flask's `/v1/approvals/<approval_id>` (or `<int:id>`) as the OpenAPI document writes it."""
    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule)


def client_key(settings) -> str:
    """Who the request counts against: the client its credentials prove, else its remote address.

    Only a valid credential names a client: a forged key id or an unknown key must not spend a real
    client's budget. A signature is checked here without recording its webhook-id (the view does that).
    """
    from sidecar.api.body import raw_body
    from sidecar.auth import SIGNATURE_HEADER, authenticate

    headers = request.headers
    try:  # the body is read only for a signature (an API key's request may never need it)
        body = raw_body() if headers.get(SIGNATURE_HEADER) else b""
        g.caller = caller = authenticate(settings, headers, body)  # the view's `requires` takes it from here
        return f"client:{caller.client.name}"
    except (SidecarError, RequestEntityTooLarge):
        pass  # refused by the view anyway; counted by address until then
    return f"address:{request.remote_addr or 'unknown'}"


def check_routes(app: Flask, settings) -> None:
    """Every route SIDECAR_RATE_LIMITS names exists: a typo would silently leave the default in force."""
    served = set()
    for rule in app.url_map.iter_rules():
        path = openapi_path(rule.rule)
        served.add(path)
        served.update(f"{method} {path}" for method in rule.methods or ())
    unknown = sorted(route for route in settings.rate_limits if route != "default" and route not in served)
    if unknown:
        raise ConfigError([f"SIDECAR_RATE_LIMITS: no such route {route}" for route in unknown])


def reject_large_bodies() -> None:
    """413 before the view reads anything: a declared length over SIDECAR_MAX_BODY_BYTES, on every route.

    A chunked body has no declared length; it is read (at most one byte past the limit) here so that
    routes which never look at their body refuse it too.
    """
    from sidecar.api.body import raw_body

    environ = request.environ
    if not environ.get("CONTENT_LENGTH") and not environ.get("HTTP_TRANSFER_ENCODING"):
        return  # no body declared, none streamed: most GETs, nothing to parse
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
    elif "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        raw_body()


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def reject_unreadable_text() -> None:
    """400 for text no field of this API holds: a NUL in the path, a query parameter or a form field (PostgreSQL
    refuses one in any string, SQLite would store it: refused alike on both stores), or query bytes that are not
    UTF-8 (Werkzeug would quietly turn them into U+FFFD). A JSON body's strings: sidecar/api/body.py."""
    environ = request.environ  # read directly: this runs on every request, most of them clean GETs
    if "\x00" in environ.get("PATH_INFO", ""):
        raise InvalidPayload("the path holds a NUL character (U+0000)",
                             details=[{"pointer": _shown(request.path), "message": "no path segment holds a NUL"}])
    if environ.get("QUERY_STRING"):
        _reject_unreadable_query()
    if environ.get("CONTENT_TYPE") and request.mimetype in FORM_TYPES:  # its size was checked first
        for name, value in request.form.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise InvalidPayload("form fields must be text without NUL",
                                     details=[{"pointer": _shown(name), "message": "the field holds a NUL"}])


def _shown(text: str) -> str:
    return text.replace("\x00", "\\0")[:100]


def _reject_unreadable_query() -> None:
    for part in request.query_string.split(b"&"):
        name, _, value = part.partition(b"=")
        for raw, what in ((name, "name"), (value, "value")):
            try:
                text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is None or "\x00" in text:
                shown = _shown(unquote_to_bytes(name).decode("utf-8", "replace"))
                raise InvalidPayload(f"query parameter {what}s must be UTF-8 text without NUL",
                                     details=[{"pointer": f"?{shown}", "message": f"the {what} is not UTF-8 text "
                                               "without NUL"}])


class SweptMemoryStorage(MemoryStorage):
    """The `limits` library's in-process counters, their expired entries swept in line at most once a second.

    Its own sweep runs in a timer thread started again whenever the last one has ended, every 10 ms under
    load: starting that thread cost more CPU than counting the request. Counting does not depend on the
    sweep (an expired counter is dropped when next read); it only frees keys nobody asks about again.
    """

    SWEEP_SECONDS = 1.0
    _next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the base class's private timer restart
        at = time.monotonic()
        if at >= self._next_sweep:
            self._next_sweep = at + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


class RateLimiter:
    """Counts each request against its client's budget on its route and method (a fixed window of the
    `limits` library, in the storage SIDECAR_RATE_LIMIT_STORAGE names) before the view runs.

    The limits of a route are parsed once; the check costs one storage hit per limit. A storage that
    fails lets the request through (logged): the limiter being down must not take the API down.
    """

    def __init__(self, settings):
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        options = {"socket_timeout": 2, "socket_connect_timeout": 2} \
            if settings.rate_limit_storage.startswith(("redis", "valkey")) else {}
        self.settings = settings
        self.storage = SweptMemoryStorage() if urlparse(settings.rate_limit_storage).scheme == "memory" \
            else storage_from_string(settings.rate_limit_storage, **options)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self._parsed: dict[tuple[str, str], list] = {}  # (method, rule) -> its limits, smallest first

    def limits_of(self, method: str, rule: str) -> list:
        """The parsed limits of a route (its `METHOD /path` entry, its `/path` entry, else `default`)."""
        found = self._parsed.get((method, rule))
        if found is None:
            from limits import parse_many

            limits, path = self.settings.rate_limits, openapi_path(rule)
            found = sorted(parse_many(limits.get(f"{method} {path}") or limits.get(path) or limits["default"]))
            self._parsed[(method, rule)] = found
        return found

    def check(self) -> None:
        """Spend one request of the caller's budget on this route; RateLimited past the limit."""
        req = request._get_current_object()  # one context lookup, not one per attribute
        rule = req.url_rule
        if rule is None or rule.endpoint in UNLIMITED_ENDPOINTS:
            return  # 404 and 405 never reach a view; health is never limited
        try:
            who = client_key(self.settings)
            scope = f"{rule.endpoint}:{req.method}"
            for limit in self.limits_of(req.method, rule.rule):
                if not self.strategy.hit(limit, "sidecar", who, scope):
                    reset_at = self.strategy.get_window_stats(limit, "sidecar", who, scope).reset_time
                    raise RateLimited(limit, max(1, math.ceil(reset_at - time.time())))
        except RateLimited:
            raise
        except Exception:
            logger.exception("rate limit storage failed; the request passes unlimited")


class RateLimited(Exception):
    """A client went past one of its limits on a route; `wait`: whole seconds until its window resets."""

    def __init__(self, limit, wait: int):
        super().__init__(str(limit))
        self.limit, self.wait = limit, wait


def install(app: Flask, settings) -> None:
    """Attach the body size check and the rate limiter to `app` (create_app calls it after the blueprints)."""
    app.before_request(reject_large_bodies)
    app.before_request(reject_unreadable_text)
    check_routes(app, settings)
    limiter = RateLimiter(settings)
    app.before_request(limiter.check)
    app.extensions[EXTENSION] = limiter

    @app.errorhandler(RateLimited)
    def _rate_limited(err: RateLimited):
        from sidecar.app import error_response

        body, status = error_response(429, "rate_limited", f"too many requests from this client on this route "
                                      f"(limit {err.limit}); retry after {err.wait}s")
        return body, status, {"Retry-After": str(err.wait)}
