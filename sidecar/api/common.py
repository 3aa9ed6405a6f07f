"""What every blueprint shares: the services accessor, authentication, JSON bodies."""
from __future__ import annotations

import json
from functools import wraps

from flask import current_app, g, request

from sidecar.auth import authenticate, require_scope
from sidecar.errors import InvalidPayload
from sidecar.services import Services
from sidecar.store import signatures

EXTENSION = "sidecar"


def get_services() -> Services:
    """The app's services (attached by create_app)."""
    return current_app.extensions[EXTENSION]


def _remember_signature(signature: str, ttl: float) -> bool:
    with get_services().db.transaction() as conn:
        return signatures.remember(conn, signature, ttl)


def requires(scope: str):
    """Authenticate the caller and check `scope` before the view runs; the client lands on g."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            services = get_services()
            client = authenticate(services.settings, request.headers, request.get_data(cache=True),
                                  _remember_signature)
            require_scope(client, scope)
            g.client = client
            return view(*args, **kwargs)
        wrapper.required_scope = scope
        return wrapper
    return decorator


def json_body(default=None):
    """The request's JSON body; a clear 400 when it is not JSON or not an object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if default is not None:
            return default
        raise InvalidPayload("request body is empty; send a JSON object", code="malformed_json")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidPayload(f"request body is not valid JSON: {err}", code="malformed_json") from None
    if not isinstance(body, dict):
        raise InvalidPayload("request body must be a JSON object", code="malformed_json",
                             details=[{"pointer": "", "message": f"got {type(body).__name__}"}])
    return body


def page_limit(default: int = 50, maximum: int = 200) -> int:
    """The `limit` query parameter, validated and capped."""
    raw = request.args.get("limit", str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidPayload("limit must be a positive integer",
                             details=[{"pointer": "?limit", "message": f"got '{raw}'"}])
    return min(int(raw), maximum)


def actor() -> str | None:
    """Name of the authenticated client, for the audit log."""
    client = g.get("client")
    return client.name if client else None
