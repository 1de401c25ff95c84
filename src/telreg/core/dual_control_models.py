"""The table of the two-person rule (core/dual_control.py): an operation one person asks for and another approves.

    pending --(a second authorised person approves)--> approved --(the operation runs, once)--> used
    pending --(rejected, with a reason)--> rejected        pending | approved --(time runs out)--> expired
    pending --(the requester withdraws it)--> cancelled
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base, one_of

DUAL_CONTROL_STATES = ("pending", "approved", "rejected", "used", "expired", "cancelled")


class DualControlRequest(Base):
    """A sensitive operation waiting for, or holding, a second person's approval."""

    __tablename__ = "dual_control_requests"
    __table_args__ = (
        CheckConstraint(one_of("state", DUAL_CONTROL_STATES), name="state"),
        CheckConstraint("decided_by IS NULL OR decided_by <> requested_by", name="second_person"),
        Index("ix_dual_control_requests_state", "state", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # key-rotation, policy-change, bulk-export, bulk-unmask, …
    scope: Mapped[str | None] = mapped_column(String(32))  # the operator code it concerns; None: the platform
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # exactly what will run; the approval covers these only
    summary: Mapped[str] = mapped_column(String(500))  # what the approver is shown
    reason: Mapped[str] = mapped_column(Text)  # why the requester needs it
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[dt.datetime]  # pending: the approval must come by then; approved: it must be used by then
    used_at: Mapped[dt.datetime | None]
