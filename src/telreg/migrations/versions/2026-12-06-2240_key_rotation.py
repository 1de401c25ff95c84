"""IVR webhook replay cache (issue 14); key rotation itself needs no table

Revision ID: c14e00000001
Revises: c14d00000001
Create Date: 2026-12-06 22:40:00+08:00

``dnc_ivr_signatures_seen`` holds the signatures of webhook calls accepted while their timestamp is inside the
replay window; its unique constraint makes every worker agree that a second request with one is a replay.
(`telreg keys rotate` re-seals values in place and resumes by skipping those already under the current key, so
it keeps no progress table.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c14e00000001'
down_revision = 'c14d00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'dnc_ivr_signatures_seen',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.Column('expires_at', telreg.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dnc_ivr_signatures_seen')),
        sa.UniqueConstraint('signature', name=op.f('uq_dnc_ivr_signatures_seen_signature')),
    )
    op.create_index(op.f('ix_dnc_ivr_signatures_seen_expires_at'), 'dnc_ivr_signatures_seen', ['expires_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_dnc_ivr_signatures_seen_expires_at'), table_name='dnc_ivr_signatures_seen')
    op.drop_table('dnc_ivr_signatures_seen')
