"""Signatures already seen, so a captured signed request cannot be replayed."""
from __future__ import annotations

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sidecar.store.records import now
from sidecar.store.schema import seen_signatures


def remember(conn: Connection, signature: str, ttl_seconds: float) -> bool:
    """Record a signature; False when it was seen before and has not expired."""
    conn.execute(seen_signatures.delete().where(seen_signatures.c.expires_at < now()))
    try:
        with conn.begin_nested():
            conn.execute(seen_signatures.insert().values(signature=signature, expires_at=now() + ttl_seconds))
    except IntegrityError:
        return False
    return True


def forget(conn: Connection, signature: str) -> None:
    """Drop a signature, so the same signed request is accepted again (its first try failed)."""
    conn.execute(seen_signatures.delete().where(seen_signatures.c.signature == signature))
