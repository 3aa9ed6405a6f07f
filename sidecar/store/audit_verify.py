"""Verify the audit chain page by page in read-only transactions, against its key and the
signed checkpoints kept outside the store; optionally resume from the last verified checkpoint."""
from __future__ import annotations

import hmac
import json

import sqlalchemy as sa

from sidecar.errors import NotFound
from sidecar.store.audit import (AUDITED_TABLES, GENESIS, MAX_PROBLEMS, PAGE_SIZE, SEALED, AuditSeal,
                                 checkpoint_quietly)
from sidecar.store.database import Database
from sidecar.store.schema import audit_head, audit_log

LOOKUP_BATCH = 500  # checkpoint seqs looked up per query
START_TOLERANCE_SECONDS = 5  # a row and its audit entry are written in one transaction
# The stored JSON text of `data`, parsed here: a row that is not JSON is a changed entry, not a crash,
# and PostgreSQL's driver does not parse it first. Rows stay tuples: no dict per entry.
COLUMNS = tuple(sa.cast(audit_log.c.data, sa.Text) if name == "data" else audit_log.c[name]
                for name in (*SEALED, "hash"))
_parse = json.JSONDecoder().decode


def verify(db: Database, incremental: bool = False, page_size: int = PAGE_SIZE) -> dict:
    """Report every changed, missing, added or wiped entry; sign a checkpoint when all is well."""
    if not db.exists():
        raise NotFound(f"no store at {db.url}: nothing to verify", code="store_missing")
    seal: AuditSeal = db.audit_seal
    checkpoints, problems = seal.read_checkpoints()
    with db.read() as conn:
        if not sa.inspect(conn).has_table(audit_log.name) or not sa.inspect(conn).has_table(audit_head.name):
            return _report([{"seq": 0, "problem": "the audit tables are missing"}], 0, 1, None, checkpoints)
        head = conn.execute(sa.select(audit_head)).first()
    start_seq, start_hash = _resume_point(db, checkpoints) if incremental else (0, GENESIS)
    walked, last_seq, last_hash, unkept = _walk(db, seal, start_seq, start_hash, head, page_size, problems)
    _check_end(db, head, last_seq, last_hash, problems)
    _check_checkpoints(db, checkpoints, problems)
    _check_start(db, problems)
    if not problems and head is not None and not any(
            p["seq"] == head.seq and p["source"] == "verify" for p in checkpoints):
        checkpoint_quietly(seal, head.seq, head.hash, "verify")
    return _report(problems, walked, start_seq + 1, head, checkpoints, unkept)


def _report(problems: list[dict], walked: int, from_seq: int, head, checkpoints: list[dict], unkept: int = 0) -> dict:
    problems.sort(key=lambda p: -1 if p["seq"] is None else p["seq"])
    report = {"ok": not problems, "entries": walked, "problems": problems[:MAX_PROBLEMS],
              "from_seq": from_seq, "head_seq": head.seq if head else None, "checkpoints": len(checkpoints)}
    if len(problems) + unkept > MAX_PROBLEMS:
        report["problems_total"] = len(problems) + unkept
    return report


def _resume_point(db: Database, checkpoints: list[dict]) -> tuple[int, str]:
    """The newest checkpoint a passing verify signed, if its entry is unchanged; else the start."""
    verified = [p for p in checkpoints if p["source"] == "verify"]
    if not verified:
        return 0, GENESIS
    point = max(verified, key=lambda p: p["seq"])
    with db.read() as conn:
        stored = conn.execute(sa.select(audit_log.c.hash).where(audit_log.c.seq == point["seq"])).scalar()
    # A changed checkpointed entry is reported by the checkpoint check; walk it all to name the first.
    return (point["seq"], point["hash"]) if stored == point["hash"] else (0, GENESIS)


