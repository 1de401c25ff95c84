"""realname verification register: documents flagged forged, lost or used by an impostor

Revision ID: a1c0de120003
Revises: a1c0de120002
Create Date: 2026-12-06 20:20:00+08:00

Issue 12 (seed 003: 冒用他人的证件,或者使用伪造、变造的证件的,电信业务经营者不得为其办理入网手续):
the register an officer loads for the ``register`` identity verifier. A document is its blind index, its
number sealed; at most one flag per document is in force (a partial unique index on both backends).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'a1c0de120003'
down_revision = 'a1c0de120002'
branch_labels = None
depends_on = None

_IN_FORCE = sa.text("withdrawn_at IS NULL")


def upgrade() -> None:
    op.create_table('realname_verification_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=32), nullable=False),
    sa.Column('document_index', sa.String(length=64), nullable=False),
    sa.Column('document_sealed', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('owner_name_sealed', sa.Text(), nullable=True),
    sa.Column('loaded_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('loaded_by', sa.String(length=100), nullable=False),
    sa.Column('withdrawn_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=100), nullable=True),
    sa.CheckConstraint("result IN ('forged', 'lost', 'impostor')",
                       name=op.f('ck_realname_verification_flags_result')),
    sa.CheckConstraint("owner_name_sealed IS NULL OR result = 'impostor'",
                       name=op.f('ck_realname_verification_flags_owner_only_for_impostor')),
    sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)",
                       name=op.f('ck_realname_verification_flags_withdrawn_by_someone')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_verification_flags'))
    )
    with op.batch_alter_table('realname_verification_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_realname_verification_flags_document_index'), ['document_index'],
                              unique=False)
        batch_op.create_index('uq_realname_verification_flags_in_force', ['document_index'], unique=True,
                              sqlite_where=_IN_FORCE, postgresql_where=_IN_FORCE)


def downgrade() -> None:
    with op.batch_alter_table('realname_verification_flags', schema=None) as batch_op:
        batch_op.drop_index('uq_realname_verification_flags_in_force', sqlite_where=_IN_FORCE,
                            postgresql_where=_IN_FORCE)
        batch_op.drop_index(batch_op.f('ix_realname_verification_flags_document_index'))

    op.drop_table('realname_verification_flags')
