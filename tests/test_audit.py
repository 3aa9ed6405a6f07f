"""The audit chain: keyed seals, signed checkpoints outside the store, paged read-only verify.
Every tampering in the reliability report (D4) is reproduced here and must be detected."""
import hashlib
import json
import shutil

import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sidecar.errors import NotFound
from sidecar.store import Database, audit, jobs
from sidecar.store.audit import AuditSeal
from sidecar.store.audit_verify import verify

KEY = b"0123456789abcdef0123456789abcdef-test"
ENTRIES = 250
PAGE = 64  # small pages, so every scenario crosses page boundaries


def unkeyed_hash(entry: dict) -> str:
    """What a forger without the key can compute: the chain's old plain SHA-256."""
    sealed = {k: entry[k] for k in audit.SEALED}
    return hashlib.sha256(json.dumps(sealed, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A store with ENTRIES entries and a job, built once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("template")
    database = Database(f"sqlite:///{folder}/store.db", AuditSeal(KEY, folder / "checkpoints.jsonl"))
    database.create_schema()
    with database.transaction() as conn:
        for n in range(1, ENTRIES + 1):
            audit.append(conn, "test.entry", f"s{n % 7}", {"n": n})
        jobs.enqueue(conn, idempotency_key="r/decision/confirm", operation="confirm_order",
                     payload={"order_id": 1}, release_id="rel_1", max_attempts=3)
    database.dispose()  # the last connection closing folds the WAL into the file
    return folder


@pytest.fixture
def seal(tmp_path):
    return AuditSeal(KEY, tmp_path / "checkpoints.jsonl")


@pytest.fixture
def db(tmp_path, seal, template):
    for name in ("store.db", "checkpoints.jsonl"):
        shutil.copy(template / name, tmp_path / name)
    database = Database(f"sqlite:///{tmp_path}/store.db", seal)
    yield database
    database.dispose()


def run(db, sql: str, **params) -> None:
    with db.transaction() as conn:
        conn.execute(sa.text(sql), params)


def entry(db, seq: int) -> dict:
    with db.read() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).mappings().one())


def forge_after_head(db, hash_fn, move_head: bool) -> None:
    last = entry(db, ENTRIES)
    forged = {"seq": ENTRIES + 1, "at": last["at"] + 1, "kind": "release.completed", "subject": "rel_x",
              "actor": "admin", "data": {"status": "released"}, "prev_hash": last["hash"]}
    forged["hash"] = hash_fn(forged)
    with db.transaction() as conn:
        conn.execute(audit.audit_log.insert().values(**forged))
        if move_head:
            conn.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": forged["seq"], "h": forged["hash"]})


def rehash_from(db, start: int, hash_fn) -> None:
    """Change entry `start`, then re-seal it and every later entry and the head, as a forger would."""
    with db.transaction() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(audit.audit_log).order_by(audit.audit_log.c.seq))]
        prev = rows[start - 2]["hash"]
        for row in rows[start - 1:]:
            if row["seq"] == start:
                row["data"] = {"n": -1}
            row["prev_hash"] = prev
            row["hash"] = prev = hash_fn(row)
            conn.execute(audit.audit_log.update().where(audit.audit_log.c.seq == row["seq"])
                         .values(data=row["data"], prev_hash=row["prev_hash"], hash=row["hash"]))
        conn.execute(sa.text("UPDATE audit_head SET hash = :h"), {"h": prev})


WRONG_KEY = AuditSeal(b"another key entirely, 32+ chars long").entry_hash

