"""Tables of the real-name lifecycle and reports: steps taken, the do-not-call feed outbox, daily snapshots.

    realname_numbers ─< realname_lifecycle_events   one row per step a number went through
    realname_dnc_feed                                numbers whose holder is gone, for the DNC registers
    realname_compliance_snapshots                    one row per operator per day, kept for ever (history)

None of them holds personal data: numbers, operator codes, counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

__all__ = ["EVENT_STEPS", "FEED_REASONS", "ComplianceSnapshot", "DncFeedEntry", "LifecycleEvent"]

# The policy's steps, then the two the lifecycle adds after a deactivation (lifecycle.py documents them).
EVENT_STEPS = ("reminder", "outgoing_barred", "suspended", "deactivated", "quarantine", "released")
FEED_REASONS = ("terminated", "deactivated", "transferred")


class LifecycleEvent(Base):
    """One lifecycle step taken for one number: which, when it was due, when it was taken, the SMS sent."""

    __tablename__ = "realname_lifecycle_events"
    __table_args__ = (
        # A step happens once per number per due day: running the lifecycle twice records nothing new.
        UniqueConstraint("number_id", "step", "due_on", name="uq_realname_lifecycle_events_number_step_due"),
        CheckConstraint(one_of("step", EVENT_STEPS), name="step"),
        Index("ix_realname_lifecycle_events_at", "at"),
        Index("ix_realname_lifecycle_events_pending", "notify", "notified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number_id: Mapped[int] = mapped_column(ForeignKey("realname_numbers.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    number: Mapped[str] = mapped_column(String(16))  # copied: the events read alone in reports and exports
    step: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # the legacy deadline the step counts from
    due_on: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime]
    notify: Mapped[bool]  # a message to the holder is owed for this step
    notified: Mapped[bool]  # ... and was handed to the SMS gateway


class DncFeedEntry(Base):
    """A number whose holder is gone (terminated or deactivated), to drop from the do-not-call registers.

    An outbox: the real-name transaction records the entry, a worker job hands it to the dnc context later
    (the registers refuse changes during their nightly update window).
    """

    __tablename__ = "realname_dnc_feed"
    __table_args__ = (
        CheckConstraint(one_of("reason", FEED_REASONS), name="reason"),
        Index("ix_realname_dnc_feed_pending", "delivered_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_code: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(16))
    ended_on: Mapped[dt.date] = mapped_column(Date)  # DNC listings made on or before this day are removed
    reason: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[dt.datetime]
    delivered_at: Mapped[dt.datetime | None]
    import_id: Mapped[int | None] = mapped_column(Integer)  # the dnc context's run that applied it


class ComplianceSnapshot(Base):
    """An operator's real-name figures at the end of one day (Hong Kong time), written once by the worker."""

    __tablename__ = "realname_compliance_snapshots"
    __table_args__ = (
        UniqueConstraint("day", "operator_id", name="uq_realname_compliance_snapshots_day_operator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("realname_operators.id"))
    operator_code: Mapped[str] = mapped_column(String(32))
    registered: Mapped[int] = mapped_column(Integer)  # numbers with a current registration
    total: Mapped[int] = mapped_column(Integer)  # numbers held by subscribers (reports.py defines it)
    rate_percent: Mapped[float | None] = mapped_column(Float)  # None when the operator has no subscriber
    target_percent: Mapped[float] = mapped_column(Float)  # the policy's target on that day
    states: Mapped[dict[str, Any]] = mapped_column(JSON)  # numbers per state at the end of the day
    steps: Mapped[dict[str, Any]] = mapped_column(JSON)  # lifecycle steps taken during the day, per step
    refusals: Mapped[dict[str, Any]] = mapped_column(JSON)  # registrations refused during the day, per code
    taken_at: Mapped[dt.datetime]
