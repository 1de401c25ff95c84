"""audit log: the Merkle-tree columns, checkpoints and witness cosignatures (issue 14)

Revision ID: c14a00000001
Revises: b13e00000002
Create Date: 2026-12-06 22:00:00+08:00

Insert-only tables beside ``audit_events`` (whose shape does not change): the leaf sequence the integrator
gives committed events, the complete-subtree hashes, signed checkpoints and witnesses' cosignatures, each
refusing UPDATE and DELETE as audit_events does; and, for this deployment as a witness, the latest checkpoint
it cosigned per log (updated with a compare-and-set). See telreg/core/tlog/__init__.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c14a00000001'
down_revision = 'b13e00000002'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_tlog_leaves", "audit_tlog_hashes", "audit_checkpoints", "audit_cosignatures")


def upgrade() -> None:
    op.create_table('audit_tlog_leaves',
    sa.Column('leaf_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('integrated_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('leaf_index', name=op.f('pk_audit_tlog_leaves')),
    sa.UniqueConstraint('event_id', name=op.f('uq_audit_tlog_leaves_event_id'))
    )
    op.create_table('audit_tlog_hashes',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_audit_tlog_hashes'))
    )
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('tree_size', name=op.f('uq_audit_checkpoints_tree_size'))
    )
    op.create_table('audit_cosignatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('witness', sa.String(length=255), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoints.id'],
                            name=op.f('fk_audit_cosignatures_checkpoint_id_audit_checkpoints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_cosignatures')),
    sa.UniqueConstraint('checkpoint_id', 'witness', name=op.f('uq_audit_cosignatures_checkpoint_id_witness'))
    )
    op.create_index(op.f('ix_audit_cosignatures_checkpoint_id'), 'audit_cosignatures', ['checkpoint_id'],
                    unique=False)
    op.create_table('audit_witnessed_logs',
    sa.Column('origin', sa.String(length=255), nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('cosigned_count', sa.Integer(), nullable=False),
    sa.Column('updated_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('origin', name=op.f('pk_audit_witnessed_logs'))
    )
    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in APPEND_ONLY:
        if sqlite:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_table('audit_witnessed_logs')
    op.drop_index(op.f('ix_audit_cosignatures_checkpoint_id'), table_name='audit_cosignatures')
    op.drop_table('audit_cosignatures')
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_tlog_hashes')
    op.drop_table('audit_tlog_leaves')


def _append_only(table: str) -> None:
    """The same refusal as audit_events: the database itself refuses UPDATE and DELETE."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        return
    op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
    op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
