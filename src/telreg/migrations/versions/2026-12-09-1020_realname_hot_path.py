"""real-name registration's hot path (issue 18 §4): reserved for indexes it needs; a no-op until then

Revision ID: c18c00000001
Revises: c18b00000001
Create Date: 2026-12-09 10:20:00+08:00
"""

from __future__ import annotations

revision = 'c18c00000001'
down_revision = 'c18b00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
