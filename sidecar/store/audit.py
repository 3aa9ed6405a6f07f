"""Append-only, hash-chained audit log: each entry seals the one before it."""
from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import now
from sidecar.store.schema import audit_head, audit_log

GENESIS = "0" * 64


def entry_hash(entry: dict) -> str:
    """SHA-256 over the entry's canonical JSON (everything but its own hash)."""
    sealed = {k: entry[k] for k in ("seq", "at", "kind", "subject", "actor", "data", "prev_hash")}
    canonical = json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(conn: Connection, kind: str, subject: str, data: dict, actor: str | None = None) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number."""
    head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1).with_for_update()).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
    entry = {"seq": seq, "at": now(), "kind": kind, "subject": subject, "actor": actor,
             "data": json.loads(json.dumps(data, default=str)), "prev_hash": prev_hash}
    entry["hash"] = entry_hash(entry)
    conn.execute(audit_log.insert().values(**entry))
    if head:
        conn.execute(audit_head.update().where(audit_head.c.id == 1).values(seq=seq, hash=entry["hash"]))
    else:
        conn.execute(audit_head.insert().values(id=1, seq=seq, hash=entry["hash"]))
    return seq


def entries(conn: Connection, subject: str | None = None, limit: int = 1000) -> list[dict]:
    """Entries in order, optionally for one subject."""
    query = sa.select(audit_log).order_by(audit_log.c.seq).limit(limit)
    if subject:
        query = query.where(audit_log.c.subject == subject)
    return [dict(row._mapping) for row in conn.execute(query)]


def verify(conn: Connection) -> dict:
    """Walk the chain; report every changed, missing or reordered entry."""
    problems: list[dict] = []
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for row in conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)):
        entry = dict(row._mapping)
        count += 1
        if entry["seq"] != expected_seq:
            problems.append({"seq": expected_seq, "problem": f"entries {expected_seq}..{entry['seq'] - 1} are missing"})
        if entry["prev_hash"] != expected_prev:
            problems.append({"seq": entry["seq"], "problem": "does not follow the entry before it"})
        if entry_hash(entry) != entry["hash"]:
            problems.append({"seq": entry["seq"], "problem": "content changed after it was written"})
        expected_prev, expected_seq = entry["hash"], entry["seq"] + 1
    head = conn.execute(sa.select(audit_head)).first()
    if head and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        problems.append({"seq": head.seq, "problem": "entries at the end of the log are missing"})
    if not head and count:
        problems.append({"seq": 0, "problem": "the chain head is missing"})
    return {"ok": not problems, "entries": count, "problems": problems}
