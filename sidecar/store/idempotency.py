"""Idempotency records: the first answer to a key, returned again on a repeat."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import as_dict, now
from sidecar.store.schema import idempotency


def find(conn: Connection, key: str) -> dict | None:
    """The stored record for `key`, if any."""
    return as_dict(conn.execute(sa.select(idempotency).where(idempotency.c.key == key)).first())


def save(conn: Connection, key: str, operation: str, request_hash: str, status_code: int, response: dict) -> None:
    """Store the answer given to `key`; raises IntegrityError when the key exists already."""
    conn.execute(idempotency.insert().values(
        key=key, operation=operation, request_hash=request_hash,
        status_code=status_code, response=response, created_at=now(),
    ))
