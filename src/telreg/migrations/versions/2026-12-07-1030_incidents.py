"""incidents: personal-data incidents, their frozen scope and their remedy steps

Revision ID: c16d00000001
Revises: c16c00000001
Create Date: 2026-12-07 10:30:00+08:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c16d00000001'
down_revision = 'c16c00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('operator_code', sa.String(length=32), nullable=True),
    sa.Column('window_start', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('window_end', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('opened_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('contained_by', sa.String(length=64), nullable=True),
    sa.Column('contained_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('closing_summary', sa.Text(), nullable=True),
    sa.CheckConstraint("category IN ('leak', 'damage', 'loss', 'wrong-person-disclosure', 'other')", name=op.f('ck_incidents_category')),
    sa.CheckConstraint("state IN ('open', 'contained', 'closed')", name=op.f('ck_incidents_state')),
    sa.CheckConstraint('window_end > window_start', name=op.f('ck_incidents_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('reference', name='uq_incidents_reference')
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_state', ['state', 'opened_at'], unique=False)

    op.create_table('incident_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('frozen_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('frozen_by', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=500), nullable=False),
    sa.Column('unfrozen_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('unfrozen_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('account', 'api-key', 'certificate', 'two-factor')", name=op.f('ck_incident_scope_kind')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_scope_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_scope')),
    sa.UniqueConstraint('incident_id', 'kind', 'identifier', name='uq_incident_scope_item')
    )
    with op.batch_alter_table('incident_scope', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_scope_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('due_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('done_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_steps_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_steps'))
    )
    with op.batch_alter_table('incident_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_steps_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_steps_incident_id'))
    op.drop_table('incident_steps')
    with op.batch_alter_table('incident_scope', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_scope_incident_id'))
    op.drop_table('incident_scope')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_state')
    op.drop_table('incidents')