# (reliability.md D4 row, tampering, first entry named, words in its problem)
D4 = [
    ("update seq 10", lambda db: run(db, "UPDATE audit_log SET data = '{\"n\": 99}' WHERE seq = 10"),
     10, "content changed"),
    ("delete seq 20", lambda db: run(db, "DELETE FROM audit_log WHERE seq = 20"), 20, "missing"),
    ("delete the last row", lambda db: run(db, f"DELETE FROM audit_log WHERE seq = {ENTRIES}"),
     ENTRIES, "at the end of the log are missing"),
    ("forged row with a garbage hash", lambda db: forge_after_head(db, lambda e: "f" * 64, False),
     ENTRIES + 1, "added after the chain head"),
    ("delete the head", lambda db: run(db, "DELETE FROM audit_head"), 0, "head is missing"),
    ("forged row with a valid hash, head not updated", lambda db: forge_after_head(db, unkeyed_hash, False),
     ENTRIES + 1, "added after the chain head"),
    ("forged row with a valid hash and the head updated", lambda db: forge_after_head(db, unkeyed_hash, True),
     ENTRIES + 1, "content changed"),
    ("forged row sealed with another key, head updated", lambda db: forge_after_head(db, WRONG_KEY, True),
     ENTRIES + 1, "content changed"),
    ("change seq 10 and re-hash 10..end and the head", lambda db: rehash_from(db, 10, unkeyed_hash),
     10, "content changed"),
    ("change seq 10 and re-seal with another key", lambda db: rehash_from(db, 10, WRONG_KEY),
     10, "content changed"),
    ("delete both audit tables' rows", lambda db: run(db, "DELETE FROM audit_log") or run(db, "DELETE FROM audit_head"),
     0, "wiped"),
    ("truncate the tail and rewind the head", lambda db: run(db, "DELETE FROM audit_log WHERE seq > 240")
     or run(db, "UPDATE audit_head SET seq = 240, hash = (SELECT hash FROM audit_log WHERE seq = 240)"),
     ENTRIES, "checkpointed at"),
]


def test_an_untouched_chain_verifies_in_pages_and_signs_a_checkpoint(db, seal):
    report = verify(db, page_size=PAGE)
    assert report["ok"] and report["entries"] == ENTRIES and report["problems"] == []
    points, bad = seal.read_checkpoints()
    assert bad == [] and [(p["seq"], p["source"]) for p in points] == [(100, "append"), (200, "append"),
                                                                       (ENTRIES, "verify")]


@pytest.mark.parametrize("row, tamper, seq, words", D4, ids=[row for row, *_ in D4])
def test_every_tampering_in_the_reliability_report_is_detected_and_named(db, row, tamper, seq, words):
    assert verify(db, page_size=PAGE)["ok"]  # a periodic verify signed a checkpoint at the head
    tamper(db)
    report = verify(db, page_size=PAGE)
    assert not report["ok"]
    first = report["problems"][0]
    assert first["seq"] == seq and words in first["problem"], report["problems"][:3]


def test_a_wiped_log_fails_even_without_any_checkpoint(tmp_path, db):
    run(db, "DELETE FROM audit_log")
    run(db, "DELETE FROM audit_head")
    blind = Database(db.url, AuditSeal(KEY, tmp_path / "no-checkpoints.jsonl"))
    report = verify(blind)
    assert not report["ok"] and "1 jobs" in report["problems"][0]["problem"]
    blind.dispose()


def test_a_wiped_and_restarted_log_fails_even_without_any_checkpoint(tmp_path, db):
    run(db, "DELETE FROM audit_log")
    run(db, "DELETE FROM audit_head")
    run(db, "UPDATE jobs SET created_at = created_at - 3600")  # the job was written an hour ago
    blind = Database(db.url, AuditSeal(KEY, tmp_path / "no-checkpoints.jsonl"))
    with blind.transaction() as conn:
        audit.append(conn, "test.entry", "s", {"n": 1})
    report = verify(blind)
    assert not report["ok"] and "wiped and restarted" in report["problems"][0]["problem"]
    blind.dispose()


def test_dropped_audit_tables_are_a_problem_not_a_crash(db):
    run(db, "DROP TABLE audit_log")
    report = verify(db)
    assert not report["ok"] and report["problems"][0]["problem"] == "the audit tables are missing"


def test_a_rewritten_chain_reports_a_bounded_list(db):
    rehash_from(db, 2, unkeyed_hash)
    report = verify(db, page_size=PAGE)
    assert report["problems"][0]["seq"] == 2
    assert len(report["problems"]) == audit.MAX_PROBLEMS < report["problems_total"]
    # Every resealed entry and both append checkpoints it passes (100, 200) count, though only the first are kept.
    pinned = [p["seq"] for p in AuditSeal(KEY, db.audit_seal.checkpoint_file).read_checkpoints()[0]]
    assert pinned == [100, 200] and report["problems_total"] == (ENTRIES - 1) + len(pinned)