def _walk(db, seal, seq, prev_hash, head, page_size, problems) -> tuple[int, int, str, int]:
    """Check entries after `seq` up to the head read at the start, one page in memory at a time; returns
    (count, last seq, last hash, problems counted but not kept: past MAX_PROBLEMS only the number matters)."""
    upper = head.seq if head is not None else None
    count, expected_seq, found = 0, seq + 1, 0

    def note(problem: dict) -> None:
        nonlocal found
        found += 1
        if found <= MAX_PROBLEMS:  # found in seq order: the first ones are the ones reported
            problems.append(problem)

    while True:
        query = sa.select(*COLUMNS).where(audit_log.c.seq > seq).order_by(audit_log.c.seq).limit(page_size)
        if upper is not None:
            query = query.where(audit_log.c.seq <= upper)
        with db.read() as conn:  # one short snapshot per page: writers are never held up
            page = conn.execute(query).all()
        for entry_seq, at, kind, subject, actor, data, entry_prev, entry_hash in page:
            count += 1
            if entry_seq != expected_seq:
                note({"seq": expected_seq, "problem": f"entries {expected_seq}..{entry_seq - 1} are missing"})
            if entry_prev != prev_hash:
                note({"seq": entry_seq, "problem": "does not follow the entry before it"})
            try:
                sealed = seal.row_hash(entry_seq, at, kind, subject, actor, _parse(data), entry_prev).encode()
            except (TypeError, ValueError):  # not JSON any more
                sealed = b""
            # As bytes: a stored hash edited to hold non-ASCII text is a mismatch, not a TypeError.
            if not hmac.compare_digest(sealed, str(entry_hash).encode("utf-8", "surrogatepass")):
                note({"seq": entry_seq, "problem": "content changed after it was written "
                                                   "(its seal does not match the audit key)"})
            seq, prev_hash, expected_seq = entry_seq, entry_hash, entry_seq + 1
        if len(page) < page_size:
            return count, seq, prev_hash, max(found - MAX_PROBLEMS, 0)


def _check_end(db: Database, head, last_seq: int, last_hash: str, problems: list[dict]) -> None:
    """The walk ends at the head; anything after the head was not written by the sidecar."""
    if head is not None and last_seq < head.seq:
        problems.append({"seq": head.seq, "problem": f"entries {last_seq + 1}..{head.seq} at the end of the log are missing"})
    elif head is not None and last_hash != head.hash:
        problems.append({"seq": head.seq, "problem": "the chain head does not match the last entry"})
    elif head is None and last_seq:
        problems.append({"seq": 0, "problem": "the chain head is missing"})
    with db.read() as conn:
        current = conn.execute(sa.select(audit_head.c.seq)).scalar()
        after = max(current or 0, head.seq if head is not None else last_seq)
        added = conn.execute(sa.select(audit_log.c.seq).where(audit_log.c.seq > after)
                             .order_by(audit_log.c.seq).limit(MAX_PROBLEMS)).scalars().all()
    problems.extend({"seq": seq, "problem": "added after the chain head: the sidecar did not write it"} for seq in added)


def _check_checkpoints(db: Database, checkpoints: list[dict], problems: list[dict]) -> None:
    """Every checkpointed entry must still be there with the hash it had."""
    pinned = {(p["seq"], p["hash"]): p for p in checkpoints}
    seqs = sorted({seq for seq, _ in pinned})
    stored: dict[int, str] = {}
    for start in range(0, len(seqs), LOOKUP_BATCH):
        with db.read() as conn:
            rows = conn.execute(sa.select(audit_log.c.seq, audit_log.c.hash)
                                .where(audit_log.c.seq.in_(seqs[start:start + LOOKUP_BATCH])))
            stored.update({row.seq: row.hash for row in rows})
    for (seq, hash_), point in sorted(pinned.items()):
        if seq not in stored:
            problems.append({"seq": seq, "problem": f"checkpointed at {point['at']} but missing: "
                                                    "the log was truncated or wiped"})
        elif stored[seq] != hash_:
            problems.append({"seq": seq, "problem": f"differs from its checkpoint of {point['at']}: "
                                                    "the log was rewritten"})


def _check_start(db: Database, problems: list[dict]) -> None:
    """Rows the sidecar audited when it wrote them cannot predate the log: else it was wiped or cut."""
    with db.read() as conn:
        first = conn.execute(sa.select(sa.func.min(audit_log.c.at))).scalar()
        counts, oldest = {}, None
        for table in AUDITED_TABLES:
            count, since = conn.execute(sa.select(sa.func.count(), sa.func.min(table.c.created_at))).one()
            counts[table.name] = count
            oldest = since if oldest is None or (since is not None and since < oldest) else oldest
    held = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    if first is None and held:
        problems.append({"seq": 0, "problem": f"the log is empty but the store holds {held}: it was wiped"})
    elif first is not None and oldest is not None and oldest < first - START_TOLERANCE_SECONDS:
        problems.append({"seq": 0, "problem": f"the store holds {held} older than the first entry: "
                                              "the log was wiped and restarted"})
