"""When protection started, with the working calendar as it stood, and which publication first carried a listing.

Protection starts on the ``settings.protection_working_days``-th working day after the registration date
(core/calendar.py counts strictly after it; Sundays, general holidays and black-rainstorm / gale warning days are
not working days). A message arriving on that day, at any time of it (Hong Kong time), is covered; one the day
before is not.

"As it stood": the warning days are those of the warnings recorded by the time the message arrived
(``weather_warnings.created_at``); a warning recorded later is named on a line of its own when it would move the
day, but does not change the finding. (A warning removed as a mistake is gone from the table, so it counts in
neither calendar.)

Publications: the publication of day D reflects the registers at D's close (``cutoff_for``, 23:00), so it carries
a listing registered on or before D that still stood then. A publication exists from the moment its manifest was
written (``generated_at``), which may be later than its cut-off when a day was published late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.calendar import SUNDAY, WorkingCalendar, general_holidays, warning_days
from telreg.core.clock import to_hk
from telreg.core.models import WeatherWarning
from telreg.dnc.publish.service import cutoff_for
from telreg.dnc.publish.store import PublicationStore
from telreg.enforcement.assessment.listing import History, Standing, standing_at

__all__ = ["Calendars", "Publication", "Publications", "load_calendars", "non_working_days"]


@dataclass(frozen=True)
class Calendars:
    """The working calendar with the warnings recorded by the arrival (``as_stood``) and with every warning now."""

    as_stood: WorkingCalendar
    now: WorkingCalendar
    days: int  # protection_working_days

    def protected_from(self, registered_on: dt.date) -> dt.date:
        return self.as_stood.add_working_days(registered_on, self.days)

    def protected_from_now(self, registered_on: dt.date) -> dt.date:
        return self.now.add_working_days(registered_on, self.days)


def load_calendars(session: Session, settings: Settings, *, at: dt.datetime) -> Calendars:
    """Both calendars from one query of the recorded warnings."""
    rows = session.execute(select(WeatherWarning.starts_at, WeatherWarning.ends_at, WeatherWarning.created_at)).all()
    window = {"window_start": settings.warning_window_start, "window_end": settings.warning_window_end}
    stood = [(r.starts_at, r.ends_at) for r in rows if to_hk(r.created_at) <= at]
    return Calendars(WorkingCalendar(warning_days(stood, **window)),
                     WorkingCalendar(warning_days([(r.starts_at, r.ends_at) for r in rows], **window)),
                     settings.protection_working_days)


def non_working_days(calendar: WorkingCalendar, after: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """The days after ``after`` up to ``until`` that were not counted, each with why (a code and a holiday's name)."""
    found: list[dict[str, Any]] = []
    day = after + dt.timedelta(days=1)
    while day <= until:
        if not calendar.is_working_day(day):
            if day.weekday() == SUNDAY:
                found.append({"day": day.isoformat(), "reason": "sunday"})
            elif day in general_holidays(day.year):
                found.append({"day": day.isoformat(), "reason": "holiday", "name": general_holidays(day.year)[day]})
            else:
                found.append({"day": day.isoformat(), "reason": "warning"})
        day += dt.timedelta(days=1)
    return found


@dataclass(frozen=True)
class Publication:
    day: dt.date
    published_at: dt.datetime | None  # the manifest's generated_at

    def out_before(self, at: dt.datetime) -> bool:
        return self.published_at is not None and self.published_at <= at


class Publications:
    """The publications on disk (their dates, read once) and the manifests asked for."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = PublicationStore(settings.data_dir)
        self.dates = self.store.dates()

    def _publication(self, day: dt.date) -> Publication:
        try:
            generated = self.store.manifest(day).get("generated_at")
            published_at = to_hk(dt.datetime.fromisoformat(generated)) if generated else None
        except (OSError, ValueError):
            published_at = None
        return Publication(day, published_at)

    def first(self) -> Publication | None:
        """The first publication of all (every publication holds every register)."""
        return self._publication(self.dates[0]) if self.dates else None

    def first_carrying(self, history: History, standing: Standing) -> Publication | None:
        """The first publication that carried the listing in force in ``standing`` (None: not published yet)."""
        if not standing.listed or standing.registered_on is None:
            return None
        for day in (d for d in self.dates if d >= standing.registered_on):
            cutoff = cutoff_for(day, self.settings)
            at_close = standing_at(history, register=standing.register, at=cutoff)
            if at_close.listed and at_close.registered_on == standing.registered_on:
                return self._publication(day)
            if cutoff >= standing.at:
                return None  # removed after the message, before that close: no publication carried this listing
            # Listed at the message but not yet at that close: recorded after the close of its own day (an import),
            # so the next publication is the first.
        return None
