"""realname lookup: one-identity lookup challenges and flags

Revision ID: 3a84f20161a2
Revises: e4a7c2d95b16
Create Date: 2026-11-27 20:30:00+08:00

The one-identity lookup (issue 5, section 4): a row per code request (matched or not, so the table does not
tell either), and the numbers people flagged as not theirs for their operator to investigate.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = '3a84f20161a2'
down_revision = 'e4a7c2d95b16'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('realname_lookup_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('document_index', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=True),
    sa.Column('number_id', sa.Integer(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('proved_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('access_hash', sa.String(length=64), nullable=True),
    sa.Column('access_expires_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'proved', 'locked', 'superseded')",
                       name=op.f('ck_realname_lookup_challenges_state')),
    sa.ForeignKeyConstraint(['identity_id'], ['realname_identities.id'],
                            name=op.f('fk_realname_lookup_challenges_identity_id_realname_identities')),
    sa.ForeignKeyConstraint(['number_id'], ['realname_numbers.id'],
                            name=op.f('fk_realname_lookup_challenges_number_id_realname_numbers')),
    sa.ForeignKeyConstraint(['operator_id'], ['realname_operators.id'],
                            name=op.f('fk_realname_lookup_challenges_operator_id_realname_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_lookup_challenges')),
    sa.UniqueConstraint('access_hash', name=op.f('uq_realname_lookup_challenges_access_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_realname_lookup_challenges_token_hash'))
    )
    with op.batch_alter_table('realname_lookup_challenges', schema=None) as batch_op:
        batch_op.create_index('ix_realname_lookup_challenges_document_created',
                              ['document_index', 'created_at'], unique=False)
        batch_op.create_index('ix_realname_lookup_challenges_number_created', ['number', 'created_at'],
                              unique=False)

    op.create_table('realname_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('number_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('closed_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_realname_flags_status')),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)",
                       name=op.f('ck_realname_flags_closed_when_closed')),
    sa.ForeignKeyConstraint(['challenge_id'], ['realname_lookup_challenges.id'],
                            name=op.f('fk_realname_flags_challenge_id_realname_lookup_challenges')),
    sa.ForeignKeyConstraint(['identity_id'], ['realname_identities.id'],
                            name=op.f('fk_realname_flags_identity_id_realname_identities')),
    sa.ForeignKeyConstraint(['number_id'], ['realname_numbers.id'],
                            name=op.f('fk_realname_flags_number_id_realname_numbers')),
    sa.ForeignKeyConstraint(['operator_id'], ['realname_operators.id'],
                            name=op.f('fk_realname_flags_operator_id_realname_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_flags'))
    )
    with op.batch_alter_table('realname_flags', schema=None) as batch_op:
        batch_op.create_index('ix_realname_flags_operator_status', ['operator_id', 'status', 'at'],
                              unique=False)
        batch_op.create_index('uq_realname_flags_open', ['number_id', 'identity_id'], unique=True,
                              sqlite_where=sa.text("status = 'open'"),
                              postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    with op.batch_alter_table('realname_flags', schema=None) as batch_op:
        batch_op.drop_index('uq_realname_flags_open', sqlite_where=sa.text("status = 'open'"),
                            postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_realname_flags_operator_status')
    op.drop_table('realname_flags')
    with op.batch_alter_table('realname_lookup_challenges', schema=None) as batch_op:
        batch_op.drop_index('ix_realname_lookup_challenges_number_created')
        batch_op.drop_index('ix_realname_lookup_challenges_document_created')
    op.drop_table('realname_lookup_challenges')
