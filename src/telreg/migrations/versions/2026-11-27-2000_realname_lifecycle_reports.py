"""realname lifecycle reports

Revision ID: e4a7c2d95b16
Revises: c3e9a5d17f42
Create Date: 2026-11-27 20:00:00+08:00

The real-name lifecycle of legacy numbers (one event per step taken), the outbox of numbers to drop from the
do-not-call registers, and the daily compliance snapshots the regulator's report reads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'e4a7c2d95b16'
down_revision = 'c3e9a5d17f42'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('realname_dnc_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_code', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('terminated', 'deactivated', 'transferred')", name=op.f('ck_realname_dnc_feed_reason')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_dnc_feed'))
    )
    with op.batch_alter_table('realname_dnc_feed', schema=None) as batch_op:
        batch_op.create_index('ix_realname_dnc_feed_pending', ['delivered_at', 'id'], unique=False)

    op.create_table('realname_compliance_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('operator_code', sa.String(length=32), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('rate_percent', sa.Float(), nullable=True),
    sa.Column('target_percent', sa.Float(), nullable=False),
    sa.Column('states', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('refusals', sa.JSON(), nullable=False),
    sa.Column('taken_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['realname_operators.id'], name=op.f('fk_realname_compliance_snapshots_operator_id_realname_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_compliance_snapshots')),
    sa.UniqueConstraint('day', 'operator_id', name='uq_realname_compliance_snapshots_day_operator')
    )
    with op.batch_alter_table('realname_compliance_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_realname_compliance_snapshots_day'), ['day'], unique=False)

    op.create_table('realname_lifecycle_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('notified', sa.Boolean(), nullable=False),
    sa.CheckConstraint("step IN ('reminder', 'outgoing_barred', 'suspended', 'deactivated', 'quarantine', 'released')", name=op.f('ck_realname_lifecycle_events_step')),
    sa.ForeignKeyConstraint(['number_id'], ['realname_numbers.id'], name=op.f('fk_realname_lifecycle_events_number_id_realname_numbers')),
    sa.ForeignKeyConstraint(['operator_id'], ['realname_operators.id'], name=op.f('fk_realname_lifecycle_events_operator_id_realname_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_lifecycle_events')),
    sa.UniqueConstraint('number_id', 'step', 'due_on', name='uq_realname_lifecycle_events_number_step_due')
    )
    with op.batch_alter_table('realname_lifecycle_events', schema=None) as batch_op:
        batch_op.create_index('ix_realname_lifecycle_events_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_realname_lifecycle_events_number_id'), ['number_id'], unique=False)
        batch_op.create_index('ix_realname_lifecycle_events_pending', ['notify', 'notified'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('realname_lifecycle_events', schema=None) as batch_op:
        batch_op.drop_index('ix_realname_lifecycle_events_pending')
        batch_op.drop_index(batch_op.f('ix_realname_lifecycle_events_number_id'))
        batch_op.drop_index('ix_realname_lifecycle_events_at')

    op.drop_table('realname_lifecycle_events')
    with op.batch_alter_table('realname_compliance_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_realname_compliance_snapshots_day'))

    op.drop_table('realname_compliance_snapshots')
    with op.batch_alter_table('realname_dnc_feed', schema=None) as batch_op:
        batch_op.drop_index('ix_realname_dnc_feed_pending')

    op.drop_table('realname_dnc_feed')
