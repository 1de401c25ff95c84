"""enforcement: reports — an attachment's stored path (core/sweeper.py keeps the files a ``path`` column names)

Revision ID: c17b00000001
Revises: c17a00000001
Create Date: 2026-12-08 10:10:00+08:00

The table is new in this release and empty, so the column is added NOT NULL without a default.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c17b00000001'
down_revision = 'c17a00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enf_report_attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=500), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('enf_report_attachments', schema=None) as batch_op:
        batch_op.drop_column('path')
