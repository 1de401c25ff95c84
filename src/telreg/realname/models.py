"""Tables of the real-name registration context.

Personal data is never stored in clear: every ``*_sealed`` column holds a vault token (AES-GCM, the column's
name as associated data, see core/vault.py) and a document is found again through its blind index. Masked
forms for display are computed on read (identities.py), never stored.

    operators ─< numbers ─< registrations >─ identities (holder, guardian, agent, handler)
    operators ─< quota_counters >─ identities          refusals (operator code, number, code, message)

On PostgreSQL numbers, registrations and quota counters are partitioned by operator (migration c18b00000001,
docs/scaling.md); POSTGRESQL_DIVERGENCES names what the database has there instead of what these models say.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

SERVICES = ("prepaid", "postpaid")
LINES = ("mobile", "fixed", "data-only")
# The lifecycle of a number. Registration sets `active` and termination `terminated`; the legacy-number
# lifecycle (reminders, one-way bar, suspension, deactivation, quarantine) moves numbers through the others.
# ``contract``: a legacy number of a service the policy's deadline does not cover (Hong Kong monthly
# subscribers, seed 000 Q4): its holder's details are held under the service contract; never withdrawn.
NUMBER_STATES = ("unregistered", "active", "outgoing_barred", "suspended", "deactivated", "quarantine",
                 "terminated", "contract")
END_REASONS = ("transferred", "terminated", "deactivated", "ported")
HOLDER_KINDS = ("person", "organisation")

# Partitioned by HASH (operator_id) on PostgreSQL; plain tables on SQLite.
PARTITIONED_BY_OPERATOR = ("realname_numbers", "realname_registrations", "realname_quota_counters")
# The unique key that keeps a number with one operator across partitions (PostgreSQL): a second operator's insert of
# a number another holds fails on it, also when the first has not committed yet.
NUMBER_KEY_CONSTRAINT = "uq_realname_number_keys_number"
# (table, constraint or index) that differ on PostgreSQL because of the partitioning, by the name the models give
# and the name the database has: a partitioned table's unique keys include operator_id (the global uniqueness of
# a number and an ICCID lives in realname_number_keys, a trigger-kept table without a model); foreign keys to a
# number point at realname_number_keys; a port request's registrations are referenced with their operator; and
# la_task_records.registration_id has no foreign key there (the migration's docstring says why).
POSTGRESQL_DIVERGENCES = frozenset({
    ("realname_numbers", "uq_realname_numbers_number"), ("realname_numbers", "uq_realname_numbers_number_operator"),
    ("realname_numbers", "uq_realname_numbers_iccid"), ("realname_numbers", "uq_realname_numbers_iccid_operator"),
    ("realname_registrations", "uq_realname_registrations_current"),
    *((table, f"fk_{table}_number_id_realname_{target}")
      for table in ("realname_registrations", "realname_lifecycle_events", "realname_lookup_challenges",
                    "realname_flags", "realname_port_requests") for target in ("numbers", "number_keys")),
    ("realname_port_requests", "fk_realname_port_requests_registration_before_id_realname_registrations"),
    ("realname_port_requests", "fk_realname_port_requests_registration_after_id_realname_registrations"),
    ("realname_port_requests", "fk_realname_port_requests_registration_before_at_donor"),
    ("realname_port_requests", "fk_realname_port_requests_registration_after_at_recipient"),
    ("la_task_records", "fk_la_task_records_registration_id_realname_registrations"),
})


class Operator(Base):
    """A network operator of the jurisdiction; it registers its own numbers."""

    __tablename__ = "realname_operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class Number(Base):
    """A telephone number (national digits) of one operator, with its service, line and lifecycle state."""

    __tablename__ = "realname_numbers"
    __table_args__ = (
        CheckConstraint(one_of("service", SERVICES), name="service"),
        CheckConstraint(one_of("line", LINES), name="line"),
        CheckConstraint(one_of("state", NUMBER_STATES), name="state"),
        Index("ix_realname_numbers_operator_state", "operator_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    number: Mapped[str] = mapped_column(String(16), unique=True)
    service: Mapped[str] = mapped_column(String(16))
    line: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # legacy numbers: register by this day
    legacy: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The SIM card now serving the number (ITU-T E.118, 19-20 digits), when the operator's numbering data gives
    # it; lawful-access tasks may name a target by it (lawful/matching.py).
    iccid: Mapped[str | None] = mapped_column(String(22), unique=True)
    created_at: Mapped[dt.datetime]
    state_changed_at: Mapped[dt.datetime]


class Identity(Base):
    """One person or organisation, one row per identity document (the blind index is unique)."""

    __tablename__ = "realname_identities"
    __table_args__ = (CheckConstraint(one_of("kind", HOLDER_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    doc_type: Mapped[str] = mapped_column(String(32))  # the type first registered with
    document_index: Mapped[str] = mapped_column(String(64), unique=True)  # blind index (identities.py)
    document_sealed: Mapped[str] = mapped_column(Text)  # the normalised document number
    name_sealed: Mapped[str] = mapped_column(Text)
    date_of_birth_sealed: Mapped[str | None] = mapped_column(Text)  # ISO date; None for organisations
    address_sealed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    erased_at: Mapped[dt.datetime | None]  # personal data erased after retention (realname/retention.py)


class Registration(Base):
    """A number registered to a holder, from ``registered_at`` until ``ended_at`` (None: current).

    At most one current registration per number: a partial unique index on ``number_id`` where ``ended_at``
    is NULL (SQLite and PostgreSQL both have them), so two concurrent registrations cannot both win. On
    PostgreSQL the index is ``(number_id, operator_id)``, partitioned: a current registration is at the operator
    holding the number.
    """

    __tablename__ = "realname_registrations"
    __table_args__ = (
        CheckConstraint(one_of("end_reason", END_REASONS), name="end_reason"),
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
        Index("uq_realname_registrations_current", "number_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("ix_realname_registrations_holder", "holder_id", "operator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number_id: Mapped[int] = mapped_column(ForeignKey("realname_numbers.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("realname_identities.id"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("realname_identities.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("realname_identities.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("realname_identities.id"))
    authorisation_letter_sealed: Mapped[str | None] = mapped_column(Text)  # reference or base64, as given
    agent_letter_sealed: Mapped[str | None] = mapped_column(Text)  # the holder's letter authorising the agent
    capture_method: Mapped[str] = mapped_column(String(32))  # how the holder's document was read
    verified_by: Mapped[str] = mapped_column(String(100))  # "<adapter>: <result>" for the holder
    checks: Mapped[dict[str, Any]] = mapped_column(JSON)  # per party: capture method, adapter, result
    quota_service: Mapped[str] = mapped_column(String(48))  # the counter it took (quotas.py), released on end
    registered_at: Mapped[dt.datetime]
    registered_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))


class Refusal(Base):
    """A registration (or transfer) refused, with its stable code. The message holds no personal data."""

    __tablename__ = "realname_refusals"
    __table_args__ = (Index("ix_realname_refusals_operator_at", "operator_code", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_code: Mapped[str] = mapped_column(String(64))  # as given: an unknown operator is refused too
    number: Mapped[str] = mapped_column(String(32))  # national digits when the number parsed, else as given
    action: Mapped[str] = mapped_column(String(16))  # register | transfer
    code: Mapped[str] = mapped_column(String(48), index=True)
    message: Mapped[str] = mapped_column(String(500))
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))


class QuotaCounter(Base):
    """How many numbers an identity currently holds with one operator under one counter key (quotas.py)."""

    __tablename__ = "realname_quota_counters"
    __table_args__ = (
        UniqueConstraint("identity_id", "operator_id", "service",
                         name="uq_realname_quota_counters_identity_operator_service"),
        CheckConstraint("held >= 0", name="held"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("realname_identities.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    service: Mapped[str] = mapped_column(String(48))  # the counter key: prepaid, any, postpaid:mobile, …
    held: Mapped[int] = mapped_column(Integer, default=0)
