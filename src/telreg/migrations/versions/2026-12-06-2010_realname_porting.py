"""realname porting: requests to move a registered number to another operator

Revision ID: a1c0de120002
Revises: a1c0de120001
Create Date: 2026-12-06 20:10:00+08:00

Issue 12 (seed 004 Q4.3: a number ported to another operator needs no new registration, its user being the
same): one row per port request, at most one open per number (a partial unique index on both backends).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'a1c0de120002'
down_revision = 'a1c0de120001'
branch_labels = None
depends_on = None

_OPEN = sa.text("state = 'requested'")


def upgrade() -> None:
    op.create_table('realname_port_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('donor_operator_id', sa.Integer(), nullable=False),
    sa.Column('recipient_operator_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('holder_checked', sa.Boolean(), nullable=False),
    sa.Column('requested_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('completed_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('registration_before_id', sa.Integer(), nullable=True),
    sa.Column('registration_after_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('requested', 'confirmed', 'rejected', 'completed', 'cancelled')",
                       name=op.f('ck_realname_port_requests_state')),
    sa.CheckConstraint('donor_operator_id <> recipient_operator_id',
                       name=op.f('ck_realname_port_requests_two_operators')),
    sa.CheckConstraint("(state = 'requested') = (decided_at IS NULL)",
                       name=op.f('ck_realname_port_requests_decided_unless_open')),
    sa.CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)",
                       name=op.f('ck_realname_port_requests_completed_when_completed')),
    sa.ForeignKeyConstraint(['donor_operator_id'], ['realname_operators.id'],
                            name=op.f('fk_realname_port_requests_donor_operator_id_realname_operators')),
    sa.ForeignKeyConstraint(['number_id'], ['realname_numbers.id'],
                            name=op.f('fk_realname_port_requests_number_id_realname_numbers')),
    sa.ForeignKeyConstraint(['recipient_operator_id'], ['realname_operators.id'],
                            name=op.f('fk_realname_port_requests_recipient_operator_id_realname_operators')),
    # Longer than PostgreSQL's 63 characters: SQLAlchemy shortens these (with a hash) as it does the models'.
    sa.ForeignKeyConstraint(
        ['registration_after_id'], ['realname_registrations.id'],
        name=op.f('fk_realname_port_requests_registration_after_id_realname_registrations')),
    sa.ForeignKeyConstraint(
        ['registration_before_id'], ['realname_registrations.id'],
        name=op.f('fk_realname_port_requests_registration_before_id_realname_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_port_requests'))
    )
    with op.batch_alter_table('realname_port_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_realname_port_requests_number_id'), ['number_id'], unique=False)
        batch_op.create_index('ix_realname_port_requests_donor_state', ['donor_operator_id', 'state'],
                              unique=False)
        batch_op.create_index('ix_realname_port_requests_recipient_state', ['recipient_operator_id', 'state'],
                              unique=False)
        batch_op.create_index('uq_realname_port_requests_open', ['number_id'], unique=True,
                              sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    with op.batch_alter_table('realname_port_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_realname_port_requests_open', sqlite_where=_OPEN, postgresql_where=_OPEN)
        batch_op.drop_index('ix_realname_port_requests_recipient_state')
        batch_op.drop_index('ix_realname_port_requests_donor_state')
        batch_op.drop_index(batch_op.f('ix_realname_port_requests_number_id'))
    op.drop_table('realname_port_requests')
