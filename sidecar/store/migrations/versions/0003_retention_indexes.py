"""Indexes on the times retention prunes by: idempotency records by age, finished jobs and closed dead letters
by their last change

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('idempotency_created_at', 'idempotency', ['created_at'], unique=False)
    op.create_index('jobs_state_updated_at', 'jobs', ['state', 'updated_at'], unique=False)
    op.create_index('dead_letters_status_updated_at', 'dead_letters', ['status', 'updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('dead_letters_status_updated_at', table_name='dead_letters')
    op.drop_index('jobs_state_updated_at', table_name='jobs')
    op.drop_index('idempotency_created_at', table_name='idempotency')