def test_a_forged_or_edited_checkpoint_line_is_reported(db, seal):
    verify(db)
    lines = seal.checkpoint_file.read_text().splitlines()
    point = json.loads(lines[-1])
    point["seq"] = 10
    seal.checkpoint_file.write_text("\n".join(lines[:-1] + [json.dumps(point), "not json"]) + "\n")
    problems = verify(db)["problems"]
    assert [p["problem"] for p in problems] == ["checkpoint line 3 is not signed with the audit key",
                                                "checkpoint line 4 is not signed with the audit key"]


def test_verify_on_a_missing_store_fails_and_creates_nothing(tmp_path, seal):
    missing = tmp_path / "nowhere" / "sidecar.db"
    with pytest.raises(NotFound):
        verify(Database(f"sqlite:///{missing}", seal))
    assert not missing.exists() and not missing.parent.exists()


def test_incremental_verify_resumes_at_the_last_verified_checkpoint(db):
    assert verify(db, page_size=PAGE)["ok"]
    with db.transaction() as conn:
        for n in range(5):
            audit.append(conn, "test.entry", "later", {"n": n})
    report = verify(db, incremental=True, page_size=PAGE)
    assert report["ok"] and report["from_seq"] == ENTRIES + 1 and report["entries"] == 5
    with db.transaction() as conn:
        for n in range(5):
            audit.append(conn, "test.entry", "later", {"n": n})
    run(db, f"UPDATE audit_log SET kind = 'forged' WHERE seq = {ENTRIES + 8}")
    report = verify(db, incremental=True)
    assert report["from_seq"] == ENTRIES + 6 and report["problems"][0]["seq"] == ENTRIES + 8


def test_incremental_verify_walks_everything_when_its_checkpoint_was_rewritten(db):
    assert verify(db)["ok"]
    rehash_from(db, 10, unkeyed_hash)
    report = verify(db, incremental=True)
    assert report["from_seq"] == 1 and report["problems"][0]["seq"] == 10


def test_append_needs_the_key(tmp_path):
    keyless = Database(f"sqlite:///{tmp_path}/keyless.db")
    keyless.create_schema()
    with pytest.raises(RuntimeError, match="no key"), keyless.transaction() as conn:
        audit.append(conn, "test.entry", "s", {})
    keyless.dispose()


def test_lone_surrogates_can_be_sealed(db):
    with db.transaction() as conn:
        audit.append(conn, "event.received", "ev-1", {"id": "ev-\udc80"})  # JSON data escapes it
    assert verify(db)["ok"]


def test_a_rolled_back_append_writes_no_checkpoint(db, seal):
    before = seal.checkpoint_file.read_text()
    with pytest.raises(RuntimeError), db.transaction() as conn:
        for n in range(100):
            audit.append(conn, "test.entry", "s", {"n": n})
        raise RuntimeError("boom")
    assert seal.checkpoint_file.read_text() == before


def test_verify_over_http_pages_and_resumes(app_without_odoo):
    from tests.conftest import ALL_SCOPES_KEY, bearer
    client = app_without_odoo.test_client()
    full = client.get("/v1/audit/verify", headers=bearer(ALL_SCOPES_KEY))
    assert full.status_code == 200 and full.json["ok"]
    assert client.get("/v1/audit/verify?incremental=true", headers=bearer(ALL_SCOPES_KEY)).json["ok"]
    bad = client.get("/v1/audit/verify?incremental=maybe", headers=bearer(ALL_SCOPES_KEY))
    assert bad.status_code == 400 and bad.json["error"]["details"][0]["pointer"] == "?incremental"


def test_an_unwritable_checkpoint_file_is_logged_not_fatal(tmp_path, db, caplog):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    stuck = Database(db.url, AuditSeal(KEY, tmp_path / "blocker" / "checkpoints.jsonl"))
    assert verify(stuck)["ok"]
    with stuck.transaction() as conn:
        for n in range(audit.CHECKPOINT_EVERY):
            audit.append(conn, "test.entry", "s", {"n": n})
    assert sum("could not write audit checkpoint" in r.message for r in caplog.records) == 2
    stuck.dispose()


