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

The holiday table is read from a small on-disk cache when it can be (issue 18 §5): ``import holidays`` imports
every country's module (~0.1 s, more than the rest of a `telreg dnc status` look-up's own work), and the package
can give no country without them. The cache holds exactly what the package answered for each year asked, names
included, in a file keyed by the installed package's version and the locale variables that choose the names'
language; a year not in it is asked of the package (with the years around it, so one import serves two decades)
and written back. Directory: ``$TELREG_CACHE_DIR``, else ``$XDG_CACHE_HOME/telreg``, else ``~/.cache/telreg``;
``TELREG_CACHE_DIR=""`` turns it off, and a directory that cannot be written only costs the import.
tests/core/test_calendar.py compares the cached table with the package's over 2000–2060.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from telreg.core.clock import to_hk

__all__ = ["WorkingCalendar", "general_holidays", "is_public_holiday", "load_holidays", "non_working_reason",
           "warning_days"]

SUNDAY = 6


@lru_cache(maxsize=64)
def general_holidays(year: int) -> Mapping[dt.date, str]:
    """Return the general holidays of Cap. 149 for a year (Sundays excluded: they are holidays anyway)."""
    # Read-only, because the mapping is cached and shared by every caller.
    return MappingProxyType(_HOLIDAY_CACHE.year(year))


def general_holidays_from_package(year: int) -> dict[dt.date, str]:
    """What the ``holidays`` package says of a year: the source of :func:`general_holidays` and of its cache."""
    # Imported on first use, not with this module: the package and its countries take ~0.1 s to import, and
    # `telreg scrub` needs the calendar only on the thread that loads the publication, beside the list's first pass.
    import holidays

    return dict(holidays.country_holidays("HK", years=year, categories=(holidays.OPTIONAL,)))


# A year missing from the cache is computed with the years around it: one import of the package, ~2 ms a year.
_YEARS_AROUND = 10
# The variables gettext reads, in this order, to choose the language of the holidays' names.
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


class HolidayCache:
    """The package's answer for each year asked, kept in a JSON file named after the package's version and the
    locale variables; DIRECTORY overrides the one the environment says (tests)."""

    def __init__(self, directory: Path | None = None,
                 compute: Callable[[int], dict[dt.date, str]] = general_holidays_from_package) -> None:
        self._directory = directory
        self._compute = compute
        self._years: dict[int, dict[dt.date, str]] | None = None  # the file's years, read once, and those added
        self._lock = threading.Lock()  # `telreg scrub` loads the table on a thread of its own

    def year(self, year: int) -> dict[dt.date, str]:
        with self._lock:
            if self._years is None:
                self._years = self._read()
            found = self._years.get(year)
            if found is None:
                found = self._years[year] = self._compute(year)  # the package's errors, if any, as before
                for around in range(max(dt.MINYEAR, year - _YEARS_AROUND), min(dt.MAXYEAR, year + _YEARS_AROUND) + 1):
                    if around not in self._years:
                        with contextlib.suppress(Exception):  # a year nobody asked for: the package may refuse it
                            self._years[around] = self._compute(around)
                self._write()
            return found

    def path(self) -> Path | None:
        """The cache file, or None when there is to be none."""
        directory = self._directory
        if directory is None:
            configured = os.environ.get("TELREG_CACHE_DIR")
            if configured is not None:
                if not configured:
                    return None
                directory = Path(configured)
            else:
                try:
                    directory = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "telreg"
                except RuntimeError:  # no home directory to be found
                    return None
        try:
            from importlib.metadata import version

            package = version("holidays")
        except Exception:  # noqa: BLE001 - no version to key the cache by, no cache
            return None
        locale = "\0".join(os.environ.get(name, "") for name in _LOCALE_VARIABLES)
        return directory / f"hk-general-holidays-{package}-{zlib.crc32(locale.encode()):08x}.json"

    def _read(self) -> dict[int, dict[dt.date, str]]:
        path = self.path()
        if path is None:
            return {}
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return {int(year): {dt.date.fromisoformat(day): str(name) for day, name in table.items()}
                    for year, table in stored["years"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):  # absent, unreadable or not ours
            return {}

    def _write(self) -> None:
        path = self.path()
        if path is None or self._years is None:
            return
        import tempfile

        years = {**self._read(), **self._years}  # another process may have added years meanwhile
        document = {"years": {str(year): {day.isoformat(): name for day, name in sorted(table.items())}
                              for year, table in sorted(years.items())}}
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=path.name,
                                             suffix=".tmp", delete=False) as out:
                temporary = out.name
                json.dump(document, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(temporary, path)  # readers see the old file or the new one, never half of one
        except OSError:  # a directory we may not write: the next process asks the package again
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


_HOLIDAY_CACHE = HolidayCache()


def load_holidays() -> None:
    """Do the holiday table's one-time work now (reading the cache, or importing the holidays package and every
    country's module, ~0.1 s), e.g. on a thread while other work goes on."""
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
