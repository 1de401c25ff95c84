"""The table of approved changes to the policy file's values (realname/policy/overrides.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base


class PolicyOverride(Base):
    """One value of the policy changed from a date on, under the two-person rule (its approval named).

    Rows are only added: a later change of the same key is a new row, so the history of a value is the table.
    """

    __tablename__ = "realname_policy_overrides"
    __table_args__ = (Index("ix_realname_policy_overrides_key", "key", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))  # a path such as lawful_access.emergency_backing_hours
    value: Mapped[Any] = mapped_column(JSON)
    effective_from: Mapped[dt.datetime]  # Hong Kong midnight of the day given
    approval_id: Mapped[int] = mapped_column(ForeignKey("dual_control_requests.id"), unique=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
