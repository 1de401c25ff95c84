"""The working-day calendar of the recorded weather warnings, read as plain SQL (core/plain_sql.py).

The one reading of the warning periods: :func:`telreg.core.weather.load_calendar` (sessions) flushes and calls it,
and the number status (:mod:`telreg.dnc.status`) runs it on the bare driver, so that `telreg dnc status` imports
no SQLAlchemy (issue 18 §5: a status look-up in under half a second).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telreg.core.calendar import WorkingCalendar, warning_days
from telreg.core.plain_sql import Reading, run

if TYPE_CHECKING:
    from telreg.config import Settings

__all__ = ["read_calendar"]

# core/models.py:WeatherWarning; instants are stored as naive UTC (UTCDateTime hands them back aware).
_WARNING_PERIODS = Reading("SELECT starts_at, ends_at FROM weather_warnings",
                           (("starts_at", "utc_datetime"), ("ends_at", "utc_datetime")))


def read_calendar(executor: Any, settings: Settings) -> WorkingCalendar:
    """Build the working-day calendar from every recorded warning period; EXECUTOR is a PlainReader, a Connection or
    a Session."""
    periods = run(executor, _WARNING_PERIODS)
    return WorkingCalendar(
        warning_days(
            [(p.starts_at, p.ends_at) for p in periods],
            window_start=settings.warning_window_start,
            window_end=settings.warning_window_end,
        )
    )
