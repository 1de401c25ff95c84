"""Tables of the shared kernel: staff users, audit events, jobs, weather warnings, CAPTCHA challenges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base


class User(Base):
    """A person who signs in to the staff pages and API (officers, admins; later senders, operators…)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    # The network operator an ``operator-staff`` account acts for (its code, not a key: the kernel does not
    # know the real-name context's tables); None for every other role.
    operator_code: Mapped[str | None] = mapped_column(String(32))
    # The law-enforcement agency an ``le-officer`` / ``le-supervisor`` account belongs to (its code; the lawful
    # context's ``la_agencies`` holds the agencies); None for every other role.
    agency_code: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the last allowed wrong password is tried: signing in is refused until then (core/lockout.py).
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class AuditEvent(Base):
    """One append-only fact: who or which channel did what to which subject, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_key", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(100))
    register: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[dict[str, Any]]


class Job(Base):
    """A unit of background work; claimed by exactly one worker at a time."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claimable", "status", "run_at"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="queued")
    run_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    unique_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


class WeatherWarning(Base):
    """A period during which a black rainstorm or gale warning was in force."""

    __tablename__ = "weather_warnings"
    __table_args__ = (
        CheckConstraint("kind IN ('black-rainstorm', 'gale')", name="kind"),
        CheckConstraint("ends_at > starts_at", name="period"),
        UniqueConstraint("kind", "starts_at", name="uq_weather_warnings_kind_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]


class CaptchaChallenge(Base):
    """An image CAPTCHA shown on a login form: single use, short-lived; only a hash of the answer is kept."""

    __tablename__ = "captcha_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    answer_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    used_at: Mapped[dt.datetime | None]
