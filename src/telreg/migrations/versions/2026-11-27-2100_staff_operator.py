"""staff operator: the operator an operator_staff account acts for

Revision ID: 5b1e8d3c7a90
Revises: 3a84f20161a2
Create Date: 2026-11-27 21:00:00+08:00

Issue 5: each operator registers its own numbers. An ``operator_staff`` account names its operator by code;
accounts that exist already get NULL and act for no operator until an administrator attaches one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5b1e8d3c7a90'
down_revision = '3a84f20161a2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_code', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('operator_code')
