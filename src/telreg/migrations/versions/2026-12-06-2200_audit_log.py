"""audit log: the Merkle-tree columns, checkpoints and witness cosignatures (issue 14)

Revision ID: c14a00000001
Revises: b13e00000002
Create Date: 2026-12-06 22:00:00+08:00

Placeholder in the chain: filled in by the work of issue 14 (a no-op until then).
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'c14a00000001'
down_revision = 'b13e00000002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
