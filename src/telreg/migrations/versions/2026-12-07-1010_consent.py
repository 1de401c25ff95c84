"""consent for purposes

Revision ID: c16b00000001
Revises: c16a00000001
Create Date: 2026-12-07 10:10:00+08:00

(A placeholder created before the work was split; the consent helper fills it in, or leaves it a no-op.)
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import telreg.core.db  # noqa: F401

revision = 'c16b00000001'
down_revision = 'c16a00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
