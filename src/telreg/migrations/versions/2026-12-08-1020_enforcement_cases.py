"""enforcement: cases (no schema change yet; the cases work adds its columns here if it needs any)

Revision ID: c17c00000001
Revises: c17b00000001
Create Date: 2026-12-08 10:20:00+08:00
"""

from __future__ import annotations

revision = 'c17c00000001'
down_revision = 'c17b00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
