"""The in-memory listing index (dnc/listing_index.py): built from the database, kept current by the process that
makes a change (after its commit) and, for other processes, from the change feed — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import delete

from telreg.core import audit, weather
from telreg.core.clock import HK
from telreg.core.db import make_engine, unit_of_work
from telreg.dnc import feeds, listing_index as listing_index_module, service
from telreg.dnc.listing_index import ListingIndex, listing_index
from telreg.dnc.models import Listing
from telreg.dnc.vocabulary import Channel, Register, Verification
from telreg.runtime import build_runtime

from .helpers import list_number

SLOW = 3600.0  # a refresh interval no test waits for: what shows, shows through the after-commit hook


def _commit_listing(runtime, number, *registers):
    with unit_of_work(runtime.session_factory) as session:
        return list_number(session, runtime, number, *registers)


def _deregister(runtime, number, *registers):
    with unit_of_work(runtime.session_factory) as session:
        service.deregister_number(session, clock=runtime.clock, settings=runtime.settings, number=number,
                                  registers=list(registers), channel=Channel.caller_id,
                                  verification=Verification.caller_id, actor="channel:ivr")


def _wait_for(predicate, *, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _other_runtime(runtime, clock):
    """Another process's view: its own engine (own connections) on the same database."""
    return build_runtime(runtime.settings, clock=clock, engine=make_engine(runtime.settings.database_url))


def test_the_index_is_built_from_the_listings_in_the_database(runtime, clock):
    _commit_listing(runtime, "21234567", Register.fax, Register.sms)
    clock.set(dt.datetime(2026, 3, 5, 10, 0, tzinfo=HK))
    _commit_listing(runtime, "91234567", Register.sms)
    index = ListingIndex(runtime.read_session_factory, runtime.settings, refresh_seconds=SLOW).build()
    assert index.registration_date("fax", "21234567") == dt.date(2026, 3, 2)
    assert index.registration_date("prerecorded", "21234567") is None
    assert index.registration_dates("sms", ["91234567", "21234567", "61234567"]) == {
        "21234567": dt.date(2026, 3, 2), "91234567": dt.date(2026, 3, 5)}
    assert index.registration_dates("prerecorded", []) == {}
    assert index.counts() == {"fax": 1, "sms": 2, "prerecorded": 0}


def test_a_change_committed_in_this_process_shows_at_once(runtime, clock):
    index = listing_index(runtime)
    index.refresh_seconds = SLOW  # no feed read will come: only the after-commit hook can show the change
    assert index.registration_date("sms", "61234567") is None
    _commit_listing(runtime, "61234567", Register.sms, Register.fax)
    assert index.registration_date("sms", "61234567") == dt.date(2026, 3, 2)
    assert index.registration_date("fax", "61234567") == dt.date(2026, 3, 2)
    _deregister(runtime, "61234567", Register.sms)
    assert index.registration_date("sms", "61234567") is None
    assert index.registration_date("fax", "61234567") == dt.date(2026, 3, 2)


def test_a_rolled_back_change_never_shows(runtime, clock):
    index = listing_index(runtime)
    _commit_listing(runtime, "51234567", Register.sms)
    session = runtime.session_factory()
    list_number(session, runtime, "61234567", Register.sms)  # flushed, with its audit event
    _deregister_in(session, runtime, "51234567")
    session.rollback()
    session.close()
    index.poll()
    assert index.registration_date("sms", "61234567") is None
    assert index.registration_date("sms", "51234567") == dt.date(2026, 3, 2)


def _deregister_in(session, runtime, number):
    service.deregister_number(session, clock=runtime.clock, settings=runtime.settings, number=number,
                              registers=[Register.sms], channel=Channel.caller_id,
                              verification=Verification.caller_id, actor="channel:ivr")


def test_a_change_made_by_another_process_shows_within_the_refresh_interval(runtime, clock):
    index = ListingIndex(runtime.read_session_factory, runtime.settings, refresh_seconds=0.2).build()
    index.start()
    other = _other_runtime(runtime, clock)
    try:
        _commit_listing(other, "91234567", Register.prerecorded)
        assert _wait_for(lambda: index.registration_date("prerecorded", "91234567") == dt.date(2026, 3, 2))
        _deregister(other, "91234567", Register.prerecorded)
        assert _wait_for(lambda: index.registration_date("prerecorded", "91234567") is None)
    finally:
        index.stop()
        other.engine.dispose()


def test_without_a_thread_a_look_up_after_the_interval_reads_the_feed(runtime, clock):
    index = ListingIndex(runtime.read_session_factory, runtime.settings, refresh_seconds=0.1).build()
    other = _other_runtime(runtime, clock)
    try:
        _commit_listing(other, "21234567", Register.sms)
        assert _wait_for(lambda: index.registration_date("sms", "21234567") is not None, seconds=5)
    finally:
        other.engine.dispose()


