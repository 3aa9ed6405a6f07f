"""Who is calling: a scoped API key (Bearer) or a Standard Webhooks signature (webhook-id, -timestamp, -signature).

The signature is checked by the `standardwebhooks` library; this module only finds the client whose secret
(any of them: rotation keeps the old and the new valid) signed the request, and names each refusal.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timezone
from typing import NamedTuple

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sidecar.config import Client, Settings
from sidecar.errors import Forbidden, Unauthenticated

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SIGNED_HEADERS = (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)


class Caller(NamedTuple):
    """The authenticated client and, for a signed request, its webhook-id (None for an API key)."""

    client: Client
    message_id: str | None = None


def sign_headers(secret: str, message_id: str, body: bytes, at: float | None = None) -> dict[str, str]:
    """Standard Webhooks headers for `body` sent as message `message_id`, signed with a `whsec_...` secret."""
    sent_at = datetime.fromtimestamp(int(time.time() if at is None else at), tz=timezone.utc)
    signature = Webhook(secret).sign(message_id, sent_at, body.decode("utf-8"))
    return {ID_HEADER: message_id, TIMESTAMP_HEADER: str(int(sent_at.timestamp())), SIGNATURE_HEADER: signature}


def message_key(client: Client, message_id: str) -> str:
    """What the replay guard stores for a message: a client's webhook-ids are its own, and of any length."""
    return hashlib.sha256(f"{client.name}\0{message_id}".encode("utf-8", "surrogatepass")).hexdigest()


def _bytes(text: str) -> bytes:
    """Header text as bytes: compare_digest refuses non-ASCII str, and a header may hold anything."""
    return text.encode("utf-8", "surrogatepass")


def _by_api_key(settings: Settings, token: str) -> Client:
    for client in settings.api_keys:
        if hmac.compare_digest(_bytes(client.secret), _bytes(token)):
            return client
    raise Unauthenticated("unknown API key", code="invalid_api_key")


def _signs(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except (WebhookVerificationError, ValueError):  # the library raises ValueError on a malformed signature list
        return False
    return True


def _by_signature(settings: Settings, headers, body: bytes) -> Client:
    sent = {name: headers.get(name) for name in SIGNED_HEADERS}
    if not all(sent.values()):
        raise Unauthenticated(f"a signed request needs {', '.join(SIGNED_HEADERS)}", code="signature_missing")
    stamp = sent[TIMESTAMP_HEADER]
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise Unauthenticated(f"{TIMESTAMP_HEADER} must be epoch seconds", code="invalid_signature")
    # The library checks its own five minutes too; this names the refusal (and allows a shorter window).
    if abs(time.time() - int(stamp)) > settings.signature_tolerance:
        raise Unauthenticated(f"{TIMESTAMP_HEADER} is outside the {settings.signature_tolerance}s window",
                              code="stale_signature")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unauthenticated("a signed body must be UTF-8 text", code="invalid_signature") from None
    for client in settings.webhook_clients:
        if any(_signs(secret, body, sent) for secret in client.secrets):
            return client
    raise Unauthenticated("no webhook-signature matches the body with a known secret", code="invalid_signature")


def authenticate(settings: Settings, headers, body: bytes) -> Caller:
    """Identify the caller or raise Unauthenticated."""
    authorization = headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        return Caller(_by_api_key(settings, authorization[len("Bearer "):].strip()))
    if headers.get(SIGNATURE_HEADER):
        return Caller(_by_signature(settings, headers, body), headers.get(ID_HEADER))
    raise Unauthenticated("send 'Authorization: Bearer <key>' or a Standard Webhooks signed request",
                          code="credentials_missing")


def require_scope(client: Client, scope: str) -> None:
    """Raise Forbidden unless the client holds `scope`."""
    if not client.allows(scope):
        raise Forbidden(f"client '{client.name}' lacks scope '{scope}'", code="out_of_scope")
