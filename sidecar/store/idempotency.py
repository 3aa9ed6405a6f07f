"""Idempotency records: the first answer to a key, returned again on a repeat."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.prepared import Prepared
from sidecar.store.records import now
from sidecar.store.schema import idempotency

_BY_KEY = Prepared(sa.select(idempotency).where(idempotency.c.key == sa.bindparam("key")))  # see store/releases.py
_INSERT = Prepared(idempotency.insert())


def find(conn: Connection, key: str) -> dict | None:
    """The stored record for `key`, if any."""
    return _BY_KEY.first(conn, {"key": key})


def save(conn: Connection, key: str, operation: str, request_hash: str, status_code: int, response: dict) -> None:
    """Store the answer given to `key`; raises IntegrityError when the key exists already."""
    _INSERT.run(conn, dict(key=key, operation=operation, request_hash=request_hash,
                               status_code=status_code, response=response, created_at=now()))
