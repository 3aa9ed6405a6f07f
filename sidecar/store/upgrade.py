"""Adopt a store made before migrations (by `create_all` and this module's additive upgrades).

Such a store carries no Alembic revision, and its shape depends on the release that made it, so
no single revision describes it: Alembic cannot tell which migrations it still needs. Adoption
brings it to the shape schema.py declares, which the head revision matches (tests/test_migrations.py):
missing tables created, nullable columns added, rows written before governed flows filled in as
the release flow's, indexes whose columns changed rebuilt; store/migrate.py then stamps it at the
head. New changes to the schema are Alembic revisions, never additions here.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.schema import jobs, metadata, releases

logger = logging.getLogger(__name__)
# Before governed flows the store held only sales-order release decisions.
FIRST_FLOW, FIRST_MODEL = "sales-order-release", "sale.order"


def adopt(conn: Connection) -> list[str]:
    """Create missing tables, add missing columns, fill what older rows lack, bring indexes to their columns."""
    metadata.create_all(conn)
    changes = add_missing_columns(conn)
    changes += fill_first_flow(conn)
    changes += sync_indexes(conn)
    return changes


def add_missing_columns(conn: Connection) -> list[str]:
    """Add every nullable column the tables declare and the database lacks; returns `table.column` names."""
    inspector = sa.inspect(conn)
    missing = []
    for table in metadata.sorted_tables:
        if inspector.has_table(table.name):
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing += [(table, column) for column in table.columns if column.name not in present]
    for table, column in missing:
        if not column.nullable:
            raise RuntimeError(f"{table.name}.{column.name} is missing and NOT NULL: migrate this store by hand")
        type_sql = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {type_sql}")
        logger.info("store upgraded: added column %s.%s", table.name, column.name)
    return [f"{table.name}.{column.name}" for table, column in missing]


def fill_first_flow(conn: Connection) -> list[str]:
    """Decisions and jobs stored before flows existed belong to the sales-order release flow."""
    filled = conn.execute(releases.update().where(releases.c.flow.is_(None)).values(
        flow=FIRST_FLOW, model=FIRST_MODEL)).rowcount
    filled_jobs = conn.execute(jobs.update().where(jobs.c.model.is_(None), jobs.c.order_id.is_not(None))
                               .values(model=FIRST_MODEL)).rowcount
    if filled or filled_jobs:
        logger.info("store upgraded: %s releases and %s jobs marked %s", filled, filled_jobs, FIRST_FLOW)
        return [f"releases.flow ({filled} rows)", f"jobs.model ({filled_jobs} rows)"]
    return []


def sync_indexes(conn: Connection) -> list[str]:
    """Create missing declared indexes; drop and recreate those whose columns or uniqueness changed."""
    inspector = sa.inspect(conn)
    changed = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {index["name"]: index for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            found = present.get(index.name)
            wanted = [column.name for column in index.columns]
            if found and found["column_names"] == wanted and bool(found["unique"]) == bool(index.unique):
                continue
            if found:
                index.drop(conn)
            index.create(conn)
            logger.info("store upgraded: index %s on %s", index.name, ", ".join(wanted))
            changed.append(f"index {index.name}")
    return changed
