"""two-person rule: policy overrides

Revision ID: c16e00000001
Revises: c16d00000001
Create Date: 2026-12-07 10:40:00+08:00

The approved changes of real-name policy values (realname_policy_overrides); the requests themselves are in
c16a's dual_control_requests.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c16e00000001'
down_revision = 'c16d00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('realname_policy_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('effective_from', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('approval_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['dual_control_requests.id'],
                            name=op.f('fk_realname_policy_overrides_approval_id_dual_control_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_policy_overrides')),
    sa.UniqueConstraint('approval_id', name=op.f('uq_realname_policy_overrides_approval_id'))
    )
    with op.batch_alter_table('realname_policy_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_realname_policy_overrides_key', ['key', 'effective_from'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('realname_policy_overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_realname_policy_overrides_key')
    op.drop_table('realname_policy_overrides')
