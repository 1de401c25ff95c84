"""A number's status document: on which registers it is listed, since when, and from when it is protected.

One rule for every channel. :func:`read_status` reads it through the bare driver (`telreg dnc status`, which
imports no SQLAlchemy: issue 18 §5, a look-up in under half a second; core/plain_sql.py), a Core Connection, or
the caller's ORM Session (``service.number_status``: the API's SQL path, the IVR, the web pages, the
verifications). The public HTTP look-up answers the same document from the listing index with
:func:`status_document` (``service.current_status``); tests/dnc/test_status_fast.py holds the two to the same
answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from telreg.core.calendar_db import read_calendar
from telreg.core.phone import HKNumber, parse_registrable
from telreg.core.plain_sql import Reading, run
from telreg.dnc.vocabulary import Register

if TYPE_CHECKING:
    from telreg.config import Settings

__all__ = ["REGISTERS", "read_status", "status_document"]

REGISTERS = tuple(register.value for register in Register)

# dnc/models.py:Listing (one row per number and register it is listed on).
_LISTINGS = Reading("SELECT register, registration_date FROM dnc_listings WHERE number = :number",
                    (("register", "text"), ("registration_date", "date")))


def read_status(executor: Any, *, settings: Settings, number: str | HKNumber) -> dict[str, Any]:
    """The status document of NUMBER as EXECUTOR (a PlainReader, a Connection or a Session) sees the database.

    A Core statement does not flush a Session's pending changes first: ``service.number_status`` does that."""
    parsed = number if isinstance(number, HKNumber) else parse_registrable(number)
    rows = run(executor, _LISTINGS, {"number": parsed.national})
    registered = {row.register: row.registration_date for row in rows}
    if not registered:
        return status_document(parsed.national, {}, protected_from=_never_asked)
    calendar = read_calendar(executor, settings)
    return status_document(
        parsed.national, registered,
        protected_from=lambda day: calendar.add_working_days(day, settings.protection_working_days),
    )


def status_document(national: str, registered: Mapping[str, dt.date], *,
                    protected_from: Callable[[dt.date], dt.date]) -> dict[str, Any]:
    """The status document of a number listed on REGISTERED's registers since the dates given."""
    registers: dict[str, dict[str, Any]] = {}
    for register in REGISTERS:
        day = registered.get(register)
        if day is None:
            registers[register] = {"listed": False}
        else:
            registers[register] = {"listed": True, "registered_on": day.isoformat(),
                                   "protected_from": protected_from(day).isoformat()}
    return {"number": national, "registers": registers}


def _never_asked(day: dt.date) -> dt.date:
    raise AssertionError("no listing, no protection date")
