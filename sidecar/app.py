"""The Flask application factory."""
from __future__ import annotations

import atexit
import logging
import os
import re

from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from sidecar.api import BLUEPRINTS, observe
from sidecar.api.common import EXTENSION, forget_failed_signature
from sidecar.config import Settings, load_settings
from sidecar.console import web as console_web
from sidecar.errors import SidecarError, StoreBusy
from sidecar.limits import install as install_limits
from sidecar.odoo.errors import UNREACHABLE, OdooError
from sidecar.services import Services

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5  # what a 503 asks the client to wait: the store's lock or Odoo coming back
SCHEMA_OR_SQL_BUG = re.compile(r"no such (table|column)|syntax error|has no column", re.IGNORECASE)


def error_response(status: int, code: str, message: str, details: list | None = None):
    """The one shape of every error answer."""
    return {"error": {"code": code, "message": message, "details": details or []}}, status


def register_error_handlers(app: Flask) -> None:
    """Map every exception to a JSON error; only real bugs become 500."""

    @app.errorhandler(SidecarError)
    def _sidecar_error(err: SidecarError):
        body, status = error_response(err.status, err.code, err.message, err.details)
        return body, status, _retry_after(status)

    @app.errorhandler(StoreBusy)
    def _store_busy(err: StoreBusy):
        body, status = error_response(err.status, err.code, err.message, err.details)
        return body, status, {"Retry-After": str(err.retry_after)}

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        # Keep what the exception says about itself (405's Allow, 401's WWW-Authenticate), not its HTML type.
        headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        return (*error_response(err.code or 500, code, err.description or err.name), headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def _store_unavailable(err: Exception):
        if SCHEMA_OR_SQL_BUG.search(str(getattr(err, "orig", None) or err)):
            return _unexpected(err)  # SQLite reports these as OperationalError too; they are bugs, not load
        # "database is locked" past the busy timeout, a lost connection: the store, not the request, failed.
        logger.warning("store unavailable: %s", getattr(err, "orig", None) or err)
        body, status = error_response(503, "store_unavailable", "the sidecar's store is busy or down; retry later")
        return body, status, _retry_after(status)

    @app.errorhandler(OdooError)
    def _odoo_failed(err: OdooError):
        # Flows turn Odoo's failures into answers; one that slips through is still Odoo down, not a bug of ours.
        if err.category != UNREACHABLE:
            return _unexpected(err)
        logger.warning("Odoo unreachable: %s", err.message)
        body, status = error_response(503, err.category, "Odoo did not answer; retry later")
        return body, status, _retry_after(status)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "the sidecar failed; see its log")


WORKER_STOP_SECONDS = 20  # as gunicorn's graceful_timeout: the job in hand may finish


def stop_worker(app: Flask, timeout: float = WORKER_STOP_SECONDS) -> None:
    """Stop the in-process outbox worker and wait for its job in hand (the app's shutdown hook)."""
    worker = app.extensions.pop("outbox_worker", None)
    thread = app.extensions.pop("outbox_worker_thread", None)
    if worker is not None:
        worker.stop()
    if thread is not None:
        thread.join(timeout)


def _retry_after(status: int) -> dict:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}


class SidecarFlask(Flask):
    """Flask, each view and hook checked once for being a coroutine: Flask asks `inspect` about every one
    of them on every request (eight calls for an API GET), though the answer never changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}

    def ensure_sync(self, func):
        found = self._sync.get(func)
        if found is None:
            found = self._sync[func] = super().ensure_sync(func)
        return found


def create_app(overrides: dict | None = None, settings: Settings | None = None,
               services: Services | None = None) -> Flask:
    """Build the app: settings from the environment with `overrides` on top (or given), services,
    blueprints, handlers."""
    app = SidecarFlask(__name__)
    settings = settings or load_settings({**os.environ, **(overrides or {})})
    services = services or Services.from_settings(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions[EXTENSION] = services
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    observe.init_app(app)  # correlation id and HTTP metrics of every request, refused ones too
    install_limits(app, settings)  # body size before any view, rate limits per client and route
    app.after_request(forget_failed_signature)
    console_web.init_app(app, settings)  # the console's session cookie and CSRF settings
    if settings.worker_in_process:
        from sidecar.worker import OutboxWorker
        app.extensions["outbox_worker"] = OutboxWorker(services)
        app.extensions["outbox_worker_thread"] = app.extensions["outbox_worker"].start_thread()
        atexit.register(stop_worker, app)  # gunicorn's worker_exit hook calls it too
    return app