def test_verify_reads_entries_a_page_at_a_time(db):
    """Memory stays bounded: no statement that reads whole entries asks for more than one page of them."""
    reads = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().startswith("SELECT audit_log.seq, audit_log.at, audit_log.kind"):
            reads.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        report = verify(db, page_size=PAGE)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert report["ok"] and report["entries"] == ENTRIES > PAGE
    assert len(reads) == ENTRIES // PAGE + 1  # four full pages, then the short one that ends the walk
    assert all("LIMIT" in statement and PAGE in parameters for statement, parameters in reads)


LONG = 5_000  # five pages of the default size


def test_a_tampered_entry_in_the_middle_of_a_long_chain_is_named(tmp_path):
    """Default pages, on PostgreSQL too: each tampering names its entry and no other; undone, the chain verifies."""
    from tests.support.stores import ON_POSTGRES, store_url
    long = Database(store_url(tmp_path), AuditSeal(KEY, tmp_path / "checkpoints.jsonl"))
    long.create_schema()
    with long.transaction() as conn:
        for n in range(1, LONG + 1):
            audit.append(conn, "decision.made", f"rel_{n}", {"n": n, "outcome": "release", "note": f"é{n}"})
    report = verify(long)
    assert audit.PAGE_SIZE < LONG and report["ok"] and report["entries"] == LONG
    tampering = [  # (seq, column, stored value, problems named as (seq, words))
        (2_500, "data", {"n": 2_500, "outcome": "hold", "note": "é2500"}, [(2_500, "content changed")]),
        (2_500, "data", {"outcome": "release", "note": "é2500", "n": 2_500}, []),  # the same JSON, keys reordered
        (3_001, "kind", "decision.forged", [(3_001, "content changed")]),  # the first entry of a page
        (3_000, "at", 1.0, [(3_000, "content changed")]),  # the last entry of a page
        (4_001, "hash", "é" * 64, [(4_001, "content changed"), (4_002, "does not follow")]),
        (4_321, "actor", "admin", [(4_321, "content changed")]),
    ]
    if not ON_POSTGRES:  # PostgreSQL's column types refuse these
        tampering += [(1_234, "data", sa.literal("not json", sa.Text), [(1_234, "content changed")]),
                      (1_235, "at", sa.literal("noon", sa.Text), [(1_235, "content changed")])]
    table = audit.audit_log
    for seq, column, value, named in tampering:
        with long.read() as conn:
            kept = conn.execute(sa.select(table.c[column]).where(table.c.seq == seq)).scalar()
        with long.transaction() as conn:
            conn.execute(table.update().where(table.c.seq == seq).values({column: value}))
        report = verify(long)
        assert report["ok"] is not named and report["entries"] == LONG, (column, value)
        found = [(p["seq"], words) for p, (_, words) in zip(report["problems"], named) if words in p["problem"]]
        assert len(report["problems"]) == len(named) and found == named, (column, value, report["problems"])
        with long.transaction() as conn:
            conn.execute(table.update().where(table.c.seq == seq).values({column: kept}))
        assert verify(long)["ok"], (column, value)
    long.dispose()


TEXT = st.text(st.characters(blacklist_categories=()))  # lone surrogates and controls included
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)
ANY = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
# Columns of the types the sidecar writes (floats include inf and nan), or anything a tampered row may hold.
ENTRIES_STORED = st.fixed_dictionaries({
    "seq": st.integers(min_value=0), "at": st.floats(), "kind": TEXT, "subject": TEXT,
    "actor": st.none() | TEXT, "data": JSON, "prev_hash": TEXT})
ENTRIES_TAMPERED = st.tuples(ENTRIES_STORED, st.sampled_from(audit.SEALED), ANY).map(
    lambda changed: {**changed[0], changed[1]: changed[2]})


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(entry=ENTRIES_STORED | ENTRIES_TAMPERED)
@example(entry={"seq": 1, "at": float("nan"), "kind": "k", "subject": "s", "actor": None, "data": {}, "prev_hash": "0"})
@example(entry={"seq": True, "at": float("-inf"), "kind": "k", "subject": "s", "actor": 1, "data": [], "prev_hash": "0"})
def test_verify_seals_a_stored_row_exactly_as_the_entry_was_sealed(entry):
    """The seal verify computes from a row's columns is the one append computed from the entry, whatever they hold."""
    seal = AuditSeal(KEY)
    assert seal.row_hash(*(entry[name] for name in audit.SEALED)) == seal.entry_hash(entry)
