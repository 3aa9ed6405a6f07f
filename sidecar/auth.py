"""Who is calling: a scoped API key (Bearer) or an HMAC-SHA256 signature over timestamp and body."""
from __future__ import annotations

import hashlib
import hmac
import time

from sidecar.config import Client, Settings
from sidecar.errors import Forbidden, Unauthenticated

KEY_ID_HEADER = "X-Sidecar-Key-Id"
TIMESTAMP_HEADER = "X-Sidecar-Timestamp"
SIGNATURE_HEADER = "X-Sidecar-Signature"
SIGNATURE_PREFIX = "v1="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (epoch seconds)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def _bytes(text: str) -> bytes:
    """Header text as bytes: compare_digest refuses non-ASCII str, and a header may hold anything."""
    return text.encode("utf-8", "surrogatepass")


def _by_api_key(settings: Settings, token: str) -> Client:
    for client in settings.api_keys:
        if hmac.compare_digest(_bytes(client.secret), _bytes(token)):
            return client
    raise Unauthenticated("unknown API key", code="invalid_api_key")


def _by_signature(settings: Settings, headers, body: bytes, remember_signature) -> Client:
    key_id, timestamp, signature = (headers.get(h) for h in (KEY_ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER))
    if not key_id or not timestamp:
        raise Unauthenticated(f"a signed request needs {KEY_ID_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}",
                              code="signature_missing")
    client = next((c for c in settings.hmac_clients if c.name == key_id), None)
    if client is None:
        raise Unauthenticated(f"unknown key id '{key_id[:100]}'", code="invalid_signature")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Unauthenticated(f"{TIMESTAMP_HEADER} must be epoch seconds", code="invalid_signature")
    sent_at = int(timestamp)
    if abs(time.time() - sent_at) > settings.signature_tolerance:
        raise Unauthenticated(f"timestamp is outside the {settings.signature_tolerance}s window",
                              code="stale_signature")
    if not hmac.compare_digest(_bytes(sign(client.secret, timestamp, body)), _bytes(signature)):
        raise Unauthenticated("signature does not match the body", code="invalid_signature")
    if not remember_signature(signature, 2 * settings.signature_tolerance):
        raise Unauthenticated("this signed request was already received", code="replayed_signature")
    return client


def authenticate(settings: Settings, headers, body: bytes, remember_signature) -> Client:
    """Identify the caller or raise Unauthenticated; `remember_signature(sig, ttl)` is False for a replay."""
    authorization = headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        return _by_api_key(settings, authorization[len("Bearer "):].strip())
    if headers.get(SIGNATURE_HEADER):
        return _by_signature(settings, headers, body, remember_signature)
    raise Unauthenticated("send 'Authorization: Bearer <key>' or a signed request", code="credentials_missing")


def require_scope(client: Client, scope: str) -> None:
    """Raise Forbidden unless the client holds `scope`."""
    if not client.allows(scope):
        raise Forbidden(f"client '{client.name}' lacks scope '{scope}'", code="out_of_scope")
