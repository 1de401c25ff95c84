import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput, InvalidNumber, UpdateWindowClosed
from telreg.dnc import service
from telreg.dnc.models import Listing
from telreg.dnc.vocabulary import Channel, Register, Verification, parse_registers

from .helpers import list_number


def test_a_number_can_be_listed_on_any_combination_of_registers(session, runtime):
    list_number(session, runtime, "21234567", Register.fax, Register.prerecorded)
    status = service.number_status(session, settings=runtime.settings, number="2123-4567")
    assert status["registers"]["fax"]["listed"] is True
    assert status["registers"]["prerecorded"]["listed"] is True
    assert status["registers"]["sms"] == {"listed": False}


def test_registering_again_keeps_the_original_date_and_says_so(session, runtime, clock):
    first = list_number(session, runtime, "91234567", Register.sms)
    clock.set(dt.datetime(2026, 3, 20, 11, 0, tzinfo=HK))
    again = list_number(session, runtime, "+852 9123 4567", Register.sms)
    assert first[0].result == "registered"
    assert again[0].result == "already-listed"
    assert again[0].registered_on == dt.date(2026, 3, 2)
    assert again[0].protected_from == dt.date(2026, 3, 13)
    events = [e["event"] for e in service.listing_history(session, number="91234567")]
    assert events == ["registered", "registration-repeated"]


def test_deregistration_removes_the_same_day_and_keeps_history(session, runtime, clock):
    list_number(session, runtime, "21234567", Register.fax, Register.sms)
    clock.advance(hours=3)
    outcomes = service.deregister_number(
        session, clock=clock, settings=runtime.settings, number="21234567", registers=[Register.fax],
        channel=Channel.caller_id, verification=Verification.caller_id, actor="channel:ivr",
    )
    assert [(o.register, o.result) for o in outcomes] == [("fax", "deregistered")]
    status = service.number_status(session, settings=runtime.settings, number="21234567")
    assert status["registers"]["fax"] == {"listed": False}
    assert status["registers"]["sms"]["listed"] is True
    history = service.listing_history(session, number="21234567")
    assert [(e["event"], e["register"]) for e in history] == [
        ("registered", "fax"), ("registered", "sms"), ("deregistered", "fax")]
    assert history[-1]["details"]["registered_on"] == "2026-03-02"


def test_deregistering_an_unlisted_number_changes_nothing(session, runtime):
    outcomes = service.deregister_number(
        session, clock=runtime.clock, settings=runtime.settings, number="21234567", registers=[Register.sms],
        channel=Channel.caller_id, verification=Verification.caller_id, actor="channel:ivr",
    )
    assert outcomes[0].result == "not-listed"
    assert service.listing_history(session, number="21234567") == []


def test_relisting_after_deregistration_starts_a_new_protection_period(session, runtime, clock):
    list_number(session, runtime, "21234567", Register.sms)
    service.deregister_number(
        session, clock=clock, settings=runtime.settings, number="21234567", registers=[Register.sms],
        channel=Channel.caller_id, verification=Verification.caller_id, actor="channel:ivr",
    )
    clock.set(dt.datetime(2026, 3, 16, 9, 30, tzinfo=HK))
    outcome = list_number(session, runtime, "21234567", Register.sms)[0]
    assert (outcome.result, outcome.registered_on) == ("registered", dt.date(2026, 3, 16))


@pytest.mark.parametrize("at", ["23:00", "23:30", "23:59"])
def test_no_change_is_accepted_during_the_nightly_update(session, runtime, clock, at):
    clock.set(dt.datetime.combine(dt.date(2026, 3, 2), dt.time.fromisoformat(at), HK))
    with pytest.raises(UpdateWindowClosed) as raised:
        list_number(session, runtime, "21234567", Register.sms)
    assert "00:00" in raised.value.message
    assert 0 < raised.value.retry_after <= 3600
    assert session.scalar(select(func.count()).select_from(Listing)) == 0


def test_changes_reopen_at_midnight_and_are_accepted_until_2259(session, runtime, clock):
    clock.set(dt.datetime(2026, 3, 3, 0, 0, tzinfo=HK))
    assert list_number(session, runtime, "21234567", Register.sms)[0].result == "registered"
    clock.set(dt.datetime(2026, 3, 3, 22, 59, 59, tzinfo=HK))
    assert list_number(session, runtime, "21234568", Register.sms)[0].result == "registered"


@pytest.mark.parametrize("raw", ["", "2123456", "212345678", "abcdefgh", "+44 20 7946 0000", "12345678", "999"])
def test_malformed_or_unregistrable_numbers_are_refused_with_a_reason(session, runtime, raw):
    with pytest.raises(InvalidNumber) as raised:
        list_number(session, runtime, raw, Register.sms)
    assert raised.value.message
    assert session.scalar(select(func.count()).select_from(Listing)) == 0


def test_unknown_registers_are_refused_by_name():
    with pytest.raises(InvalidInput, match="'email' is not a register"):
        parse_registers(["sms", "email"])
    assert parse_registers(["SMS", "sms", "fax"]) == [Register.sms, Register.fax]


def test_protection_date_follows_recorded_warning_days(session, runtime):
    from telreg.core.models import WeatherWarning

    list_number(session, runtime, "21234567", Register.fax)
    session.add(WeatherWarning(kind="gale", starts_at=dt.datetime(2026, 3, 5, 8, 0, tzinfo=HK),
                               ends_at=dt.datetime(2026, 3, 5, 20, 0, tzinfo=HK), created_by="test",
                               created_at=runtime.clock.now()))
    session.flush()
    status = service.number_status(session, settings=runtime.settings, number="21234567")
    assert status["registers"]["fax"]["protected_from"] == "2026-03-14"


def test_concurrent_registrations_of_the_same_number_list_it_once(runtime):
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def register() -> None:
        try:
            barrier.wait()
            with unit_of_work(runtime.session_factory) as session:
                outcome = list_number(session, runtime, "21234567", Register.sms)
            results.append(outcome[0].result)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=register) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == ["already-listed"] * 3 + ["registered"]
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Listing)) == 1
