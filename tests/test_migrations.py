"""The store's schema comes from Alembic migrations, on SQLite and PostgreSQL alike."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sidecar.store import Database
from sidecar.store.migrate import current, head
from sidecar.store.schema import metadata
from tests.conftest import sidecar_env
from tests.support.stores import store_url


def test_the_migrations_build_exactly_the_declared_schema(tmp_path):
    db = Database(store_url(tmp_path))
    assert db.create_schema() == head()
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    db.dispose()
    # A column, table or index added to schema.py without a migration (or the other way round) shows here.
    assert differences == []


def test_upgrading_twice_changes_nothing(tmp_path):
    db = Database(store_url(tmp_path))
    db.create_schema()
    db.create_schema()
    assert current(db.engine) == head()
    db.dispose()


def _older_metadata() -> sa.MetaData:
    """The store as releases before priorities and mappings made it: no jobs.priority, no mapping tables."""
    old = sa.MetaData()
    for table in metadata.sorted_tables:
        if table.name.startswith("mapping_"):
            continue
        columns = [sa.Column(column.name, column.type, *[sa.ForeignKey(fk.target_fullname) for fk in column.foreign_keys],
                             primary_key=column.primary_key, nullable=column.nullable, unique=column.unique,
                             autoincrement=column.autoincrement)
                   for column in table.columns if (table.name, column.name) != ("jobs", "priority")]
        copy = sa.Table(table.name, old, *columns)
        for index in table.indexes:
            sa.Index(index.name, *(copy.c[c.name] for c in index.columns), unique=index.unique,
                     **index.dialect_kwargs)
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) and constraint.name:
                copy.append_constraint(sa.UniqueConstraint(*(c.name for c in constraint.columns), name=constraint.name))
    return old


def test_an_older_store_made_without_migrations_is_adopted_and_keeps_its_rows(tmp_path):
    from sidecar.store import jobs
    url = f"sqlite:///{tmp_path}/old.db"
    engine = sa.create_engine(url)
    old = _older_metadata()
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(old.tables["jobs"].insert().values(
            id="job_old", idempotency_key="old/confirm", order_id=7, seq=1, model="sale.order",
            operation="confirm_order", payload={"order_id": 7}, state="pending", attempts=0, crashes=0,
            max_attempts=3, next_attempt_at=1.0, created_at=1.0, updated_at=1.0))
        conn.execute(old.tables["idempotency"].insert().values(
            key="k1", operation="events", request_hash="h", status_code=202, response={"id": "x"}, created_at=1.0))
    assert "priority" not in {c["name"] for c in sa.inspect(engine).get_columns("jobs")}
    engine.dispose()

    db = Database(url)
    assert db.create_schema() == head()
    assert current(db.engine) == head()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    with db.transaction() as conn:
        job = jobs.get(conn, "job_old")
        assert job["operation"] == "confirm_order" and job["payload"] == {"order_id": 7} and job["priority"] is None
        stored = conn.execute(sa.text("SELECT response FROM idempotency WHERE key = 'k1'")).scalar()
        assert "x" in str(stored)
        assert conn.execute(sa.text("SELECT count(*) FROM mapping_skus")).scalar() == 0
    db.dispose()


def test_the_db_upgrade_command_creates_and_reports_the_store(tmp_path, monkeypatch, capsys):
    import json

    from sidecar.cli import main
    env = sidecar_env(tmp_path, "http://127.0.0.1:9")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["db", "upgrade"]) == 0
    assert json.loads(capsys.readouterr().out) == {"revision": head()}
    assert main(["db", "current"]) == 0
    assert json.loads(capsys.readouterr().out) == {"revision": head(), "head": head()}


def test_a_store_at_the_first_revision_gains_the_correlation_columns_and_keeps_its_rows(tmp_path):
    from alembic import command

    from sidecar.store import jobs
    from sidecar.store.migrate import config
    db = Database(store_url(tmp_path))
    with db.engine.begin() as conn:
        command.upgrade(config(conn), "0001")
        conn.execute(sa.text(
            "INSERT INTO jobs (id, idempotency_key, operation, payload, state, attempts, crashes, max_attempts, "
            "next_attempt_at, created_at, updated_at) VALUES ('job_1', 'k', 'post_message', '{}', 'pending', 0, 0, 3, "
            "0, 0, 0)"))
    assert current(db.engine) == "0001"
    assert "correlation_id" not in {c["name"] for c in sa.inspect(db.engine).get_columns("jobs")}
    assert db.create_schema() == head()
    with db.transaction() as conn:
        job = jobs.get(conn, "job_1")
        assert job["operation"] == "post_message" and job["correlation_id"] is None
    assert {"correlation_id"} <= {c["name"] for c in sa.inspect(db.engine).get_columns("releases")}
    db.dispose()
