"""Tables of the shared rate limiter (core/rate_limits.py): one counter per scope, key and fixed window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from telreg.core.db import Base


class RateLimitCounter(Base):
    """How many events of SCOPE (``signin``, ``sender-application``…) KEY (an address, a user name) made in the
    window that started at WINDOW_START; the row can go once EXPIRES_AT (the window's end) has passed."""

    __tablename__ = "rate_limit_counters"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
