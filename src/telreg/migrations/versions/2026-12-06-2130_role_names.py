"""role names: one spelling for every staff role, words joined by hyphens (operator_staff -> operator-staff)

Revision ID: b13e00000002
Revises: a1c0de120003
Create Date: 2026-12-06 21:30:00+08:00

Issue 13: the roles were spelt two ways (``dnc-officer`` beside ``operator_staff``). The code now names them
``admin``, ``dnc-officer``, ``operator-staff`` and ``regulator``; existing accounts get the new spelling. A
user's roles are a JSON list (``users.roles``), so the rows are read, renamed and written back one by one
(a handful of staff accounts): the same code on SQLite and PostgreSQL, with no JSON functions of either. The
audit trail keeps the spelling each event was recorded with.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b13e00000002'
down_revision = 'a1c0de120003'
branch_labels = None
depends_on = None

RENAMED = {"operator_staff": "operator-staff"}

_users = sa.table("users", sa.column("id", sa.Integer()), sa.column("roles", sa.JSON()))


def _rename(mapping: dict[str, str]) -> None:
    connection = op.get_bind()
    for user_id, roles in connection.execute(sa.select(_users.c.id, _users.c.roles)).all():
        renamed = sorted({mapping.get(role, role) for role in roles or []})
        if renamed != list(roles or []):
            connection.execute(sa.update(_users).where(_users.c.id == user_id).values(roles=renamed))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})
