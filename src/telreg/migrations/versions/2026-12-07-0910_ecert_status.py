"""e-Cert status services: issued CRLs and the pre-signed OCSP responses

Revision ID: c15b00000001
Revises: c15a00000001
Create Date: 2026-12-07 09:10:00+08:00

The CRLs the issuing CA signed (numbers unique), the pre-signed OCSP responses per (serial, CertID hash), and an
index on ecert_certificates.status_changed_at for the OCSP responder's change marker.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c15b00000001'
down_revision = 'c15a00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ecert_crls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('this_update', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('next_update', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('der', sa.LargeBinary(), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_crls')),
    sa.UniqueConstraint('number', name=op.f('uq_ecert_crls_number'))
    )
    op.create_table('ecert_ocsp_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=40), nullable=False),
    sa.Column('hash_algorithm', sa.String(length=8), nullable=False),
    sa.Column('cert_status', sa.String(length=8), nullable=False),
    sa.Column('source_changed_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('der', sa.LargeBinary(), nullable=False),
    sa.Column('this_update', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('next_update', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('produced_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('refresh_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("cert_status IN ('good', 'revoked', 'unknown')", name=op.f('ck_ecert_ocsp_responses_cert_status')),
    sa.ForeignKeyConstraint(['certificate_id'], ['ecert_certificates.id'], name=op.f('fk_ecert_ocsp_responses_certificate_id_ecert_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_ocsp_responses')),
    sa.UniqueConstraint('serial', 'hash_algorithm', name='uq_ecert_ocsp_responses_serial_hash')
    )
    op.create_index(op.f('ix_ecert_ocsp_responses_certificate_id'), 'ecert_ocsp_responses', ['certificate_id'], unique=False)
    op.create_index(op.f('ix_ecert_ocsp_responses_refresh_at'), 'ecert_ocsp_responses', ['refresh_at'], unique=False)
    op.create_index(op.f('ix_ecert_certificates_status_changed_at'), 'ecert_certificates', ['status_changed_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ecert_certificates_status_changed_at'), table_name='ecert_certificates')
    op.drop_index(op.f('ix_ecert_ocsp_responses_refresh_at'), table_name='ecert_ocsp_responses')
    op.drop_index(op.f('ix_ecert_ocsp_responses_certificate_id'), table_name='ecert_ocsp_responses')
    op.drop_table('ecert_ocsp_responses')
    op.drop_table('ecert_crls')
