"""Liveness and readiness."""
from __future__ import annotations

from flask import Blueprint

from sidecar.api.common import get_services
from sidecar.odoo.errors import OdooError

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/ready")
def ready():
    """The store and Odoo both answer; 503 names the one that does not."""
    services = get_services()
    checks = {}
    try:
        services.db.ping()
        checks["store"] = {"ok": True}
    except Exception as err:  # any driver error means not ready
        checks["store"] = {"ok": False, "error": str(err)}
    try:
        checks["odoo"] = {"ok": True, "version": services.odoo.ping().get("server_version")}
    except OdooError as err:
        checks["odoo"] = {"ok": False, "category": err.category, "error": err.message}
    ok = all(check["ok"] for check in checks.values())
    from sidecar.app import RETRY_AFTER_SECONDS  # as every 503: a probe or client asks again after it
    return ({"status": "ready" if ok else "not_ready", "checks": checks}, 200 if ok else 503,
            {} if ok else {"Retry-After": str(RETRY_AFTER_SECONDS)})
