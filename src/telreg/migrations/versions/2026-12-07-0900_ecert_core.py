"""e-Cert: applications, certificates (recorded before they are signed) and their status events (issue 15)

Revision ID: c15a00000001
Revises: c14e00000001
Create Date: 2026-12-07 09:00:00+08:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c15a00000001'
down_revision = 'c14e00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ecert_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('profile', sa.String(length=32), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('authorised_person_id', sa.Integer(), nullable=True),
    sa.Column('renewal_of_id', sa.Integer(), nullable=True),
    sa.Column('key_origin', sa.String(length=8), nullable=False),
    sa.Column('csr_pem', sa.Text(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('counter', sa.String(length=64), nullable=True),
    sa.Column('value_added_consent', sa.Boolean(), nullable=False),
    sa.Column('consent_recorded_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint("key_origin IN ('csr', 'ca')", name=op.f('ck_ecert_applications_key_origin')),
    sa.CheckConstraint("state IN ('submitted', 'issued', 'rejected', 'withdrawn')", name=op.f('ck_ecert_applications_state')),
    sa.ForeignKeyConstraint(['authorised_person_id'], ['realname_identities.id'], name=op.f('fk_ecert_applications_authorised_person_id_realname_identities')),
    sa.ForeignKeyConstraint(['identity_id'], ['realname_identities.id'], name=op.f('fk_ecert_applications_identity_id_realname_identities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_applications')),
    sa.UniqueConstraint('reference', name=op.f('uq_ecert_applications_reference'))
    )
    op.create_table('ecert_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=40), nullable=False),
    sa.Column('profile', sa.String(length=32), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=True),
    sa.Column('authorised_person_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('renewal_of_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=True),
    sa.Column('key_origin', sa.String(length=8), nullable=False),
    sa.Column('key_algorithm', sa.String(length=16), nullable=False),
    sa.Column('public_key_sha256', sa.String(length=64), nullable=False),
    sa.Column('fingerprint_sha256', sa.String(length=64), nullable=True),
    sa.Column('der', sa.LargeBinary(), nullable=True),
    sa.Column('not_before', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('not_after', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('issued_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('revoked_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=24), nullable=True),
    sa.Column('status_changed_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('token_serial', sa.String(length=64), nullable=True),
    sa.Column('counter', sa.String(length=64), nullable=True),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(state IN ('hold', 'revoked')) = (revoked_at IS NOT NULL)", name=op.f('ck_ecert_certificates_revoked_when')),
    sa.CheckConstraint("key_origin IN ('csr', 'ca')", name=op.f('ck_ecert_certificates_key_origin')),
    sa.CheckConstraint("revocation_reason IS NULL OR revocation_reason IN ('unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn')", name=op.f('ck_ecert_certificates_revocation_reason')),
    sa.CheckConstraint("state IN ('intent', 'good', 'hold', 'revoked')", name=op.f('ck_ecert_certificates_state')),
    sa.CheckConstraint("subject_kind IN ('person', 'organisation', 'server', 'platform')", name=op.f('ck_ecert_certificates_subject_kind')),
    sa.ForeignKeyConstraint(['application_id'], ['ecert_applications.id'], name=op.f('fk_ecert_certificates_application_id_ecert_applications')),
    sa.ForeignKeyConstraint(['authorised_person_id'], ['realname_identities.id'], name=op.f('fk_ecert_certificates_authorised_person_id_realname_identities')),
    sa.ForeignKeyConstraint(['identity_id'], ['realname_identities.id'], name=op.f('fk_ecert_certificates_identity_id_realname_identities')),
    sa.ForeignKeyConstraint(['renewal_of_id'], ['ecert_certificates.id'], name=op.f('fk_ecert_certificates_renewal_of_id_ecert_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_certificates')),
    sa.UniqueConstraint('fingerprint_sha256', name=op.f('uq_ecert_certificates_fingerprint_sha256')),
    sa.UniqueConstraint('serial', name=op.f('uq_ecert_certificates_serial'))
    )
    with op.batch_alter_table('ecert_certificates', schema=None) as batch_op:
        batch_op.create_index('ix_ecert_certificates_identity', ['identity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ecert_certificates_public_key_sha256'), ['public_key_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_ecert_certificates_state'), ['state'], unique=False)

    op.create_table('ecert_status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=True),
    sa.Column('at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['ecert_certificates.id'], name=op.f('fk_ecert_status_events_certificate_id_ecert_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_status_events'))
    )
    with op.batch_alter_table('ecert_status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ecert_status_events_certificate_id'), ['certificate_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ecert_status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ecert_status_events_certificate_id'))

    op.drop_table('ecert_status_events')
    with op.batch_alter_table('ecert_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ecert_certificates_state'))
        batch_op.drop_index(batch_op.f('ix_ecert_certificates_public_key_sha256'))
        batch_op.drop_index('ix_ecert_certificates_identity')

    op.drop_table('ecert_certificates')
    op.drop_table('ecert_applications')
