"""Named leases in the store: one holder at a time, across processes, until released or expired."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sidecar.store.records import new_id, now
from sidecar.store.schema import locks


def acquire(conn: Connection, name: str, ttl_seconds: float) -> str | None:
    """Take the lease `name` (free, or expired: its holder died); its token, or None when it is held."""
    token, stamp = new_id("lock"), now()
    taken = conn.execute(locks.update().where(locks.c.name == name, locks.c.expires_at < stamp)
                         .values(holder=token, expires_at=stamp + ttl_seconds))
    if taken.rowcount == 1:
        return token
    try:
        with conn.begin_nested():
            conn.execute(locks.insert().values(name=name, holder=token, expires_at=stamp + ttl_seconds))
    except IntegrityError:
        return None
    return token


def release(conn: Connection, name: str, token: str) -> None:
    """Give the lease back, if it is still ours."""
    conn.execute(sa.delete(locks).where(locks.c.name == name, locks.c.holder == token))
