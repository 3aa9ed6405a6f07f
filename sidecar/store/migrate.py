"""Schema management: Alembic migrations bring every store (SQLite or PostgreSQL) to the current shape.

A store made before migrations existed (by `create_all` and the column/index upgrade) carries no
revision: it is adopted once (see store/upgrade.py), then stamped at the head revision.
"""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision."""
    return ScriptDirectory.from_config(config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision a store is at (None: unversioned or empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Bring the store to the head revision, adopting an unversioned one first; the revision it ends at."""
    from sidecar.store.upgrade import adopt
    from sidecar.store.schema import metadata
    present = set(sa.inspect(engine).get_table_names())
    legacy = VERSION_TABLE not in present and bool(present & set(metadata.tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two processes starting on one new database would both create the tables: one at a time.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7301)")
        cfg = config(conn)
        if legacy:
            adopt(conn)
            command.stamp(cfg, "head")
            logger.info("store adopted: stamped at revision %s", head())
        else:
            command.upgrade(cfg, "head")
    return head()
