"""The only source of "now": business rules ask a Clock, never the system directly."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

HK = ZoneInfo("Asia/Hong_Kong")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Return the current time, timezone-aware, in Hong Kong time."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(HK)


class FixedClock:
    """A clock that stands still until moved: tests and `--as-of` use it."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = to_hk(at)

    def now(self) -> dt.datetime:
        return self._at

    def set(self, at: dt.datetime) -> None:
        self._at = to_hk(at)

    def advance(self, **delta: float) -> dt.datetime:
        self._at = self._at + dt.timedelta(**delta)
        return self._at


def to_hk(at: dt.datetime) -> dt.datetime:
    """Interpret a naive datetime as Hong Kong time; convert an aware one."""
    if at.tzinfo is None:
        return at.replace(tzinfo=HK)
    return at.astimezone(HK)


def hk_iso(at: dt.datetime) -> str:
    """Write an instant as the API does: ISO 8601 in Hong Kong time with its offset (…T10:00:00+08:00)."""
    return to_hk(at).isoformat()


def today(clock: Clock) -> dt.date:
    return clock.now().date()
