"""Tables of the senders context: subscription accounts, their documents, orders, payments and periods.

Money is integer Hong Kong cents. A subscription period is ``[starts_on, ends_on)``: it covers ``starts_on`` up to
but not including ``ends_on``, which is the register's *expiry date* (the subscription ends at 00:00 that day,
Hong Kong time) and the day a renewal starts — so periods chain with no overlap and no gap.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base

REGISTER_CHECK = "register IN ('fax', 'sms', 'prerecorded')"
PLAN_CHECK = "plan IN ('12-months', '3-months')"


class SenderAccount(Base):
    """A sender's subscription account, from online application to cancellation.

    ``username`` is kept for history; ``login_name`` is the same name while the account lives and NULL once it is
    cancelled, so the unique constraint on it frees the name for a new application (NULLs never collide).
    """

    __tablename__ = "sender_accounts"
    __table_args__ = (
        CheckConstraint(
            "state IN ('applied', 'awaiting-documents', 'awaiting-payment', 'active', 'expired', 'cancelled')",
            name="state",
        ),
        CheckConstraint(
            "capacity IN ('individual', 'hk-company', 'overseas-company', 'other-organisation')", name="capacity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), index=True)
    login_name: Mapped[str | None] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    security_question: Mapped[str] = mapped_column(String(200))
    security_answer_hash: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(24), index=True)
    applied_at: Mapped[dt.datetime]
    applied_on: Mapped[dt.date] = mapped_column(Date)
    documents_accepted_at: Mapped[dt.datetime | None]
    activated_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    state_changed_at: Mapped[dt.datetime]
    password_changed_at: Mapped[dt.datetime]
    # Sign-in protection: consecutive failures, the lock they caused, and a one-time password an officer issued
    # (the password hash is the OTP's; it must be changed at the next login and lapses at otp_expires_at).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    otp_expires_at: Mapped[dt.datetime | None]
    # Automation by arrangement: only an officer turns this on; API keys work only while it is on.
    api_access: Mapped[bool] = mapped_column(default=False, server_default=false())
    api_access_changed_by: Mapped[str | None] = mapped_column(String(100))
    api_access_changed_at: Mapped[dt.datetime | None]


class SenderDocument(Base):
    """One uploaded piece of documentary proof; the file itself lives under data_dir, named by its SHA-256."""

    __tablename__ = "sender_documents"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'accepted', 'rejected', 'superseded')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    uploaded_at: Mapped[dt.datetime]
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))


class SenderFee(Base):
    """A fee per register for a plan, in force from ``effective_from`` until the next revision of that plan."""

    __tablename__ = "sender_fees"
    __table_args__ = (
        UniqueConstraint("plan", "effective_from", name="uq_sender_fees_plan_effective_from"),
        CheckConstraint(PLAN_CHECK, name="plan"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]


class SenderOrder(Base):
    """What a sender must pay: the first subscription (``application``) or a ``renewal``, priced on ``ordered_on``."""

    __tablename__ = "sender_orders"
    __table_args__ = (
        CheckConstraint("kind IN ('application', 'renewal')", name="kind"),
        CheckConstraint("state IN ('awaiting-payment', 'paid', 'void')", name="state"),
        Index("ix_sender_orders_account_state", "account_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    ordered_on: Mapped[dt.date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    paid_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(200))


class SenderOrderLine(Base):
    """One register on an order, with its plan and the fee in force on the order's date."""

    __tablename__ = "sender_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "register", name="uq_sender_order_lines_order_register"),
        CheckConstraint(REGISTER_CHECK, name="register"),
        CheckConstraint(PLAN_CHECK, name="plan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sender_orders.id"), index=True)
    register: Mapped[str] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(String(16))
    months: Mapped[int] = mapped_column(Integer)
    fee_cents: Mapped[int] = mapped_column(Integer)


class SenderPayment(Base):
    """Money received against an order. A payment reference is recorded once per method, ever."""

    __tablename__ = "sender_payments"
    __table_args__ = (
        UniqueConstraint("method", "reference", name="uq_sender_payments_method_reference"),
        CheckConstraint("method IN ('cheque', 'payment-by-phone', 'cash')", name="method"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sender_orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime]


class SenderSubscription(Base):
    """A paid period of one register. One per (order, register): a paid order can never extend twice."""

    __tablename__ = "sender_subscriptions"
    __table_args__ = (
        UniqueConstraint("order_id", "register", name="uq_sender_subscriptions_order_register"),
        UniqueConstraint("account_id", "register", "starts_on", name="uq_sender_subscriptions_account_start"),
        CheckConstraint(REGISTER_CHECK, name="register"),
        CheckConstraint(PLAN_CHECK, name="plan"),
        CheckConstraint("ends_on > starts_on", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"), index=True)
    register: Mapped[str] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    order_id: Mapped[int] = mapped_column(ForeignKey("sender_orders.id"))
    created_at: Mapped[dt.datetime]


class SenderApiKey(Base):
    """A key a sender's scripts use instead of a browser session. Only the SHA-256 of the secret is kept.

    The key is ``<prefix>.<secret>``: the prefix (public, unique) finds the row, the secret is compared by hash.
    A fast hash is right here because the secret is 256 random bits, not a human-chosen password.
    ``registers`` is the scope: a comma-separated subset of the registers the account holds.
    """

    __tablename__ = "sender_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    registers: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class SenderDownload(Base):
    """One register file handed to a sender: kept for misuse investigations (account, file, time, address)."""

    __tablename__ = "sender_downloads"
    __table_args__ = (
        Index("ix_sender_downloads_account_at", "account_id", "downloaded_at"),
        CheckConstraint(REGISTER_CHECK, name="register"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"))
    register: Mapped[str] = mapped_column(String(16))
    publication_date: Mapped[dt.date] = mapped_column(Date)
    file_name: Mapped[str] = mapped_column(String(100))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("sender_api_keys.id"))
    client_address: Mapped[str | None] = mapped_column(String(64))
    downloaded_at: Mapped[dt.datetime]
    # The SHA-256 of the bytes handed out: with seed numbers each account has its own copy (migration c17d).
    sha256: Mapped[str | None] = mapped_column(String(64))


class SenderCheck(Base):
    """One online-check request (how many numbers, which registers), for the same investigations."""

    __tablename__ = "sender_checks"
    __table_args__ = (Index("ix_sender_checks_account_at", "account_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"))
    registers: Mapped[str] = mapped_column(String(64))
    numbers_checked: Mapped[int] = mapped_column(Integer)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("sender_api_keys.id"))
    client_address: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[dt.datetime]
