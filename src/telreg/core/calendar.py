"""Working days: Hong Kong general holidays, Sundays, and black-rainstorm / gale warning days.

A working day is any day that is neither a public holiday (every Sunday plus the 17 general holidays of the
General Holidays Ordinance, Cap. 149; Saturdays are *not* holidays) nor a day on which a black rainstorm or gale
warning was in force during the configured window (09:00–17:00 by default).

The ``holidays`` package knows two notions of a Hong Kong holiday: ``PUBLIC`` (the statutory holidays of the
Employment Ordinance) and ``OPTIONAL`` (the general holidays of Cap. 149, which banks and the government keep).
The Ordinance's definition of a working day uses the general holidays, so we use ``OPTIONAL``.

Counting rule: "protection starts on the Nth working day after the registration date" counts working days
strictly after the registration date: registered on Monday 2 March 2026 → the 10th working day after is Friday
13 March 2026 (Saturdays count, Sundays do not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays

from telreg.core.clock import HK


@lru_cache(maxsize=64)
def general_holidays(year: int) -> dict[dt.date, str]:
    """Return the general holidays of Cap. 149 for a year (Sundays excluded: they are holidays anyway)."""
    return dict(holidays.HK(years=year, categories=(holidays.OPTIONAL,)))


def is_public_holiday(day: dt.date) -> bool:
    return day.weekday() == 6 or day in general_holidays(day.year)


def warning_days(
    periods: Iterable[tuple[dt.datetime, dt.datetime]],
    *,
    window_start: dt.time = dt.time(9, 0),
    window_end: dt.time = dt.time(17, 0),
) -> frozenset[dt.date]:
    """Return the days on which any warning period overlaps the window [start, end) in Hong Kong time."""
    days: set[dt.date] = set()
    for start, end in periods:
        start_hk, end_hk = start.astimezone(HK), end.astimezone(HK)
        day = start_hk.date()
        while day <= end_hk.date():
            window_open = dt.datetime.combine(day, window_start, HK)
            window_close = dt.datetime.combine(day, window_end, HK)
            if start_hk < window_close and end_hk > window_open:
                days.add(day)
            day += dt.timedelta(days=1)
    return frozenset(days)


@dataclass(frozen=True)
class WorkingCalendar:
    """Answers working-day questions for a given set of warning days."""

    warning_days: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        return not is_public_holiday(day) and day not in self.warning_days

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """Return the nth working day strictly after ``start`` (n ≥ 1); n = 0 returns ``start``."""
        if n < 0:
            raise ValueError("n must not be negative")
        day, counted = start, 0
        while counted < n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day
