"""Tables of the do-not-call context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base

REGISTER_CHECK = "register IN ('fax', 'sms', 'prerecorded')"


class Listing(Base):
    """A number currently listed on one register. Removal deletes the row; the audit trail keeps the story."""

    __tablename__ = "dnc_listings"
    __table_args__ = (
        UniqueConstraint("number", "register", name="uq_dnc_listings_number_register"),
        CheckConstraint(REGISTER_CHECK, name="register"),
        CheckConstraint("length(number) = 8", name="number_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), index=True)
    register: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[dt.datetime]
    registration_date: Mapped[dt.date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    verification: Mapped[str] = mapped_column(String(32))


class Verification(Base):
    """A pending proof that the caller controls a number: a callback or a faxed one-time code."""

    __tablename__ = "dnc_verifications"
    __table_args__ = (
        CheckConstraint("method IN ('callback', 'fax-code')", name="method"),
        CheckConstraint("action IN ('register', 'deregister', 'status')", name="action"),
        CheckConstraint("state IN ('pending', 'confirmed', 'failed', 'expired')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), index=True)
    registers: Mapped[list[str]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    code_hash: Mapped[str | None] = mapped_column(String(200))
    code_expires_at: Mapped[dt.datetime | None]
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class IvrCall(Base):
    """The dialog state of one telephone call, kept between webhook turns."""

    __tablename__ = "dnc_ivr_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(100), unique=True)
    line: Mapped[str] = mapped_column(String(32))
    caller_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(48))
    context: Mapped[dict[str, Any]]
    turns: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class IvrSignatureSeen(Base):
    """A webhook signature accepted while its timestamp is inside the replay window (replay cache).

    The unique signature is the arbiter between workers: a second request carrying it is a replay. Rows whose
    window has closed are deleted; a request that old is refused for its timestamp anyway.
    """

    __tablename__ = "dnc_ivr_signatures_seen"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class PaperApplication(Base):
    """A written application with a recent phone bill, recorded and decided by an officer."""

    __tablename__ = "dnc_paper_applications"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        CheckConstraint("action IN ('register', 'deregister')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), index=True)
    registers: Mapped[list[str]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(16), default="register")
    applicant_name: Mapped[str] = mapped_column(String(200))
    bill_filename: Mapped[str] = mapped_column(String(255))
    bill_path: Mapped[str] = mapped_column(String(500))
    bill_sha256: Mapped[str] = mapped_column(String(64))
    bill_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))


class TerminationImport(Base):
    """One run of an operator's terminated-numbers file: what came in and what it did."""

    __tablename__ = "dnc_termination_imports"
    __table_args__ = (CheckConstraint("status IN ('applied', 'rejected')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    lines: Mapped[int] = mapped_column(Integer)
    numbers: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    imported_by: Mapped[str] = mapped_column(String(100))
