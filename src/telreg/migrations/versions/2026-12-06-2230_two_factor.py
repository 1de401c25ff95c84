"""staff two-factor sign-in: TOTP secrets and recovery codes (issue 14)

Revision ID: c14d00000001
Revises: c14c00000001
Create Date: 2026-12-06 22:30:00+08:00

Each staff user's authenticator (the TOTP secret sealed by the vault, the newest time step accepted) and its
single-use recovery codes (argon2 hashes). See core/two_factor.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c14d00000001'
down_revision = 'c14c00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_two_factor',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_sealed', sa.Text(), nullable=False),
    sa.Column('confirmed_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_two_factor_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_staff_two_factor'))
    )
    op.create_table('staff_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_recovery_codes_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_recovery_codes'))
    )
    op.create_index('ix_staff_recovery_codes_user', 'staff_recovery_codes', ['user_id', 'used_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_staff_recovery_codes_user', table_name='staff_recovery_codes')
    op.drop_table('staff_recovery_codes')
    op.drop_table('staff_two_factor')
