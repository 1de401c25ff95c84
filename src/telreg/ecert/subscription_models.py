"""Tables of e-Cert subscriptions: separate from a certificate's validity (seed 002 Q9–Q10).

    ecert_fees            effective-dated annual fee per profile ("*": every profile); the default is a setting
    ecert_free_periods    free-use rules applied when a subscription starts ("issued on or before D: free until the
                          end of the validity", "free for N months from issue"); withdrawn, never deleted
    ecert_certificates ─1 ecert_subscriptions ─< ecert_payments

A subscription covers whole days ``started_on`` … ``paid_until`` (inclusive); ``ends_on`` is the last day that
needs cover (the day before the certificate's notAfter date), so a subscription with ``paid_until >= ends_on``
asks for nothing more. Reminders leave no row here: the mail outbox's unique key names the reminder (subscription,
period, days before), which is what makes each one go once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

ALL_PROFILES = "*"
FREE_KINDS = ("validity", "months")  # free until the end of the certificate's validity | for N months from issue
PAYMENT_METHODS = ("cash", "cheque", "eps", "octopus", "card", "pps")


class EcertFee(Base):
    """An annual subscription fee for a profile (or "*"), in force from ``effective_from`` until the next one."""

    __tablename__ = "ecert_fees"
    __table_args__ = (
        UniqueConstraint("profile", "effective_from", name="uq_ecert_fees_profile_effective_from"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]


class EcertFreePeriod(Base):
    """A free-use rule: certificates of ``profile`` issued between the two dates (inclusive, open ends) use their
    subscription free until the end of their validity (``validity``) or for ``months`` from issue."""

    __tablename__ = "ecert_free_periods"
    __table_args__ = (
        CheckConstraint(one_of("kind", FREE_KINDS), name="kind"),
        CheckConstraint("(kind = 'months') = (months IS NOT NULL)", name="months_when"),
        CheckConstraint("months IS NULL OR months > 0", name="months_positive"),
        CheckConstraint("issued_from IS NULL OR issued_until IS NULL OR issued_from <= issued_until",
                        name="issued_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[str] = mapped_column(String(32))
    issued_from: Mapped[dt.date | None] = mapped_column(Date)
    issued_until: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    months: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[dt.datetime | None]


class EcertSubscription(Base):
    """A certificate's subscription: paid (or free) up to ``paid_until``; the certificate is held after it."""

    __tablename__ = "ecert_subscriptions"
    __table_args__ = (
        Index("ix_ecert_subscriptions_due", "paid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("ecert_certificates.id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))  # where reminders go; none: no reminders
    started_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    paid_until: Mapped[dt.date] = mapped_column(Date)
    free_until: Mapped[dt.date | None] = mapped_column(Date)
    free_period_id: Mapped[int | None] = mapped_column(ForeignKey("ecert_free_periods.id"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class EcertPayment(Base):
    """A payment of whole years, at the fee in force on the day it was recorded; extends ``paid_until``."""

    __tablename__ = "ecert_payments"
    __table_args__ = (
        CheckConstraint(one_of("method", PAYMENT_METHODS), name="method"),
        CheckConstraint("years > 0", name="years_positive"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        # The same receipt cannot be recorded twice (a counter's double click, a retried request).
        UniqueConstraint("method", "reference", name="uq_ecert_payments_method_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("ecert_subscriptions.id"), index=True)
    years: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(12))
    reference: Mapped[str | None] = mapped_column(String(64))
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_until: Mapped[dt.date] = mapped_column(Date)
    paid_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
