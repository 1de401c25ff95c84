"""e-Cert: spare slot

Revision ID: c15e00000001
Revises: c15d00000001
Create Date: 2026-12-07 09:40:00+08:00

(A placeholder created before the work was split; the helper that owns (nobody yet) fills it in.)
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import telreg.core.db  # noqa: F401

revision = 'c15e00000001'
down_revision = 'c15d00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
