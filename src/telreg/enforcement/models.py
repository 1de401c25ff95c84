"""Tables of enforcement: the public's reports, cases per sender, their documents and notices, the fine scale,
and the seed numbers that trace a leaked register copy to the account it was handed to.

    enf_reports ─< enf_report_attachments          (screenshots, fax images, audio: files stored by SHA-256)
       │ >── enf_cases ─< enf_case_events           (every step, append-only, mirrored in the audit log)
       │        │      ─< enf_documents             (letters, notices, replies, evidence: immutable once served)
       │        │      ─< enf_notices               (an enforcement notice: deadline, service, compliance, referral)
       │        └── sender_accounts                  (when the sender is a subscriber)
       └── enf_seed_assignments ── enf_seed_numbers  (a report at a seed number names the account at once)
    enf_fine_scale                                   (effective-dated fines per offence, a revisable table)
    enf_sender_aliases                               (numbers and names officers learned belong to an account)

Personal data: the reporter's contact is sealed by the vault (``contact_sealed``); the receiving number is kept in
clear because every rule of the assessment reads it (it is a number on a public register's domain, and the
reporter proved they hold it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of
from telreg.enforcement.vocabulary import (
    ATTACHMENT_KINDS,
    CASE_DECISIONS,
    CASE_EVENTS,
    CASE_ORIGINS,
    CASE_STATES,
    CONTACT_KINDS,
    DOCUMENT_KINDS,
    FINE_UNITS,
    NOTICE_STATES,
    OFFENCES,
    PROOFS,
    REGISTER_CLAIMS,
    REGISTERS,
    REPORT_SOURCES,
    REPORT_STATES,
    SEED_STATES,
    SENDER_KEY_KINDS,
    SERVICE_METHODS,
    VERDICTS,
)

__all__ = ["Case", "CaseEvent", "CaseDocument", "FineRate", "Notice", "Report", "ReportAttachment",
           "SeedAssignment", "SeedNumber", "SenderAlias"]


class Report(Base):
    """One report of a message received at a listed number, from the public, an officer or an operator's feed.

    ``content_sha256`` is the SHA-256 of the normalised content (receiving number, register, arrival time, sender
    identification, message text): the same report submitted again within settings.report_duplicate_minutes
    finds the first instead of making a second. ``access_code_hash`` lets the reporter see the report's state with
    its reference (an argon2 hash, as passwords). The assessment is stored as computed when the report was
    received (``assessment``: its lines and rules) and may be recomputed by an officer (``assessed_at``).
    """

    __tablename__ = "enf_reports"
    __table_args__ = (
        CheckConstraint(one_of("register_claim", REGISTER_CLAIMS), name="register_claim"),
        CheckConstraint(one_of("source", REPORT_SOURCES), name="source"),
        CheckConstraint(one_of("state", REPORT_STATES), name="state"),
        CheckConstraint(f"proof IS NULL OR {one_of('proof', PROOFS)}", name="proof"),
        CheckConstraint(one_of("contact_kind", CONTACT_KINDS), name="contact_kind"),
        CheckConstraint(f"verdict IS NULL OR {one_of('verdict', VERDICTS)}", name="verdict"),
        CheckConstraint("length(receiving_number) = 8", name="receiving_number"),
        Index("ix_enf_reports_content", "content_sha256", "created_at"),
        Index("ix_enf_reports_number", "receiving_number", "received_at"),
        Index("ix_enf_reports_state", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    receiving_number: Mapped[str] = mapped_column(String(8))
    register_claim: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime]  # when the message arrived, as the reporter gave it
    sender_identification: Mapped[str] = mapped_column(String(200))  # as shown on the message
    sender_number: Mapped[str | None] = mapped_column(String(16), index=True)  # normalised, when it is a number
    message_text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))  # the reporter's language, for acknowledgements
    contact_kind: Mapped[str] = mapped_column(String(8))
    contact_sealed: Mapped[str | None] = mapped_column(Text)  # vault-sealed e-mail address or phone number
    content_sha256: Mapped[str] = mapped_column(String(64))
    access_code_hash: Mapped[str | None] = mapped_column(String(200))
    proof: Mapped[str | None] = mapped_column(String(16))
    code_hash: Mapped[str | None] = mapped_column(String(200))  # the one-time code sent to the receiving number
    code_expires_at: Mapped[dt.datetime | None]
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recorded_by: Mapped[str | None] = mapped_column(String(100))  # the officer, for phone/paper/feed reports
    verdict: Mapped[str | None] = mapped_column(String(32), index=True)
    assessment: Mapped[dict[str, Any] | None]
    assessed_at: Mapped[dt.datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enf_cases.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("enf_notices.id"))  # flagged against a notice
    seed_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("enf_seed_assignments.id"))
    created_at: Mapped[dt.datetime]
    proved_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class ReportAttachment(Base):
    """A file attached to a report; the file lives under data_dir/reports, named by its SHA-256 (core/files.py)."""

    __tablename__ = "enf_report_attachments"
    __table_args__ = (CheckConstraint(one_of("kind", ATTACHMENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("enf_reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # The stored file's path: core/sweeper.py keeps only the files a ``path`` column names (migration c17b).
    path: Mapped[str] = mapped_column(String(500))
    uploaded_at: Mapped[dt.datetime]


class Case(Base):
    """The reports about one sender, and what the regulator did about them.

    ``sender_key`` groups reports: ``account:<id>`` when the sender is a subscriber, else ``number:<normalised>``
    or ``name:<casefolded, spaces collapsed>``. One case per key is *open* at a time (a partial unique index on
    PostgreSQL and SQLite alike, ``open_key``: the key while the case is open, NULL once closed).
    """

    __tablename__ = "enf_cases"
    __table_args__ = (
        CheckConstraint(one_of("state", CASE_STATES), name="state"),
        CheckConstraint(one_of("origin", CASE_ORIGINS), name="origin"),
        CheckConstraint(one_of("sender_key_kind", SENDER_KEY_KINDS), name="sender_key_kind"),
        CheckConstraint(f"decision IS NULL OR {one_of('decision', CASE_DECISIONS)}", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    origin: Mapped[str] = mapped_column(String(16))
    sender_key_kind: Mapped[str] = mapped_column(String(8))
    sender_key: Mapped[str] = mapped_column(String(220), index=True)
    open_key: Mapped[str | None] = mapped_column(String(220), unique=True)
    sender_label: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("sender_accounts.id"), index=True)
    register: Mapped[str | None] = mapped_column(String(16))
    decision: Mapped[str | None] = mapped_column(String(24))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None]
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[dt.datetime]
    investigation_opened_at: Mapped[dt.datetime | None]
    investigator: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class CaseEvent(Base):
    """One step of a case, append-only (the audit log holds the same step, hash-chained)."""

    __tablename__ = "enf_case_events"
    __table_args__ = (CheckConstraint(one_of("kind", CASE_EVENTS), name="kind"),
                      Index("ix_enf_case_events_case", "case_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enf_cases.id"))
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime]
    details: Mapped[dict[str, Any]]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("enf_documents.id"))


class CaseDocument(Base):
    """A document of a case: a generated letter or notice (PDF), or a reply or evidence an officer filed.

    The file is stored by SHA-256; ``params`` are the values the template was filled with, so a generated
    document can be checked against its inputs. Once ``served_at`` is set nothing about it changes.
    """

    __tablename__ = "enf_documents"
    __table_args__ = (CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind"),
                      CheckConstraint(f"served_method IS NULL OR {one_of('served_method', SERVICE_METHODS)}",
                                      name="served_method"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enf_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # cases work (migration c17c): the stored file's path, so core/sweeper.py keeps it (it keeps files a
    # ``path`` column names and removes the others)
    path: Mapped[str] = mapped_column(String(500))
    params: Mapped[dict[str, Any]]
    dated: Mapped[dt.date] = mapped_column(Date)
    reply_due: Mapped[dt.date | None] = mapped_column(Date)  # an information request's deadline
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    served_at: Mapped[dt.datetime | None]
    served_method: Mapped[str | None] = mapped_column(String(16))
    served_by: Mapped[str | None] = mapped_column(String(100))


class Notice(Base):
    """An enforcement notice: the contravention, the steps required, the deadline, its service and its outcome."""

    __tablename__ = "enf_notices"
    __table_args__ = (CheckConstraint(one_of("state", NOTICE_STATES), name="state"),
                      Index("ix_enf_notices_due", "state", "deadline"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enf_cases.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("enf_documents.id"))
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    contravention: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON)
    deadline: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime]
    served_at: Mapped[dt.datetime | None]
    compliance_checked_at: Mapped[dt.datetime | None]
    compliance_result: Mapped[dict[str, Any] | None]
    referred_at: Mapped[dt.datetime | None]
    referred_by: Mapped[str | None] = mapped_column(String(100))
    referral: Mapped[dict[str, Any] | None]  # the fine scale as it stood, days continuing, prior convictions


class FineRate(Base):
    """One offence's penalty from ``effective_from`` until the next row of that offence (a revisable table)."""

    __tablename__ = "enf_fine_scale"
    __table_args__ = (
        UniqueConstraint("offence", "effective_from", name="uq_enf_fine_scale_offence_from"),
        CheckConstraint(one_of("offence", OFFENCES), name="offence"),
        CheckConstraint(one_of("unit", FINE_UNITS), name="unit"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offence: Mapped[str] = mapped_column(String(24))
    amount_cents: Mapped[int] = mapped_column(Integer)  # HK cents, as every amount of the platform
    unit: Mapped[str] = mapped_column(String(8))
    level: Mapped[int | None] = mapped_column(Integer)  # the level on the standard scale of fines, when it is one
    imprisonment_years: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    legal_reference: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]


class SenderAlias(Base):
    """A number or name officers established belongs to a subscriber account (matching reports to accounts)."""

    __tablename__ = "enf_sender_aliases"
    __table_args__ = (CheckConstraint("kind IN ('number', 'name')", name="kind"),
                      UniqueConstraint("kind", "value", "account_id", name="uq_enf_sender_aliases"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(220), index=True)  # normalised as the case's sender_key is
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime]


class SeedNumber(Base):
    """A number the regulator controls, held in the pool to be listed in one account's copies of a register."""

    __tablename__ = "enf_seed_numbers"
    __table_args__ = (CheckConstraint(one_of("state", SEED_STATES), name="state"),
                      CheckConstraint("length(number) = 8", name="number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), unique=True)
    operator: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # mobile | fixed (core/phone's classification)
    state: Mapped[str] = mapped_column(String(12), index=True)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime]


class SeedAssignment(Base):
    """A seed number placed in one account's copies of one register, listed as of ``listed_on``.

    A seed is assigned to one account ever (``seed_id`` unique), so a message at it names that account. It
    appears in every publication of ``day`` with ``listed_on <= day`` and (``retired_on`` IS NULL or ``day <
    retired_on``), identically in every file, so the account's files and change files stay consistent.
    """

    __tablename__ = "enf_seed_assignments"
    __table_args__ = (CheckConstraint(one_of("register", REGISTERS), name="register"),
                      Index("ix_enf_seed_assignments_account", "account_id", "register"))

    id: Mapped[int] = mapped_column(primary_key=True)
    seed_id: Mapped[int] = mapped_column(ForeignKey("enf_seed_numbers.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id"))
    register: Mapped[str] = mapped_column(String(16))
    listed_on: Mapped[dt.date] = mapped_column(Date)  # the plausible registration date it is listed with
    assigned_at: Mapped[dt.datetime]
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
