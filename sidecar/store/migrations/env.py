"""Alembic environment: runs on the connection handed in by sidecar.store.migrate (no alembic.ini)."""
from alembic import context

from sidecar.store.schema import metadata

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters a table by copying it; Alembic's batch mode does that for us.
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
