"""Every failure talking to Odoo, reduced to one OdooError with a business-readable category."""
from __future__ import annotations

import http.client
import json
import socket
import urllib.error

import odoorpc.error

UNREACHABLE = "odoo_unreachable"
ACCESS_DENIED = "access_denied"
VALIDATION = "validation_error"
RECORD_MISSING = "record_missing"
STATE_CONFLICT = "state_conflict"
ODOO_ERROR = "odoo_error"
N8N_FAILURE = "n8n_failure"  # n8n did not take what a job sent it (a resume URL): not Odoo
INTERNAL = "internal_error"  # the sidecar's own bug or an unknown operation: never retried as if Odoo were down

CATEGORY_LABELS = {
    UNREACHABLE: "Odoo unreachable",
    ACCESS_DENIED: "Access denied",
    VALIDATION: "Rejected by Odoo validation",
    RECORD_MISSING: "Record missing in Odoo",
    STATE_CONFLICT: "Record in a conflicting state",
    ODOO_ERROR: "Odoo error",
    INTERNAL: "Sidecar internal error",
    N8N_FAILURE: "n8n execution failed",
}
CATEGORIES = tuple(CATEGORY_LABELS)
RETRYABLE_BY_DEFAULT = {UNREACHABLE: True, ODOO_ERROR: True}

# Odoo exception class names (the last part of `error.data.name`) -> category.
ODOO_NAMES = {
    "AccessDenied": ACCESS_DENIED,
    "AccessError": ACCESS_DENIED,
    "ValidationError": VALIDATION,
    "UserError": VALIDATION,
    "RedirectWarning": VALIDATION,
    "Warning": VALIDATION,
    "ValueError": VALIDATION,
    "MissingError": RECORD_MISSING,
}
SESSION_EXPIRED_NAMES = {"SessionExpiredException"}
SESSION_EXPIRED_CODE = 100
WRONG_LOGIN = "Wrong login ID or password"  # odoorpc's own RPCError when common.login answers false
TRANSIENT_HTTP = {408, 425, 429}


class OdooError(Exception):
    """A failed Odoo call: category, whether a retry may help, and Odoo's own exception name."""

    def __init__(self, category: str, message: str, retryable: bool | None = None,
                 odoo_name: str | None = None, reconnect: bool = False):
        if category not in CATEGORY_LABELS:
            raise ValueError(f"unknown Odoo error category '{category}'")
        super().__init__(message)
        self.category = category
        self.message = message
        self.retryable = RETRYABLE_BY_DEFAULT.get(category, False) if retryable is None else retryable
        self.odoo_name = odoo_name
        self.reconnect = reconnect  # the connection is suspect: log in again before the next call

    def __repr__(self) -> str:
        return f"OdooError({self.category!r}, {self.message!r}, retryable={self.retryable})"


def unreachable(message: str) -> OdooError:
    """Odoo did not answer: retry later, on a fresh connection."""
    return OdooError(UNREACHABLE, message, retryable=True, reconnect=True)


def _from_rpc(exc: odoorpc.error.RPCError) -> OdooError:
    info = exc.info if isinstance(exc.info, dict) else {}
    data = info.get("data") if isinstance(info.get("data"), dict) else {}
    name = data.get("name") or None
    message = data.get("message") or info.get("message") or str(exc) or "Odoo error"
    short = name.rsplit(".", 1)[-1] if name else ""
    if short in SESSION_EXPIRED_NAMES or info.get("code") == SESSION_EXPIRED_CODE:
        return OdooError(ODOO_ERROR, f"Odoo session expired: {message}", retryable=True,
                         odoo_name=name, reconnect=True)
    if not info and str(exc) == WRONG_LOGIN:
        return OdooError(ACCESS_DENIED, "Odoo refused the login or API key", odoo_name=None, reconnect=True)
    category = ODOO_NAMES.get(short, ODOO_ERROR)
    return OdooError(category, message, odoo_name=name, reconnect=category == ACCESS_DENIED)


def _from_http_status(exc: urllib.error.HTTPError) -> OdooError:
    text = f"Odoo answered HTTP {exc.code} {exc.reason}"
    if exc.code >= 500 or exc.code in TRANSIENT_HTTP:
        return unreachable(text)
    if exc.code in (401, 403):
        return OdooError(ACCESS_DENIED, text, reconnect=True)
    return OdooError(ODOO_ERROR, text, retryable=True, reconnect=True)


def classify(exc: BaseException) -> OdooError:
    """Map any exception raised while calling Odoo to an OdooError."""
    if isinstance(exc, OdooError):
        return exc
    if isinstance(exc, odoorpc.error.RPCError):
        return _from_rpc(exc)
    if isinstance(exc, urllib.error.HTTPError):
        return _from_http_status(exc)
    if isinstance(exc, urllib.error.URLError):
        return unreachable(f"cannot reach Odoo: {exc.reason}")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return unreachable("Odoo did not answer in time")
    if isinstance(exc, (OSError, http.client.HTTPException)):
        return unreachable(f"connection to Odoo failed: {type(exc).__name__}: {exc}")
    if isinstance(exc, json.JSONDecodeError):
        return unreachable("Odoo answered something that is not JSON-RPC")
    if isinstance(exc, odoorpc.error.InternalError):
        return OdooError(ODOO_ERROR, f"Odoo client error: {exc}", retryable=True, reconnect=True)
    return OdooError(ODOO_ERROR, f"{type(exc).__name__}: {exc}", retryable=True)
