"""The correlation id of a decision and of each outbox job (X-Correlation-Id or n8n's execution id)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: decisions and jobs stored before correlation ids have none.
    op.add_column('releases', sa.Column('correlation_id', sa.String(length=128), nullable=True))
    op.add_column('jobs', sa.Column('correlation_id', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch_op:
        batch_op.drop_column('correlation_id')
    with op.batch_alter_table('releases') as batch_op:
        batch_op.drop_column('correlation_id')
