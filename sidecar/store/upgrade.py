"""Bring an existing store to the tables' current shape: new nullable columns and changed indexes.

`create_all` only creates missing tables; until the project has migrations, a column that a
release adds (always nullable) is added here, so an older store keeps working after an upgrade.
Changes are additive: rows written before governed flows are filled in as the release flow's,
and an index whose columns changed is dropped and created again.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sidecar.store.schema import jobs, metadata, releases

logger = logging.getLogger(__name__)
# Before governed flows the store held only sales-order release decisions.
FIRST_FLOW, FIRST_MODEL = "sales-order-release", "sale.order"


def upgrade(engine: Engine) -> list[str]:
    """Add missing columns, fill what older rows lack, and bring indexes to their declared columns."""
    changes = add_missing_columns(engine)
    changes += fill_first_flow(engine)
    changes += sync_indexes(engine)
    return changes


def add_missing_columns(engine: Engine) -> list[str]:
    """Add every nullable column the tables declare and the database lacks; returns `table.column` names."""
    inspector = sa.inspect(engine)
    missing = []
    for table in metadata.sorted_tables:
        if inspector.has_table(table.name):
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing += [(table, column) for column in table.columns if column.name not in present]
    with engine.begin() as conn:
        for table, column in missing:
            if not column.nullable:
                raise RuntimeError(f"{table.name}.{column.name} is missing and NOT NULL: migrate this store by hand")
            type_sql = column.type.compile(dialect=engine.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {type_sql}")
            logger.info("store upgraded: added column %s.%s", table.name, column.name)
    return [f"{table.name}.{column.name}" for table, column in missing]


def fill_first_flow(engine: Engine) -> list[str]:
    """Decisions and jobs stored before flows existed belong to the sales-order release flow."""
    with engine.begin() as conn:
        filled = conn.execute(releases.update().where(releases.c.flow.is_(None)).values(
            flow=FIRST_FLOW, model=FIRST_MODEL)).rowcount
        filled_jobs = conn.execute(jobs.update().where(jobs.c.model.is_(None), jobs.c.order_id.is_not(None))
                                   .values(model=FIRST_MODEL)).rowcount
    if filled or filled_jobs:
        logger.info("store upgraded: %s releases and %s jobs marked %s", filled, filled_jobs, FIRST_FLOW)
        return [f"releases.flow ({filled} rows)", f"jobs.model ({filled_jobs} rows)"]
    return []


def sync_indexes(engine: Engine) -> list[str]:
    """Create missing declared indexes; drop and recreate those whose columns or uniqueness changed."""
    inspector = sa.inspect(engine)
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
            with engine.begin() as conn:
                if found:
                    index.drop(conn)
                index.create(conn)
            logger.info("store upgraded: index %s on %s", index.name, ", ".join(wanted))
            changed.append(f"index {index.name}")
    return changed
