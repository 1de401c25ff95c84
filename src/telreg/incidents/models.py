"""Tables of personal-data incidents (seed 003: remedy at once on leak, damage or loss).

    incidents ─< incident_scope (what was frozen: a staff account, a sender API key, a certificate, a two-factor
              │                  enrolment — when, by whom, and what came of it)
              ─< incident_steps (the remedy steps, each with an owner and a due time, done or not)

An incident moves ``open`` → ``contained`` → ``closed``; closing needs every step done and a summary. The
reference ``INC-<year>-<nnnn>`` counts per Hong Kong year; the unique constraint is the arbiter when two are
opened at once (service.py retries with the next number). No personal data is stored here: scope items are
usernames, key ids and certificate serials, and the affected holders are computed when asked (affected.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

__all__ = ["CATEGORIES", "SCOPE_KINDS", "STATES", "Incident", "IncidentScope", "IncidentStep"]

CATEGORIES = ("leak", "damage", "loss", "wrong-person-disclosure", "other")
STATES = ("open", "contained", "closed")
SCOPE_KINDS = ("account", "api-key", "certificate", "two-factor")


class Incident(Base):
    """One personal-data incident: what happened, to which operator (or the platform), in which time window."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(one_of("category", CATEGORIES), name="category"),
        CheckConstraint(one_of("state", STATES), name="state"),
        CheckConstraint("window_end > window_start", name="window"),
        UniqueConstraint("reference", name="uq_incidents_reference"),
        Index("ix_incidents_state", "state", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    operator_code: Mapped[str | None] = mapped_column(String(32))  # None: platform-wide
    window_start: Mapped[dt.datetime]
    window_end: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime]
    contained_by: Mapped[str | None] = mapped_column(String(64))
    contained_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None]
    closing_summary: Mapped[str | None] = mapped_column(Text)


class IncidentScope(Base):
    """One thing in the incident's scope, frozen when the incident was opened (or added)."""

    __tablename__ = "incident_scope"
    __table_args__ = (
        CheckConstraint(one_of("kind", SCOPE_KINDS), name="kind"),
        UniqueConstraint("incident_id", "kind", "identifier", name="uq_incident_scope_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    identifier: Mapped[str] = mapped_column(String(100))  # username, API key id, certificate serial
    frozen_at: Mapped[dt.datetime | None]
    frozen_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(500))  # what freezing did (or why it changed nothing)
    unfrozen_at: Mapped[dt.datetime | None]
    unfrozen_by: Mapped[str | None] = mapped_column(String(64))


class IncidentStep(Base):
    """A remedy step: who owns it, by when, and whether (and by whom) it was done."""

    __tablename__ = "incident_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime]
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
