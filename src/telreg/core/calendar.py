"""Working days: Hong Kong general holidays, Sundays, and black-rainstorm / gale warning days.

A working day is any day that is neither a public holiday (every Sunday plus the 17 general holidays of
the General Holidays Ordinance, Cap. 149; Saturdays are *not* holidays) nor a day on which a black
rainstorm or gale warning was in force during the configured window (09:00–17:00 by default).

The ``holidays`` package knows two notions of a Hong Kong holiday: ``PUBLIC`` (the statutory holidays of
the Employment Ordinance, still being phased in until 2030) and ``OPTIONAL`` (the general holidays of
Cap. 149, which banks and the government keep). A working day is defined by the general holidays, so we
use ``OPTIONAL``. It yields 17 dates a year, none of them a Sunday: a general holiday falling on a Sunday
appears only as its substitute (the next day that is not already a holiday), as Cap. 149 prescribes; the
Sunday itself is a holiday anyway. tests/core/test_calendar.py pins this against the gazetted dates.

A warning period makes a warning day of every Hong Kong date whose window it overlaps: a warning
cancelled at exactly 09:00 or issued at exactly 17:00 does not count, one issued at 16:59 does, and one in
force only overnight makes no warning day at all.

Counting rule: "protection starts on the Nth working day after the registration date" counts working days
strictly after the registration date: registered on Monday 2 March 2026 → the 10th working day after is
Friday 13 March 2026 (Saturdays count, Sundays do not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from telreg.core.clock import to_hk

__all__ = ["WorkingCalendar", "general_holidays", "is_public_holiday", "load_holidays", "non_working_reason",
           "warning_days"]

SUNDAY = 6


@lru_cache(maxsize=64)
def general_holidays(year: int) -> Mapping[dt.date, str]:
    """Return the general holidays of Cap. 149 for a year (Sundays excluded: they are holidays anyway)."""
    # Imported on first use, not with this module: the package takes ~45 ms to import, and `telreg scrub` needs
    # the calendar only on the thread that loads the publication, beside the list's first pass.
    import holidays

    # Read-only, because the mapping is cached and shared by every caller.
    return MappingProxyType(dict(holidays.country_holidays("HK", years=year, categories=(holidays.OPTIONAL,))))


def load_holidays() -> None:
    """Do the holidays package's one-time work now: importing it and, on first use, every country's module (~0.1 s
    in all), e.g. on a thread while other work goes on."""
    general_holidays(2000)


def is_public_holiday(day: dt.date) -> bool:
    """Tell whether a day is a Sunday or a general holiday."""
    return day.weekday() == SUNDAY or day in general_holidays(day.year)


def warning_days(
    periods: Iterable[tuple[dt.datetime, dt.datetime]],
    *,
    window_start: dt.time = dt.time(9, 0),
    window_end: dt.time = dt.time(17, 0),
) -> frozenset[dt.date]:
    """Return the days on which any warning period overlaps the window [start, end) in Hong Kong time.

    Periods are half-open too, so touching the window at one instant is not being in force within it. Naive
    datetimes are taken as Hong Kong time.
    """
    if window_start >= window_end:
        raise ValueError(f"the warning window must open before it closes ({window_start}–{window_end})")
    days: set[dt.date] = set()
    for start, end in periods:
        start_hk, end_hk = to_hk(start), to_hk(end)
        if end_hk <= start_hk:
            raise ValueError(f"a warning period must end after it starts ({start_hk} – {end_hk})")
        day = start_hk.date()
        while day <= end_hk.date():
            window_open = dt.datetime.combine(day, window_start, start_hk.tzinfo)
            window_close = dt.datetime.combine(day, window_end, start_hk.tzinfo)
            if start_hk < window_close and end_hk > window_open:
                days.add(day)
            day += dt.timedelta(days=1)
    return frozenset(days)


def non_working_reason(day: dt.date, warning_days: frozenset[dt.date] = frozenset()) -> str | None:
    """Say why a day is not a working day, or return None when it is one."""
    if day.weekday() == SUNDAY:
        return "Sunday"
    name = general_holidays(day.year).get(day)
    if name is not None:
        return f"general holiday ({name})"
    if day in warning_days:
        return "black rainstorm or gale warning in force"
    return None


@dataclass(frozen=True)
class WorkingCalendar:
    """Answers working-day questions for a given set of warning days."""

    warning_days: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        """Tell whether a day is neither a public holiday nor a warning day."""
        return not is_public_holiday(day) and day not in self.warning_days

    def non_working_reason(self, day: dt.date) -> str | None:
        """Say why a day is not a working day, or return None when it is one."""
        return non_working_reason(day, self.warning_days)

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
