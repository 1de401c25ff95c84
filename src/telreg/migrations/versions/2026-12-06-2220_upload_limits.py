"""rate-limit counters, upload accounting per applicant and failed-wash bookkeeping (issue 14)

Revision ID: c14c00000001
Revises: c14b00000001
Create Date: 2026-12-06 22:20:00+08:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c14c00000001'
down_revision = 'c14b00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_counters',
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('window_start', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', 'window_start', name=op.f('pk_rate_limit_counters'))
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counters_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('sender_washes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('error_params', sa.JSON(), nullable=True))

    op.create_table('sender_list_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('client_ref', sa.String(length=64), nullable=False),
    sa.Column('register', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('applied_rows', sa.Integer(), nullable=False),
    sa.Column('recorded', sa.Integer(), nullable=False),
    sa.Column('consents', sa.Integer(), nullable=False),
    sa.Column('batch_rows', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("register IN ('fax', 'sms', 'prerecorded')", name=op.f('ck_sender_list_imports_register')),
    sa.CheckConstraint("state IN ('applying', 'complete', 'failed')", name=op.f('ck_sender_list_imports_state')),
    sa.ForeignKeyConstraint(['account_id'], ['sender_accounts.id'], name=op.f('fk_sender_list_imports_account_id_sender_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sender_list_imports'))
    )
    with op.batch_alter_table('sender_list_imports', schema=None) as batch_op:
        batch_op.create_index('ix_sender_list_imports_list', ['account_id', 'register', 'client_ref', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sender_list_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_sender_list_imports_list')
    op.drop_table('sender_list_imports')
    with op.batch_alter_table('sender_washes', schema=None) as batch_op:
        batch_op.drop_column('error_params')
        batch_op.drop_column('error_code')
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counters_expires_at'))
    op.drop_table('rate_limit_counters')
