"""personal-data key rotation progress (issue 14)

Revision ID: c14e00000001
Revises: c14d00000001
Create Date: 2026-12-06 22:40:00+08:00

Placeholder in the chain: filled in by the work of issue 14 (a no-op until then).
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'c14e00000001'
down_revision = 'c14d00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
