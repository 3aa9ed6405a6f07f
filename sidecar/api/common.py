"""What every blueprint shares: the services accessor, authentication, JSON bodies."""
from __future__ import annotations

import logging
from functools import wraps

from flask import current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from sidecar.api.body import check_content_type, parse_json, raw_body
from sidecar.auth import authenticate, message_key, require_scope
from sidecar.errors import Conflict, InvalidPayload
from sidecar.services import Services
from sidecar.store import signatures
from sidecar.store.records import MAX_PAGE

logger = logging.getLogger(__name__)

EXTENSION = "sidecar"


def get_services() -> Services:
    """The app's services (attached by create_app)."""
    return current_app.extensions[EXTENSION]


def _refuse_replay(caller) -> None:
    """A signed message reaches a route that keeps no answer to repeat once: a second delivery is refused.

    Routes that take an idempotency key skip this: there the webhook-id is the key, and a repeat is
    answered as the first time by the route itself.
    """
    key = message_key(caller.client, caller.message_id)
    ttl = 2 * get_services().settings.signature_tolerance  # past this the timestamp alone refuses it
    with get_services().db.transaction() as conn:
        first = signatures.remember(conn, key, ttl)
    if not first:
        raise Conflict(f"webhook-id '{caller.message_id[:100]}' was already received from '{caller.client.name}'; "
                       "this route keeps no answer to repeat, so it does not run twice", code="webhook_replayed")
    g.signature = key


def forget_failed_signature(response):
    """After a 5xx the signed message had no effect: let the client deliver it again as it is."""
    signature = g.pop("signature", None)
    if signature and response.status_code >= 500:
        try:
            with get_services().db.transaction() as conn:
                signatures.forget(conn, signature)
        except SQLAlchemyError:  # the store is down too; the client re-signs after the TTL at worst
            logger.warning("could not forget the signature of a failed request", exc_info=True)
    return response


def requires(scope: str, keyed: bool = False):
    """Authenticate the caller and check `scope` before the view runs; the client lands on g.

    `keyed`: the view honours an idempotency key (Idempotency-Key or webhook-id) and answers a repeat itself.
    """
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            # The rate limiter authenticated this request already (same headers, same body) unless it was exempt.
            caller = g.pop("caller", None) or authenticate(get_services().settings, request.headers, raw_body())
            require_scope(caller.client, scope)
            if caller.message_id is not None and not keyed:
                _refuse_replay(caller)
            g.client = caller.client
            return view(*args, **kwargs)
        wrapper.required_scope = scope
        wrapper.keyed = keyed
        return wrapper
    return decorator


JSON_WHITESPACE = b" \t\n\r"  # RFC 8259's whitespace: an empty body is made of these only


def json_body(default=None):
    """The request's JSON object: 413 too large, 415 not declared JSON, 400 not a clean JSON object."""
    raw = raw_body()
    if not raw and default is not None:  # no body at all; whitespace alone is a malformed one
        return default
    check_content_type()
    if not raw.strip(JSON_WHITESPACE):
        raise InvalidPayload("request body is empty; send a JSON object", code="malformed_json")
    body = parse_json(raw, storable=True)
    if not isinstance(body, dict):
        raise InvalidPayload("request body must be a JSON object", code="malformed_json",
                             details=[{"pointer": "", "message": f"got {type(body).__name__}"}])
    return body


def query_value(name: str, choices=None) -> str | None:
    """One query parameter given at most once, and one of `choices` when they are given."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise InvalidPayload(f"{name} may be given only once",
                             details=[{"pointer": f"?{name}", "message": f"got {len(values)} values"}])
    value = values[0] if values else None
    if value is not None and choices is not None and value not in choices:
        raise InvalidPayload(f"{name} must be one of {', '.join(choices)}",
                             details=[{"pointer": f"?{name}", "message": f"got '{value[:100]}'"}])
    return value


def page_limit(default: int = 50, maximum: int = MAX_PAGE) -> int:
    """The `limit` query parameter: an integer from 1 to `maximum`."""
    return query_int("limit", default, maximum)


def query_int(name: str, default: int, maximum: int) -> int:
    """An integer query parameter from 1 to `maximum` (`default` when absent)."""
    raw = query_value(name)
    if raw is None:
        return default
    # isdecimal alone lets non-ASCII digits through to int(); ASCII digits only, then a bounded int.
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 6 and 1 <= int(raw) <= maximum):
        raise InvalidPayload(f"{name} must be an integer from 1 to {maximum}",
                             details=[{"pointer": f"?{name}", "message": f"got '{raw[:100]}'"}])
    return int(raw)


def actor() -> str | None:
    """Name of the authenticated client, for the audit log."""
    client = g.get("client")
    return client.name if client else None
