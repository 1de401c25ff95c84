"""instruction dedup: each sender instruction recorded once

Revision ID: c3e9a5d17f42
Revises: b7d2f4a81c63
Create Date: 2026-11-27 19:00:00+08:00

Importing the same instructions file twice used to append every line again. A unique index over what makes
two instructions the same (the list, the number, when, the kind, how, the reference) now refuses the copy; it
also serves the look-ups the old index did (same leading columns), so that one goes.

Rows a database already holds twice would make the index fail to build: the copies are deleted first, keeping
the lowest id of each (the first recorded, with its own recorded_at and recorded_by). They are the same
instruction, so the history and each number's current state are unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c3e9a5d17f42'
down_revision = 'b7d2f4a81c63'
branch_labels = None
depends_on = None

_SAME = ['account_id', 'client_ref', 'register', 'number', 'given_at', 'instruction', 'how']
_REFERENCE = "coalesce(reference, '')"


def upgrade() -> None:
    op.execute("DELETE FROM sender_instructions WHERE id NOT IN (SELECT min(id) FROM sender_instructions "
               f"GROUP BY {', '.join(_SAME)}, {_REFERENCE})")
    op.drop_index('ix_sender_instructions_lookup', table_name='sender_instructions')
    op.create_index('uq_sender_instructions_once', 'sender_instructions', [*_SAME, sa.text(_REFERENCE)],
                    unique=True)


def downgrade() -> None:
    op.drop_index('uq_sender_instructions_once', table_name='sender_instructions')
    op.create_index('ix_sender_instructions_lookup', 'sender_instructions',
                    ['account_id', 'client_ref', 'register', 'number', 'given_at'], unique=False)