def test_a_transaction_committing_after_a_later_one_is_not_missed(runtime, clock, backend):
    """Ids are taken at insert and seen at commit: the earlier id may become visible after a later one was read."""
    index = ListingIndex(runtime.read_session_factory, runtime.settings, refresh_seconds=SLOW).build()
    other = _other_runtime(runtime, clock)
    slow_started, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with unit_of_work(other.session_factory) as session:
                list_number(session, other, "61234567", Register.sms)  # takes its ids now
                slow_started.set()
                release.wait(10)  # ... and commits after the other writer's change was read
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
            slow_started.set()

    try:
        thread = threading.Thread(target=slow_writer)
        thread.start()
        assert slow_started.wait(10)
        if backend == "postgres":  # SQLite has one writer at a time: there the later writer cannot overtake
            _commit_listing(other, "91234567", Register.sms)
            index.poll()
            assert index.registration_date("sms", "91234567") == dt.date(2026, 3, 2)
        release.set()
        thread.join(10)
        assert not failures
        index.poll()
        assert index.registration_date("sms", "61234567") == dt.date(2026, 3, 2)
    finally:
        release.set()
        other.engine.dispose()


def test_a_terminated_numbers_feed_applied_here_shows_at_once(runtime, clock):
    _commit_listing(runtime, "61234567", Register.sms, Register.prerecorded)
    _commit_listing(runtime, "61234568", Register.sms)
    index = listing_index(runtime)
    index.refresh_seconds = SLOW
    clock.set(dt.datetime(2026, 4, 1, 10, 0, tzinfo=HK))
    with unit_of_work(runtime.session_factory) as session:  # a bulk DELETE, not ORM rows
        feeds.import_terminated(session, clock=clock, settings=runtime.settings, operator="op1",
                                filename="t.csv", content=b"number,terminated_on\r\n61234567,2026-03-31\r\n",
                                actor="officer:olivia")
    assert index.registration_dates("sms", ["61234567", "61234568"]) == {"61234568": dt.date(2026, 3, 2)}
    assert index.registration_date("prerecorded", "61234567") is None


def test_a_listing_written_without_an_audit_event_still_shows(runtime):
    index = listing_index(runtime)
    index.refresh_seconds = SLOW
    now = runtime.clock.now()
    with unit_of_work(runtime.session_factory) as session:
        session.add(Listing(number="31234567", register="fax", registered_at=now, registration_date=now.date(),
                            channel="paper", verification="bill"))
    assert index.registration_date("fax", "31234567") == now.date()
    with unit_of_work(runtime.session_factory) as session:
        session.execute(delete(Listing).where(Listing.number == "31234567"))  # bulk: read from the feed...
    index.build()  # ... which has no event for it: the periodic rebuild is what repairs such a change
    assert index.registration_date("fax", "31234567") is None


def test_a_weather_warning_recorded_anywhere_moves_protection(runtime, clock):
    index = ListingIndex(runtime.read_session_factory, runtime.settings, refresh_seconds=SLOW).build()
    registered = dt.date(2026, 3, 2)
    before = index.protected_from(registered)
    assert before == dt.date(2026, 3, 13)
    other = _other_runtime(runtime, clock)
    clock.set(dt.datetime(2026, 3, 6, 18, 0, tzinfo=HK))
    try:
        with unit_of_work(other.session_factory) as session:
            weather.add_warning(session, clock=clock, kind="black-rainstorm", actor="officer:olivia",
                                starts_at=dt.datetime(2026, 3, 5, 8, 0, tzinfo=HK),
                                ends_at=dt.datetime(2026, 3, 5, 15, 0, tzinfo=HK))
        index.poll()
        assert index.protected_from(registered) == dt.date(2026, 3, 14)  # one working day later (Saturdays count)
    finally:
        other.engine.dispose()


def test_many_changes_are_merged_into_the_arrays_with_the_same_answers(runtime, clock, monkeypatch):
    monkeypatch.setattr(listing_index_module, "COMPACT_AT", 3)
    index = ListingIndex(runtime.read_session_factory, runtime.settings, refresh_seconds=SLOW).build()
    numbers = [f"9123456{i}" for i in range(8)]
    with unit_of_work(runtime.session_factory) as session:
        for number in numbers:
            list_number(session, runtime, number, Register.sms)
    with unit_of_work(runtime.session_factory) as session:
        for number in numbers[::2]:
            _deregister_in(session, runtime, number)
    index.poll()
    assert len(index._registers["sms"].overlay) < 3 + len(numbers)  # merged at least once
    assert index.registration_dates("sms", numbers) == {n: dt.date(2026, 3, 2) for n in numbers[1::2]}
    assert index.counts()["sms"] == 4


def test_only_commits_about_listings_make_this_process_read_the_feed(runtime, clock, monkeypatch):
    index = listing_index(runtime)
    polls: list[int] = []
    monkeypatch.setattr(index, "poll", lambda: polls.append(1) or 0)
    event = {"actor": "sender:1", "action": "online-check", "subject_type": "sender", "subject_key": "1"}
    with unit_of_work(runtime.session_factory) as session:  # e.g. the online check's records, in bulk
        audit.record_many(session, clock=clock, events=[event, event])
    assert polls == []
    with unit_of_work(runtime.session_factory) as session:
        audit.record_many(session, clock=clock, events=[event, {**event, "subject_type": "number",
                                                                "subject_key": "21234567", "register": "sms"}])
    assert polls == [1]
    session = runtime.session_factory()
    audit.record_many(session, clock=clock, events=[{**event, "subject_type": "number", "subject_key": "21234567"}])
    session.rollback()
    audit.record_many(session, clock=clock, events=[event])  # the rolled-back flag does not linger in the session
    session.commit()
    session.close()
    assert polls == [1]
