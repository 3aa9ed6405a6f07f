"""Tax mappings: per source, a tax rate (percent) -> the Odoo account.tax a synced order line gets

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mapping_taxes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('tax_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('mapping_taxes_key', 'mapping_taxes', ['source', 'rate'], unique=True)


def downgrade() -> None:
    op.drop_index('mapping_taxes_key', table_name='mapping_taxes')
    op.drop_table('mapping_taxes')
