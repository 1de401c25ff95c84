"""server-side sessions, time-limited staff lockout and per-address rate limits (issue 14)

Revision ID: c14b00000001
Revises: c14a00000001
Create Date: 2026-12-06 22:10:00+08:00

``auth_sessions`` holds the sign-ins the cookie carries (core/sessions.py); ``users.locked_until`` makes a staff
lockout run out like a sender's. Accounts locked before this (failed_logins at the limit, no locked_until) stay
locked until an administrator unlocks them. (The rate-limit counters are in 2026-12-06-2220.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c14b00000001'
down_revision = 'c14a00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('principal', sa.String(length=100), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=64), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.CheckConstraint("kind IN ('staff', 'sender')", name=op.f('ck_auth_sessions_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sessions'))
    )
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_auth_sessions_principal', ['kind', 'principal', 'revoked_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', telreg.core.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_auth_sessions_principal')
    op.drop_table('auth_sessions')
