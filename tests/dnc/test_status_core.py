"""The status read as plain SQL (telreg.dnc.status) on a Core connection and on the bare driver, as `telreg dnc status`
runs it: the same document as the session's, the same working-day calendar as weather.load_calendar's ORM reading, and the
session's pending changes still seen by service.number_status. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from telreg.core import weather
from telreg.core.calendar_db import read_calendar
from telreg.core.clock import HK
from telreg.core.engine import READONLY
from telreg.core.plain_sql import open_reader
from telreg.dnc import service
from telreg.dnc.models import Listing
from telreg.dnc.status import read_status
from telreg.dnc.vocabulary import Register

from .helpers import list_number

ACTOR = "officer:olivia"


def _warnings(session, clock) -> None:
    clock.set(dt.datetime(2026, 3, 20, 18, 0, tzinfo=HK))  # warnings are recorded once issued
    for kind, start, end in [
        ("black-rainstorm", dt.datetime(2026, 3, 5, 8, 0, tzinfo=HK), dt.datetime(2026, 3, 5, 15, 0, tzinfo=HK)),
        ("gale", dt.datetime(2026, 3, 9, 16, 59, tzinfo=HK), dt.datetime(2026, 3, 9, 22, 0, tzinfo=HK)),
        ("gale", dt.datetime(2026, 3, 10, 17, 0, tzinfo=HK), dt.datetime(2026, 3, 11, 9, 0, tzinfo=HK)),  # night
        ("black-rainstorm", dt.datetime(2026, 3, 12, 0, 30, tzinfo=dt.UTC),  # 08:30–09:30 in Hong Kong
         dt.datetime(2026, 3, 12, 1, 30, tzinfo=dt.UTC)),
    ]:
        weather.add_warning(session, clock=clock, kind=kind, starts_at=start, ends_at=end, actor=ACTOR)


def test_the_core_calendar_is_the_orm_calendar(runtime, session, clock) -> None:
    assert read_calendar(session, runtime.settings) == weather.load_calendar(session, runtime.settings)
    _warnings(session, clock)
    session.commit()
    expected = weather.load_calendar(session, runtime.settings)
    assert expected.warning_days == {dt.date(2026, 3, 5), dt.date(2026, 3, 9), dt.date(2026, 3, 12)}
    with runtime.engine.execution_options(**{READONLY: True}).connect() as connection:
        assert read_calendar(connection, runtime.settings) == expected
    assert read_calendar(session, runtime.settings) == expected


def test_a_bare_connection_reads_the_document_of_the_session(runtime, session, clock) -> None:
    list_number(session, runtime, "21234567", Register.fax, Register.prerecorded)
    _warnings(session, clock)
    session.commit()
    expected = service.number_status(session, settings=runtime.settings, number="2123 4567")
    # 2 March + 10 working days, skipping 3 warning days and the Sundays 8 and 15 March
    assert expected["registers"]["fax"] == {"listed": True, "registered_on": "2026-03-02",
                                            "protected_from": "2026-03-17"}
    with runtime.engine.execution_options(**{READONLY: True}).connect() as connection:
        for number in ("21234567", "+852 2123-4567", "91234567"):
            assert read_status(connection, settings=runtime.settings, number=number) == \
                service.number_status(session, settings=runtime.settings, number=number)


def test_number_status_sees_the_sessions_pending_changes(runtime, session) -> None:
    session.add(Listing(number="61234567", register="sms", registered_at=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
                        registration_date=dt.date(2026, 3, 2), channel="paper", verification="phone-bill"))
    assert service.number_status(session, settings=runtime.settings, number="61234567")["registers"]["sms"] == {
        "listed": True, "registered_on": "2026-03-02", "protected_from": "2026-03-13"}
    with session.no_autoflush:  # and, like an ORM query, leaves them pending when told not to flush
        session.add(Listing(number="61234568", register="sms", registration_date=dt.date(2026, 3, 2),
                            registered_at=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC), channel="paper",
                            verification="phone-bill"))
        assert service.number_status(session, settings=runtime.settings, number="61234568")["registers"]["sms"] == {
            "listed": False}


def test_the_bare_driver_reads_what_the_engine_reads(runtime, session, clock) -> None:
    """`telreg dnc status` reads through sqlite3 or psycopg (core/plain_sql.py): the same calendar and document."""
    list_number(session, runtime, "21234567", Register.fax, Register.prerecorded)
    _warnings(session, clock)
    session.commit()
    reader = open_reader(runtime.settings.database_url)
    assert reader is not None, runtime.settings.database_url  # both databases are read this way
    with reader:
        assert read_calendar(reader, runtime.settings) == weather.load_calendar(session, runtime.settings)
        for number in ("21234567", "+852 2123-4567", "91234567"):
            assert read_status(reader, settings=runtime.settings, number=number) == \
                service.number_status(session, settings=runtime.settings, number=number)
    assert read_status(session, settings=runtime.settings, number="21234567")["registers"]["fax"][
        "protected_from"] == "2026-03-17"  # the warnings were read (their instants converted), not ignored
