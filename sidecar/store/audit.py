"""Append-only audit log: each entry is sealed with a keyed hash (HMAC-SHA256) over the one
before it, and signed checkpoints written outside the store pin the chain's progress."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar import correlation
from sidecar.store.database import AUDIT_SEAL, after_commit, before_commit, in_savepoint, transaction_local
from sidecar.store.prepared import Prepared
from sidecar.store.records import now
from sidecar.store.schema import approvals, audit_head, audit_log, dead_letters, jobs, releases

logger = logging.getLogger(__name__)
GENESIS = "0" * 64
CHECKPOINT_EVERY = 100  # entries between checkpoints written on append (verify writes one too)
PAGE_SIZE = 1000  # entries read per (read-only) transaction while verifying
MAX_PROBLEMS = 100  # a rewritten chain breaks every later entry; the first ones say enough
SEALED = ("seq", "at", "kind", "subject", "actor", "data", "prev_hash")
# A wiped log shows against these: the sidecar writes an audit entry for every row they hold.
AUDITED_TABLES = (releases, approvals, jobs, dead_letters)
# Run by every writer: prepared (store/prepared.py).
_HEAD = Prepared(sa.select(audit_head).where(audit_head.c.id == 1).with_for_update())
_INSERT = Prepared(audit_log.insert())
_MOVE_HEAD = Prepared(audit_head.update().where(audit_head.c.id == 1))


def _canonical(fields: dict) -> bytes:
    # ASCII escapes keep lone surrogates (which JSON bodies may carry) encodable.
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


_canonical_value = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode
_json_str = json.encoder.encode_basestring_ascii  # what that encoder does with a str, without its checks


def sealed_bytes(seq, at, kind, subject, actor, data, prev_hash) -> bytes:
    """The bytes an entry's seal covers: `_canonical` of its SEALED fields, built around `data`.

    The keys are fixed and already in order, so only `data` goes through the encoder and no dict is built
    (verifying an entry takes half the CPU it did). Fields of other types than the sidecar writes take
    `_canonical`.
    """
    if not (type(seq) is int and type(at) is float and math.isfinite(at) and type(kind) is str
            and type(subject) is str and type(prev_hash) is str and (actor is None or type(actor) is str)):
        return _canonical({"seq": seq, "at": at, "kind": kind, "subject": subject, "actor": actor,
                           "data": data, "prev_hash": prev_hash})
    return (f'{{"actor":{"null" if actor is None else _json_str(actor)},"at":{at!r},'
            f'"data":{_canonical_value(data)},"kind":{_json_str(kind)},'
            f'"prev_hash":{_json_str(prev_hash)},"seq":{seq},"subject":{_json_str(subject)}}}').encode()


@dataclass(frozen=True)
class AuditSeal:
    """The key that seals entries (from configuration, never stored) and where checkpoints go."""

    key: bytes
    checkpoint_file: Path | None = None

    @classmethod
    def from_settings(cls, settings) -> "AuditSeal":
        """The seal the configuration describes."""
        return cls(settings.audit_key.encode(), Path(settings.audit_checkpoint_file))

    @cached_property
    def _keyed(self):
        # The key's padded state, computed once: verifying copies it per entry instead of rekeying.
        return hmac.new(self.key, b"entry:", hashlib.sha256)

    def entry_hash(self, entry: dict) -> str:
        """HMAC-SHA256 over the entry's canonical JSON (everything but its own hash)."""
        mac = self._keyed.copy()
        mac.update(_canonical({k: entry[k] for k in SEALED}))
        return mac.hexdigest()

    def row_hash(self, seq, at, kind, subject, actor, data, prev_hash) -> str:
        """`entry_hash` of a stored row's SEALED fields, in that order, without building a dict."""
        mac = self._keyed.copy()
        mac.update(sealed_bytes(seq, at, kind, subject, actor, data, prev_hash))
        return mac.hexdigest()

    def _checkpoint_mac(self, point: dict) -> str:
        fields = {k: point[k] for k in ("seq", "hash", "at", "source")}
        return hmac.new(self.key, b"checkpoint:" + _canonical(fields), hashlib.sha256).hexdigest()

    def write_checkpoint(self, seq: int, entry_hash_: str, source: str) -> None:
        """Append one signed line (seq, hash, time, HMAC) to the checkpoint file."""
        if self.checkpoint_file is None:
            return
        point = {"seq": seq, "hash": entry_hash_, "source": source,
                 "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        point["mac"] = self._checkpoint_mac(point)
        self.checkpoint_file.parent.mkdir(parents=True, exist_ok=True)
        # One write() on an O_APPEND descriptor: lines from several processes never interleave.
        fd = os.open(self.checkpoint_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(point, sort_keys=True) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def read_checkpoints(self) -> tuple[list[dict], list[dict]]:
        """(checkpoints whose signature holds, problems with the others)."""
        if self.checkpoint_file is None or not self.checkpoint_file.exists():
            return [], []
        good, problems = [], []
        for number, line in enumerate(self.checkpoint_file.read_text().splitlines(), start=1):
            try:
                point = json.loads(line)
                valid = hmac.compare_digest(str(point["mac"]), self._checkpoint_mac(point)) \
                    and isinstance(point["seq"], int)
            except (ValueError, KeyError, TypeError):
                valid = False
            if valid:
                good.append(point)
            else:
                problems.append({"seq": None, "problem": f"checkpoint line {number} is not signed with the audit key"})
        return good, problems


def seal_of(conn: Connection) -> AuditSeal:
    """The seal of the Database this connection comes from."""
    seal = conn.get_execution_options().get(AUDIT_SEAL)
    if seal is None:
        raise RuntimeError("the audit chain has no key: build Database(url, audit_seal=AuditSeal(...))")
    return seal


def append(conn: Connection, kind: str, subject: str, data: dict, actor: str | None = None) -> None:
    """Add one entry to the caller's transaction.

    The entries of one transaction are chained and written together just before it commits (one read
    of the chain head, one insert of them all, one update of the head: 3 statements, not 3 per entry),
    so the head, the one row every writer shares, is locked only for the commit's last moment. A
    transaction not begun by a Database, or a savepoint, writes its entry at once.
    """
    seal, entry = seal_of(conn), _entry(kind, subject, data, actor)
    local = transaction_local(conn)
    if local is None or in_savepoint(conn):
        # A savepoint may roll back alone: its entry goes with it (before the transaction's pending ones).
        _write(conn, seal, [entry])
        return
    if "audit" not in local:
        local["audit"] = []
        before_commit(conn, lambda: _write(conn, seal, local.pop("audit", [])))
    local["audit"].append(entry)


def append_now(conn: Connection, kind: str, subject: str, data: dict, actor: str | None = None) -> int:
    """Append one entry and write it at once, after the transaction's pending ones; its sequence number."""
    local = transaction_local(conn) or {}
    entry = _entry(kind, subject, data, actor)
    _write(conn, seal_of(conn), local.pop("audit", []) + [entry])
    return entry["seq"]


def _entry(kind: str, subject: str, data: dict, actor: str | None) -> dict:
    if correlation.current() and "correlation_id" not in data:  # sealed with the rest: the trail links to the logs
        data = {**data, "correlation_id": correlation.current()}
    return {"at": now(), "kind": kind, "subject": subject, "actor": actor,
            "data": json.loads(json.dumps(data, default=str))}


def _write(conn: Connection, seal: AuditSeal, entries_: list[dict]) -> None:
    """Chain `entries_` after the head, insert them in one statement and move the head."""
    if not entries_:
        return
    head = _HEAD.first(conn)
    if head is None and conn.dialect.name == "postgresql":
        # The first entry has no head row to lock: two processes starting on a new store would both insert it.
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7302)")
        head = _HEAD.first(conn)
    seq, prev_hash = (head["seq"], head["hash"]) if head else (0, GENESIS)
    for entry in entries_:
        seq += 1
        entry.update(seq=seq, prev_hash=prev_hash)
        entry["hash"] = prev_hash = seal.entry_hash(entry)
        if seq % CHECKPOINT_EVERY == 0:
            after_commit(conn, partial(checkpoint_quietly, seal, seq, entry["hash"], "append"))
    _INSERT.run(conn, entries_)
    if head:
        _MOVE_HEAD.run(conn, {"seq": seq, "hash": prev_hash})
    else:
        conn.execute(audit_head.insert(), {"id": 1, "seq": seq, "hash": prev_hash})


def checkpoint_quietly(seal: AuditSeal, seq: int, entry_hash_: str, source: str) -> None:
    """Write a checkpoint; a failure is logged, never raised (what it pins is committed already)."""
    try:
        seal.write_checkpoint(seq, entry_hash_, source)
    except OSError:
        logger.exception("could not write audit checkpoint %s to %s", seq, seal.checkpoint_file)


def entries(conn: Connection, subject: str | None = None, limit: int = 1000) -> list[dict]:
    """Entries in order, optionally for one subject."""
    query = sa.select(audit_log).order_by(audit_log.c.seq).limit(limit)
    if subject:
        query = query.where(audit_log.c.subject == subject)
    return [dict(row._mapping) for row in conn.execute(query)]


def latest(conn: Connection, kind: str, subject: str) -> dict | None:
    """The most recent entry of one kind about one subject; None when there is none."""
    query = (sa.select(audit_log).where(audit_log.c.kind == kind, audit_log.c.subject == subject)
             .order_by(audit_log.c.seq.desc()).limit(1))
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None
