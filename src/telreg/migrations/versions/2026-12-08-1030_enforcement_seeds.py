"""enforcement: seeds (no schema change yet; the seeds work adds its columns here if it needs any)

Revision ID: c17d00000001
Revises: c17c00000001
Create Date: 2026-12-08 10:30:00+08:00
"""

from __future__ import annotations

revision = 'c17d00000001'
down_revision = 'c17c00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
