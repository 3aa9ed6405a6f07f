"""Standard Webhooks signed requests for tests, made by the `standardwebhooks` library itself (not the sidecar)."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook

# The `shop` client's secrets while one is rotated: both sign, both are accepted.
SHOP_OLD_SECRET = "whsec_FlJNyC3TIpFeUUgBLyXa4/iO+PNP0fx4QfAJHkBEQgA="
SHOP_NEW_SECRET = "whsec_S87meOjdVqcX0bqGAN4R0laDrXxrXfdS/V0Zf3Va6LI="
FORGED_SECRET = "whsec_zN01Foq0dPpXZKUmz7g2ITUeI2gsUHWy4Y1Wvd+WqjA="
WEBHOOK_CLIENTS = f"shop:{SHOP_OLD_SECRET},{SHOP_NEW_SECRET}:events.write"


def signed(body: bytes, *secrets: str, message_id: str | None = None, at: float | None = None) -> dict[str, str]:
    """webhook-id, webhook-timestamp and one signature per secret (space-separated, as a sender rotating keys)."""
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    sent_at = datetime.fromtimestamp(int(time.time() if at is None else at), tz=timezone.utc)
    signatures = [Webhook(secret).sign(message_id, sent_at, body.decode()) for secret in secrets or (SHOP_NEW_SECRET,)]
    return {"webhook-id": message_id, "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": " ".join(signatures)}
