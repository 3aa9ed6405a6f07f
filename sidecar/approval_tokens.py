"""Signed decision tokens: the approver of an approval is whoever holds the sidecar's token.

A token names one approval, one approver login, one decision, the tier it decides (its index;
tokens from before tiers name none and decide the approver's open tier) and the approval's
routing generation, and expires a grace period after the SLA. It is signed with
`SIDECAR_APPROVAL_SECRET`, which the database never holds, so a copy of the store cannot mint
one. Tokens are deterministic: issuing again for the same approval state gives the same
strings, so nothing about them needs storing; a re-route bumps the generation, which voids
every earlier token.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from sidecar.errors import Forbidden

SALT = "sidecar.approval-decision.v1"  # separates these signatures from any other use of the key
DECISIONS = ("approve", "reject")


@dataclass(frozen=True)
class DecisionToken:
    """What a verified token says."""

    approval_id: str
    approver: str
    decision: str
    generation: int
    expires_at: float
    tier: int | None = None


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def issue(secret: str, approval_id: str, approver: str, decision: str, generation: int,
          expires_at: float, tier: int | None = None) -> str:
    """A token letting `approver` take `decision` on one tier of the approval's current routing."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}")
    payload = {"a": approval_id, "u": approver, "d": decision, "g": generation, "exp": int(expires_at)}
    if tier is not None:
        payload["t"] = tier
    return _serializer(secret).dumps(payload)


def verify(secret: str, token: str) -> DecisionToken:
    """The token's content; Forbidden when it is forged or malformed (expiry is checked apart)."""
    try:
        payload = _serializer(secret).loads(token)
        decoded = DecisionToken(str(payload["a"]), str(payload["u"]), str(payload["d"]),
                                int(payload["g"]), float(payload["exp"]),
                                int(payload["t"]) if payload.get("t") is not None else None)
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Forbidden("the decision token is not valid", code="invalid_token") from None
    return decoded


def require_fresh(decoded: DecisionToken, now: float | None = None) -> None:
    """Forbidden once the token's expiry has passed."""
    if decoded.expires_at < (time.time() if now is None else now):
        raise Forbidden("the decision token has expired; ask for the approval to be re-routed",
                        code="token_expired")


def fingerprint(token: str) -> str:
    """What the store keeps of the token that decided an approval (to answer its repeat)."""
    return hashlib.sha256(token.encode()).hexdigest()
