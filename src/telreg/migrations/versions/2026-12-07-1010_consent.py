"""consent for purposes: realname_consents, one row per holder's instruction (UPDATE refused)

Revision ID: c16b00000001
Revises: c16a00000001
Create Date: 2026-12-07 10:10:00+08:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c16b00000001'
down_revision = 'c16a00000001'
branch_labels = None
depends_on = None

TABLE = "realname_consents"


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('controller', sa.String(length=16), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=48), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('given_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('recorded_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.CheckConstraint("decision IN ('granted', 'withdrawn')", name=op.f('ck_realname_consents_decision')),
    sa.CheckConstraint("channel IN ('counter', 'web', 'sms', 'call', 'letter', 'api')",
                       name=op.f('ck_realname_consents_channel')),
    sa.CheckConstraint("controller IN ('operator', 'ecert')", name=op.f('ck_realname_consents_controller')),
    sa.CheckConstraint("(controller = 'operator') = (operator_id IS NOT NULL)",
                       name=op.f('ck_realname_consents_operator_controller')),
    sa.CheckConstraint('given_at <= recorded_at', name=op.f('ck_realname_consents_given_before_recorded')),
    sa.ForeignKeyConstraint(['identity_id'], ['realname_identities.id'],
                            name=op.f('fk_realname_consents_identity_id_realname_identities')),
    sa.ForeignKeyConstraint(['operator_id'], ['realname_operators.id'],
                            name=op.f('fk_realname_consents_operator_id_realname_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realname_consents'))
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index('ix_realname_consents_latest', ['identity_id', 'purpose', 'controller', 'operator_id',
                                                              'given_at', 'recorded_at', 'id'], unique=False)
        batch_op.create_index('ix_realname_consents_operator_purpose', ['operator_id', 'purpose'], unique=False)
    _no_update(TABLE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_no_update()")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index('ix_realname_consents_operator_purpose')
        batch_op.drop_index('ix_realname_consents_latest')
    op.drop_table(TABLE)


def _no_update(table: str) -> None:
    """An instruction is never changed: the database refuses UPDATE. DELETE stays for erasure at the end of the
    retention period (the retention helper), which removes a holder's rows whole."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        return
    op.execute(f"CREATE FUNCTION {table}_no_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
    op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_no_update()")
