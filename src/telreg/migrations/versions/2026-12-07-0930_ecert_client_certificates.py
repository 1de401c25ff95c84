"""e-Cert: client certificates bound to sender accounts (mutual TLS)

Revision ID: c15d00000001
Revises: c15c00000001
Create Date: 2026-12-07 09:30:00+08:00

A certificate bound to a sender account authenticates that account's scripts on the mutual-TLS listener
(telreg.ecert.mtls_models, telreg.ecert.client_auth). One binding per certificate, ever.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c15d00000001'
down_revision = 'c15c00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ecert_client_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('bound_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('bound_by', sa.String(length=100), nullable=False),
    sa.Column('unbound_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('unbound_by', sa.String(length=100), nullable=True),
    sa.CheckConstraint('(unbound_at IS NULL) = (unbound_by IS NULL)', name=op.f('ck_ecert_client_certificates_unbound_together')),
    sa.ForeignKeyConstraint(['account_id'], ['sender_accounts.id'], name=op.f('fk_ecert_client_certificates_account_id_sender_accounts')),
    sa.ForeignKeyConstraint(['certificate_id'], ['ecert_certificates.id'], name=op.f('fk_ecert_client_certificates_certificate_id_ecert_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_client_certificates')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_ecert_client_certificates_certificate_id'))
    )
    with op.batch_alter_table('ecert_client_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ecert_client_certificates_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ecert_client_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ecert_client_certificates_account_id'))
    op.drop_table('ecert_client_certificates')
