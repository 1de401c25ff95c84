"""e-Cert subscriptions: the fee table, free-use periods, subscriptions and payments (issue 15 §2)

Revision ID: c15c00000001
Revises: c15b00000001
Create Date: 2026-12-07 09:20:00+08:00

Reminders need no table: the mail outbox's unique key names each one (see telreg.ecert.subscriptions).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import telreg.core.db

revision = 'c15c00000001'
down_revision = 'c15b00000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ecert_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_ecert_fees_amount_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_fees')),
    sa.UniqueConstraint('profile', 'effective_from', name='uq_ecert_fees_profile_effective_from')
    )
    op.create_table('ecert_free_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=32), nullable=False),
    sa.Column('issued_from', sa.Date(), nullable=True),
    sa.Column('issued_until', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_by', sa.String(length=100), nullable=True),
    sa.Column('withdrawn_at', telreg.core.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("(kind = 'months') = (months IS NOT NULL)", name=op.f('ck_ecert_free_periods_months_when')),
    sa.CheckConstraint("kind IN ('validity', 'months')", name=op.f('ck_ecert_free_periods_kind')),
    sa.CheckConstraint('issued_from IS NULL OR issued_until IS NULL OR issued_from <= issued_until',
                       name=op.f('ck_ecert_free_periods_issued_order')),
    sa.CheckConstraint('months IS NULL OR months > 0', name=op.f('ck_ecert_free_periods_months_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_free_periods'))
    )
    op.create_table('ecert_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('paid_until', sa.Date(), nullable=False),
    sa.Column('free_until', sa.Date(), nullable=True),
    sa.Column('free_period_id', sa.Integer(), nullable=True),
    sa.Column('created_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['ecert_certificates.id'],
                            name=op.f('fk_ecert_subscriptions_certificate_id_ecert_certificates')),
    sa.ForeignKeyConstraint(['free_period_id'], ['ecert_free_periods.id'],
                            name=op.f('fk_ecert_subscriptions_free_period_id_ecert_free_periods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_subscriptions')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_ecert_subscriptions_certificate_id'))
    )
    op.create_index('ix_ecert_subscriptions_due', 'ecert_subscriptions', ['paid_until'], unique=False)
    op.create_table('ecert_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_until', sa.Date(), nullable=False),
    sa.Column('paid_at', telreg.core.db.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint("method IN ('cash', 'cheque', 'eps', 'octopus', 'card', 'pps')",
                       name=op.f('ck_ecert_payments_method')),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_ecert_payments_amount_not_negative')),
    sa.CheckConstraint('years > 0', name=op.f('ck_ecert_payments_years_positive')),
    sa.ForeignKeyConstraint(['subscription_id'], ['ecert_subscriptions.id'],
                            name=op.f('fk_ecert_payments_subscription_id_ecert_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecert_payments')),
    sa.UniqueConstraint('method', 'reference', name='uq_ecert_payments_method_reference')
    )
    op.create_index(op.f('ix_ecert_payments_subscription_id'), 'ecert_payments', ['subscription_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ecert_payments_subscription_id'), table_name='ecert_payments')
    op.drop_table('ecert_payments')
    op.drop_index('ix_ecert_subscriptions_due', table_name='ecert_subscriptions')
    op.drop_table('ecert_subscriptions')
    op.drop_table('ecert_free_periods')
    op.drop_table('ecert_fees')
