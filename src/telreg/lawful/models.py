"""Tables of lawful access: agencies' requests in ETSI TS 103 120's shape, the operators' decisions, the results.

    agencies ─< authorisations ─< documents (the warrant: a PDF stored under its SHA-256, core/files.py)
                               ─< tasks (LDTask: one target, routed to the operator holding it)
                                    ─< task_records (the registrations a task matched: the lawful-access hold)
                                    ─< decisions (approve / reject / release / revoke, who, why, when)
                                    ─1 results (the released records, encrypted under a data key sealed by the
                                                vault; shredding the key destroys the result)

Statuses are the standard's words (hi1/dictionaries.py draws the state machines). Every change is audited
(subject_type ``la-authorisation`` / ``la-task``, subject_key the object's UUID); the tables hold the current state.

Personal data: a task's target (a number, an ICCID, an identity document) is personal data and is sealed
(``target_sealed``; ``target_index`` is a blind index to find repeat requests about one target). The matched
records are named by their ids only; the result's content exists only encrypted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of
from telreg.lawful.hi1.dictionaries import (
    AUTHORISATION_STATUSES,
    DOCUMENT_TYPES,
    LEGAL_TYPES,
    REQUEST_TYPES,
    TARGET_FORMATS,
    TASK_STATUSES,
)

DECISION_STEPS = ("endorse", "refuse-endorsement", "approve", "reject", "release", "approval-expired", "revoke")
MATCH_OUTCOMES = ("single", "none", "ambiguous")  # a task is disclosed only on a single holder's records
EMERGENCY_OUTCOMES = ("backed", "revoked")
RESULT_STATES = ("available", "downloaded", "expired", "destroyed")


class Agency(Base):
    """A law-enforcement agency; its officers' accounts name it (``users.agency_code``)."""

    __tablename__ = "la_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2, the HI-1 CountryCode
    created_at: Mapped[dt.datetime]


