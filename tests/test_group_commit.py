"""Group commit on SQLite: concurrent write transactions share one commit, each returns only once it
is committed, a failing one loses only its own work, and a durable one never rides a commit without fsync."""
import threading

import pytest
import sqlalchemy as sa

from sidecar.store import Database, audit, database
from sidecar.store.audit import AuditSeal
from sidecar.store.audit_verify import verify
from sidecar.store.schema import audit_log, locks


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 5)
    store = Database(f"sqlite:///{tmp_path}/store.db", AuditSeal(b"k" * 32, tmp_path / "cp.jsonl"))
    store.create_schema()
    yield store
    store.dispose()


def statements(db) -> list[str]:
    """What the store's write connections run from now on: statements and commits."""
    seen: list[str] = []

    def writing(conn) -> bool:
        return not conn.get_execution_options().get(database.READ_ONLY)
    sa.event.listen(db.engine, "before_cursor_execute",
                    lambda conn, *args: writing(conn) and seen.append(args[1][:40]))
    sa.event.listen(db.engine, "commit", lambda conn: writing(conn) and seen.append("COMMIT"))
    return seen


def names(db) -> set[str]:
    with db.read() as conn:
        return {row.name for row in conn.execute(sa.select(locks.c.name))}


def insert_lock(conn, name: str) -> None:
    conn.execute(locks.insert().values(name=name, holder="t", expires_at=0.0))


def hold_first_batch(db, release: threading.Event, entered: threading.Event, durable: bool = True):
    """A thread whose unit of work waits for `release` inside its transaction (others queue meanwhile)."""
    def first():
        with db.transaction(durable=durable) as conn:
            insert_lock(conn, "first")
            audit.append(conn, "test.first", "first", {})
            entered.set()
            release.wait(5)
    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(5)
    return thread


def queue_writers(db, count: int, fail: set[int] = frozenset()) -> tuple[list[threading.Thread], dict]:
    """`count` threads that each insert a row and an audit entry (those in `fail` then raise)."""
    outcome: dict = {}

    def write(n: int):
        try:
            with db.transaction() as conn:
                insert_lock(conn, f"w{n}")
                audit.append(conn, "test.write", f"w{n}", {"n": n})
                if n in fail:
                    raise ValueError(f"unit {n} fails")
            outcome[n] = names(db)  # what a fresh reader sees the moment the unit returned
        except ValueError as err:
            outcome[n] = err
    threads = [threading.Thread(target=write, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, outcome


def wait_until_queued(db, count: int) -> None:
    for _ in range(500):
        if db.group._waiting >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the writers did not queue")


def test_writers_that_queue_share_one_commit_and_each_returns_committed(db):
    seen = statements(db)
    release, entered = threading.Event(), threading.Event()
    first = hold_first_batch(db, release, entered)
    threads, outcome = queue_writers(db, 5)
    wait_until_queued(db, 5)
    release.set()
    for thread in [first, *threads]:
        thread.join(10)
    assert seen.count("COMMIT") == 1  # six units of work, one commit (one fsync)
    for n in range(5):
        assert f"w{n}" in outcome[n] and "first" in outcome[n]  # returned once its work was committed
    with db.read() as conn:
        kinds = [row.kind for row in conn.execute(sa.select(audit_log.c.kind).order_by(audit_log.c.seq))]
    assert kinds.count("test.write") == 5 and kinds.count("test.first") == 1
    assert verify(db)["ok"]


def test_a_failing_unit_loses_only_its_own_work(db):
    release, entered = threading.Event(), threading.Event()
    first = hold_first_batch(db, release, entered)
    threads, outcome = queue_writers(db, 4, fail={1, 2})
    wait_until_queued(db, 4)
    release.set()
    for thread in [first, *threads]:
        thread.join(10)
    assert isinstance(outcome[1], ValueError) and isinstance(outcome[2], ValueError)
    assert names(db) == {"first", "w0", "w3"}
    with db.read() as conn:
        subjects = {row.subject for row in conn.execute(sa.select(audit_log.c.subject))}
    assert {"w1", "w2"}.isdisjoint(subjects) and {"first", "w0", "w3"} <= subjects
    assert verify(db)["ok"]


def test_a_durable_unit_never_joins_a_commit_that_skips_its_fsync(db):
    seen: list[str] = []

    def begin(conn):
        options = conn.get_execution_options()
        if not options.get(database.READ_ONLY):
            seen.append("begin not durable" if options.get(database.NOT_DURABLE) else "begin durable")
    sa.event.listen(db.engine, "begin", begin)
    sa.event.listen(db.engine, "before_cursor_execute", lambda conn, cursor, statement, parameters, *rest:
                    statement.startswith("INSERT INTO locks") and seen.append(f"insert {parameters[0]}"))
    release, entered = threading.Event(), threading.Event()
    first = hold_first_batch(db, release, entered, durable=False)
    threads, outcome = queue_writers(db, 1)
    wait_until_queued(db, 1)
    release.set()
    for thread in [first, *threads]:
        thread.join(10)
    assert "w0" in outcome[0]
    assert seen == ["begin not durable", "insert first", "begin durable", "insert w0"]  # w0 began its own batch


def test_a_unit_alone_commits_at_once(db):
    seen = statements(db)
    with db.transaction() as conn:
        insert_lock(conn, "alone")
    assert seen.count("COMMIT") == 1 and names(db) == {"alone"}
