"""The store as it was when migrations began: every table of sidecar/store/schema.py

Revision ID: 0001
Revises: 
Create Date: 2026-12-06 09:41:09.343334
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('audit_log',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('dead_letters',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('ref', sa.String(length=255), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('replay_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('closed_by', sa.String(length=255), nullable=True),
    sa.Column('linked_to', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_dead_letters_category'), 'dead_letters', ['category'], unique=False)
    op.create_index(op.f('ix_dead_letters_ref'), 'dead_letters', ['ref'], unique=False)
    op.create_index(op.f('ix_dead_letters_status'), 'dead_letters', ['status'], unique=False)

    op.create_table('idempotency',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('inventory_positions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse', sa.String(length=64), nullable=False),
    sa.Column('lot', sa.String(length=128), nullable=False),
    sa.Column('received', sa.Float(), nullable=False),
    sa.Column('quality_hold', sa.Float(), nullable=False),
    sa.Column('available', sa.Float(), nullable=False),
    sa.Column('reserved', sa.Float(), nullable=False),
    sa.Column('allocated', sa.Float(), nullable=False),
    sa.Column('shipped', sa.Float(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('product_id', 'warehouse', 'lot', name='inventory_positions_one_per_key')
    )
    op.create_table('jobs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('release_id', sa.String(length=40), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('crashes', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.Float(), nullable=False),
    sa.Column('first_failed_at', sa.Float(), nullable=True),
    sa.Column('locked_until', sa.Float(), nullable=True),
    sa.Column('claim_token', sa.String(length=40), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('done_at', sa.Float(), nullable=True),
    sa.Column('model', sa.String(length=64), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index(op.f('ix_jobs_release_id'), 'jobs', ['release_id'], unique=False)
    op.create_index(op.f('ix_jobs_state'), 'jobs', ['state'], unique=False)
    op.create_index('jobs_order_seq', 'jobs', ['model', 'order_id', 'seq'], unique=True)

    op.create_table('locks',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=40), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('mapping_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('mapping_packs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('packaging_id', sa.Integer(), nullable=True),
    sa.Column('default_code', sa.String(length=128), nullable=True),
    sa.Column('uom', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('mapping_packs_key', 'mapping_packs', ['source', 'unit', 'product_id'], unique=True)

    op.create_table('mapping_partners',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('mapping_partners_key', 'mapping_partners', ['source', 'external_id'], unique=True)

    op.create_table('mapping_skus',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=128), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('default_code', sa.String(length=128), nullable=True),
    sa.Column('uom', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('mapping_skus_key', 'mapping_skus', ['source', 'sku'], unique=True)

    op.create_table('mapping_units',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('uom_id', sa.Integer(), nullable=False),
    sa.Column('uom', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('mapping_units_key', 'mapping_units', ['source', 'unit'], unique=True)

    op.create_table('price_changes',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('release_id', sa.String(length=40), nullable=False),
    sa.Column('product_tmpl_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('pricelist_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('proposal', sa.JSON(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('channels', sa.JSON(), nullable=True),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_price_changes_product_tmpl_id'), 'price_changes', ['product_tmpl_id'], unique=False)
    op.create_index(op.f('ix_price_changes_release_id'), 'price_changes', ['release_id'], unique=False)
    op.create_index(op.f('ix_price_changes_state'), 'price_changes', ['state'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_name', sa.String(length=64), nullable=True),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('decision', sa.JSON(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('policy_version', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=255), nullable=True),
    sa.Column('in_flight', sa.Integer(), nullable=False),
    sa.Column('expected_write_date', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('flow', sa.String(length=64), nullable=True),
    sa.Column('model', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_releases_order_id'), 'releases', ['order_id'], unique=False)
    op.create_index('releases_one_in_flight_per_order', 'releases', ['flow', 'model', 'order_id'], unique=True, sqlite_where=sa.text('in_flight = 1'), postgresql_where=sa.text('in_flight = 1'))

    op.create_table('seen_signatures',
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('signature')
    )
    op.create_index(op.f('ix_seen_signatures_expires_at'), 'seen_signatures', ['expires_at'], unique=False)

    op.create_table('approvals',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('release_id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=True),
    sa.Column('assignee', sa.String(length=255), nullable=True),
    sa.Column('eligible', sa.JSON(), nullable=False),
    sa.Column('requested_by', sa.String(length=255), nullable=True),
    sa.Column('salesperson', sa.String(length=255), nullable=True),
    sa.Column('due_at', sa.Float(), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('activity_ref', sa.String(length=255), nullable=True),
    sa.Column('decided_by', sa.String(length=255), nullable=True),
    sa.Column('decided_token', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('decided_at', sa.Float(), nullable=True),
    sa.Column('tiers', sa.JSON(), nullable=True),
    sa.Column('resume_url', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('release_id')
    )
    op.create_table('inventory_moves',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('position_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=255), nullable=True),
    sa.Column('actor', sa.String(length=255), nullable=True),
    sa.Column('at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['position_id'], ['inventory_positions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_inventory_moves_position_id'), 'inventory_moves', ['position_id'], unique=False)

    op.create_table('approval_votes',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('approval_id', sa.String(length=40), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=True),
    sa.Column('voter', sa.String(length=255), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('token', sa.String(length=80), nullable=False),
    sa.Column('via', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('approval_id', 'voter', name='approval_votes_one_per_person'),
    sa.UniqueConstraint('token')
    )
    op.create_index(op.f('ix_approval_votes_approval_id'), 'approval_votes', ['approval_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_approval_votes_approval_id'), table_name='approval_votes')

    op.drop_table('approval_votes')
    op.drop_index(op.f('ix_inventory_moves_position_id'), table_name='inventory_moves')

    op.drop_table('inventory_moves')
    op.drop_table('approvals')
    op.drop_index(op.f('ix_seen_signatures_expires_at'), table_name='seen_signatures')

    op.drop_table('seen_signatures')
    op.drop_index('releases_one_in_flight_per_order', table_name='releases', sqlite_where=sa.text('in_flight = 1'), postgresql_where=sa.text('in_flight = 1'))
    op.drop_index(op.f('ix_releases_order_id'), table_name='releases')

    op.drop_table('releases')
    op.drop_index(op.f('ix_price_changes_state'), table_name='price_changes')
    op.drop_index(op.f('ix_price_changes_release_id'), table_name='price_changes')
    op.drop_index(op.f('ix_price_changes_product_tmpl_id'), table_name='price_changes')

    op.drop_table('price_changes')
    op.drop_index('mapping_units_key', table_name='mapping_units')

    op.drop_table('mapping_units')
    op.drop_index('mapping_skus_key', table_name='mapping_skus')

    op.drop_table('mapping_skus')
    op.drop_index('mapping_partners_key', table_name='mapping_partners')

    op.drop_table('mapping_partners')
    op.drop_index('mapping_packs_key', table_name='mapping_packs')

    op.drop_table('mapping_packs')
    op.drop_table('mapping_generation')
    op.drop_table('locks')
    op.drop_index('jobs_order_seq', table_name='jobs')
    op.drop_index(op.f('ix_jobs_state'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_release_id'), table_name='jobs')

    op.drop_table('jobs')
    op.drop_table('inventory_positions')
    op.drop_table('idempotency')
    op.drop_index(op.f('ix_dead_letters_status'), table_name='dead_letters')
    op.drop_index(op.f('ix_dead_letters_ref'), table_name='dead_letters')
    op.drop_index(op.f('ix_dead_letters_category'), table_name='dead_letters')

    op.drop_table('dead_letters')
    op.drop_table('audit_log')
    op.drop_table('audit_head')