class Authorisation(Base):
    """An AuthorisationObject: the legal basis of one or more tasks (a warrant, or an emergency with grounds)."""

    __tablename__ = "la_authorisations"
    __table_args__ = (
        CheckConstraint(one_of("legal_type", LEGAL_TYPES), name="legal_type"),
        CheckConstraint(one_of("status", AUTHORISATION_STATUSES), name="status"),
        CheckConstraint("emergency_outcome IS NULL OR " + one_of("emergency_outcome", EMERGENCY_OUTCOMES),
                        name="emergency_outcome"),
        CheckConstraint("timespan_end > timespan_start", name="timespan"),
        UniqueConstraint("agency_id", "reference", name="agency_reference"),
        Index("ix_la_authorisations_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[str] = mapped_column(String(36), unique=True)  # the HI-1 ObjectIdentifier (a UUID)
    agency_id: Mapped[int] = mapped_column(ForeignKey("la_agencies.id"))
    reference: Mapped[str] = mapped_column(String(128))  # AuthorisationReference, unique per agency
    legal_type: Mapped[str] = mapped_column(String(16))  # Warrant | Emergency
    issuing_authority: Mapped[str] = mapped_column(String(200))  # the court / magistrate; for an emergency the rank
    grounds: Mapped[str | None] = mapped_column(Text)  # why it cannot wait for a warrant (emergencies: required)
    timespan_start: Mapped[dt.datetime]  # the records' period the authorisation covers
    timespan_end: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(24))
    desired_status: Mapped[str | None] = mapped_column(String(24))
    filed_by: Mapped[str] = mapped_column(String(64))  # the le-officer's username
    filed_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    endorsed_by: Mapped[str | None] = mapped_column(String(64))  # emergencies: an le-supervisor, never the filer
    endorsed_at: Mapped[dt.datetime | None]
    # Emergencies: the first release starts the clock (policy lawful_access.emergency_backing_hours).
    backing_due_at: Mapped[dt.datetime | None]
    backed_at: Mapped[dt.datetime | None]  # when a warrant document was attached
    emergency_outcome: Mapped[str | None] = mapped_column(String(16))  # backed | revoked
    escalated_at: Mapped[dt.datetime | None]  # an unbacked emergency referred to the regulator


class Document(Base):
    """A DocumentObject: the warrant (PDF), stored outside the database under its SHA-256."""

    __tablename__ = "la_documents"
    __table_args__ = (CheckConstraint(one_of("document_type", DOCUMENT_TYPES), name="document_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[str] = mapped_column(String(36), unique=True)
    authorisation_id: Mapped[int] = mapped_column(ForeignKey("la_authorisations.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))  # DocumentName, as given (a file name)
    document_type: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))  # core/sweeper.py keeps files a ``path`` column names
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime]


class Task(Base):
    """An LDTask: one target identifier, one request type, one time window, routed to one operator."""

    __tablename__ = "la_tasks"
    __table_args__ = (
        CheckConstraint(one_of("status", TASK_STATUSES), name="status"),
        CheckConstraint(one_of("request_type", REQUEST_TYPES), name="request_type"),
        CheckConstraint(one_of("target_format", TARGET_FORMATS), name="target_format"),
        CheckConstraint("match_outcome IS NULL OR " + one_of("match_outcome", MATCH_OUTCOMES), name="match_outcome"),
        CheckConstraint("window_end > window_start", name="window"),
        UniqueConstraint("authorisation_id", "reference", name="authorisation_reference"),
        Index("ix_la_tasks_operator_status", "operator_id", "status"),
        Index("ix_la_tasks_target_index", "target_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[str] = mapped_column(String(36), unique=True)
    authorisation_id: Mapped[int] = mapped_column(ForeignKey("la_authorisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(128))  # the LDID, unique within its authorisation
    request_type: Mapped[str] = mapped_column(String(32))
    target_format: Mapped[str] = mapped_column(String(24))
    target_sealed: Mapped[str] = mapped_column(Text)  # the normalised target (vault token)
    target_index: Mapped[str] = mapped_column(String(64))  # blind index of "<format>:<normalised value>"
    window_start: Mapped[dt.datetime]  # the records' period asked for (within the authorisation's timespan)
    window_end: Mapped[dt.datetime]
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("realname_operators.id"))  # None: matched nothing
    status: Mapped[str] = mapped_column(String(24))
    desired_status: Mapped[str | None] = mapped_column(String(24))
    match_outcome: Mapped[str | None] = mapped_column(String(16))  # single | none | ambiguous
    match_count: Mapped[int] = mapped_column(Integer, default=0)  # registration records matched
    reason: Mapped[str | None] = mapped_column(Text)  # ReasonForStatus (a rejection's reason: not shown to the agency)
    approved_by: Mapped[str | None] = mapped_column(String(64))  # the current approval (vault mode: first person)
    approved_at: Mapped[dt.datetime | None]
    approval_expires_at: Mapped[dt.datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(64))  # the second person
    released_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class TaskRecord(Base):
    """A registration a task matched. While the task is open its holder's data may not be erased (a hold)."""

    __tablename__ = "la_task_records"
    __table_args__ = (UniqueConstraint("task_id", "registration_id", name="task_registration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("la_tasks.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("realname_registrations.id"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("realname_identities.id"), index=True)  # the holder


class Decision(Base):
    """One step taken on a task or an authorisation, by whom, why: the trail behind the current status."""

    __tablename__ = "la_decisions"
    __table_args__ = (CheckConstraint(one_of("step", DECISION_STEPS), name="step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authorisation_id: Mapped[int] = mapped_column(ForeignKey("la_authorisations.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("la_tasks.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("realname_operators.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime]


class Result(Base):
    """A released task's records (TS 103 705 shape), encrypted; downloadable once, until ``expires_at``.

    ``key_sealed`` is the result's AES-256-GCM data key sealed by the vault: setting it (and ``ciphertext``) to
    NULL shreds the result — what was released can no longer be read by anyone, backups included.
    """

    __tablename__ = "la_results"
    __table_args__ = (CheckConstraint(one_of("state", RESULT_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("la_tasks.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    record_count: Mapped[int] = mapped_column(Integer)
    key_sealed: Mapped[str | None] = mapped_column(Text)
    nonce: Mapped[bytes | None] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_sha256: Mapped[str] = mapped_column(String(64))  # of the plaintext records document
    signed: Mapped[bool] = mapped_column(default=False)  # a CMS signature by the CA's document signer was made
    release_event_id: Mapped[int] = mapped_column(Integer)  # the audit event of the release: the receipt proves it
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    downloaded_at: Mapped[dt.datetime | None]
    downloaded_by: Mapped[str | None] = mapped_column(String(64))
    destroyed_at: Mapped[dt.datetime | None]
    destroyed_reason: Mapped[str | None] = mapped_column(String(64))  # downloaded | expired | emergency-not-backed
