"""The table of washes: one row per uploaded calling list, from upload to results to expiry.

``client_reference`` is the sender's own id for an upload: unique per account, so a retried upload (a timeout, a
re-sent request) finds the wash it already made instead of making a second one. ``client_ref`` says which of the
account's own consent/unsubscribe lists applies ("" the account's own, else a client company's, seed 001 Q5.2).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base
from telreg.senders.models import REGISTER_CHECK

__all__ = ["STATES", "SenderWash"]

STATES = ("queued", "running", "done", "failed", "expired")


class SenderWash(Base):
    """A calling list uploaded to be scrubbed, and what became of it."""

    __tablename__ = "sender_washes"
    __table_args__ = (
        CheckConstraint(REGISTER_CHECK, name="register"),
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed', 'expired')", name="state"),
        UniqueConstraint("account_id", "client_reference", name="uq_sender_washes_client_reference"),
        Index("ix_sender_washes_account", "account_id", "created_at"),
        Index("ix_sender_washes_expiry", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"))
    client_reference: Mapped[str | None] = mapped_column(String(100))
    register: Mapped[str] = mapped_column(String(16))
    client_ref: Mapped[str] = mapped_column(String(64), default="", server_default="")
    column: Mapped[str | None] = mapped_column(String(200))
    send_date: Mapped[dt.date]
    state: Mapped[str] = mapped_column(String(10))
    input_sha256: Mapped[str] = mapped_column(String(64))
    input_name: Mapped[str] = mapped_column(String(120))
    input_size: Mapped[int] = mapped_column(BigInteger)
    publication_date: Mapped[dt.date | None]
    publication_sha256: Mapped[str | None] = mapped_column(String(64))
    counts: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Why a wash failed, in no language: a stable code and its values (service.failure_text words it for the
    # reader). ``error`` is only the English of washes failed before these columns existed.
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_params: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime]
