"""enforcement: seeds — each download records the SHA-256 of the bytes handed out (an account's own variant)

Revision ID: c17d00000001
Revises: c17c00000001
Create Date: 2026-12-08 10:30:00+08:00

With seed numbers every account receives its own copy of a register file, so the download log records exactly which
bytes it received (``sender_downloads.sha256``; NULL for downloads recorded before this revision).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c17d00000001'
down_revision = 'c17c00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sender_downloads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sender_downloads', schema=None) as batch_op:
        batch_op.drop_column('sha256')
