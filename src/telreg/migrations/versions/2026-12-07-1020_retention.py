"""Retention and erasure: when an identity's personal data was erased, and one erasure row per identity.

Revision ID: c16c00000001
Revises: c16b00000001
Create Date: 2026-12-07 10:20:00+08:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c16c00000001'
down_revision = 'c16b00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('realname_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', telreg.core.db.UTCDateTime(), nullable=True))

    op.create_table('realname_erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('erased_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('last_ended_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('policy_days', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['realname_identities.id'],
                            name=op.f('fk_realname_erasures_identity_id_realname_identities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_erasures')),
    sa.UniqueConstraint('identity_id', name=op.f('uq_realname_erasures_identity_id'))
    )
    with op.batch_alter_table('realname_erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_realname_erasures_erased_at'), ['erased_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('realname_erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_realname_erasures_erased_at'))
    op.drop_table('realname_erasures')
    with op.batch_alter_table('realname_identities', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
