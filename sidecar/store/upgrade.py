"""Bring an existing store to the tables' current shape: new nullable columns are added in place.

`create_all` only creates missing tables; until the project has migrations, a column that a
release adds (always nullable) is added here, so an older store keeps working after an upgrade.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sidecar.store.schema import metadata

logger = logging.getLogger(__name__)


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
