"""hot paths (issue 18): reserved for the online check's and status look-up's in-memory index (a listing change sequence, if one is needed); a no-op until then

Revision ID: c18a00000001
Revises: c17d00000001
Create Date: 2026-12-09 10:00:00+08:00
"""

from __future__ import annotations

revision = 'c18a00000001'
down_revision = 'c17d00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
