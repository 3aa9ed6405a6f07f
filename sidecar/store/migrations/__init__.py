"""Alembic migrations of the store: the same revisions create and upgrade SQLite and PostgreSQL."""
