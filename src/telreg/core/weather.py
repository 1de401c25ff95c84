"""Weather warnings recorded by officers, and the working-day calendar they produce."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.calendar import WorkingCalendar, warning_days
from telreg.core.models import WeatherWarning


def load_calendar(session: Session, settings: Settings) -> WorkingCalendar:
    """Build the working-day calendar from every recorded warning period."""
    periods = session.execute(select(WeatherWarning.starts_at, WeatherWarning.ends_at)).all()
    return WorkingCalendar(
        warning_days(
            [(p.starts_at, p.ends_at) for p in periods],
            window_start=settings.warning_window_start,
            window_end=settings.warning_window_end,
        )
    )
