"""e-Cert status services: issued CRLs and the pre-signed OCSP responses

Revision ID: c15b00000001
Revises: c15a00000001
Create Date: 2026-12-07 09:10:00+08:00

(A placeholder created before the work was split; the helper that owns src/telreg/ecert/status_models.py fills it in.)
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import telreg.core.db  # noqa: F401

revision = 'c15b00000001'
down_revision = 'c15a00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
