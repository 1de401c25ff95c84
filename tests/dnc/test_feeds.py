import datetime as dt

import pytest

from telreg.core.clock import HK
from telreg.core.errors import UpdateWindowClosed
from telreg.dnc import feeds, service
from telreg.dnc.vocabulary import Register

from .helpers import list_number


def _import(session, runtime, content: bytes):
    return feeds.import_terminated(session, clock=runtime.clock, settings=runtime.settings, operator="op1",
                                   filename="terminated.csv", content=content, actor="officer:olivia")


def _listed(session, runtime, number, register="sms"):
    return service.number_status(session, settings=runtime.settings, number=number)["registers"][register]["listed"]


def test_terminated_numbers_lose_their_listings_and_history_says_why(session, runtime, clock):
    list_number(session, runtime, "61234567", Register.sms, Register.prerecorded)
    list_number(session, runtime, "61234568", Register.sms)  # ported: not in the feed, keeps its listing
    clock.set(dt.datetime(2026, 4, 1, 10, 0, tzinfo=HK))
    run = _import(session, runtime, b"number,terminated_on\r\n6123 4567,2026-03-31\r\n91234567,2026-03-30\r\n")
    assert (run.status, run.numbers, run.removed) == ("applied", 2, 2)
    assert not _listed(session, runtime, "61234567") and not _listed(session, runtime, "61234567", "prerecorded")
    assert _listed(session, runtime, "61234568")
    events = service.listing_history(session, number="61234567")
    assert [e["event"] for e in events[-2:]] == ["removed-terminated", "removed-terminated"]
    assert events[-1]["details"]["operator"] == "op1" and events[-1]["details"]["import"] == run.id


def test_a_reassigned_number_is_not_listed_until_its_new_user_registers(session, runtime, clock):
    list_number(session, runtime, "61234567", Register.sms)
    clock.set(dt.datetime(2026, 4, 1, 10, 0, tzinfo=HK))
    _import(session, runtime, b"number,terminated_on\n61234567,2026-03-31\n")
    assert not _listed(session, runtime, "61234567")
    clock.set(dt.datetime(2026, 5, 1, 10, 0, tzinfo=HK))
    assert list_number(session, runtime, "61234567", Register.sms)[0].registered_on == dt.date(2026, 5, 1)


def test_a_late_feed_does_not_remove_the_new_holders_registration(session, runtime, clock):
    clock.set(dt.datetime(2026, 4, 2, 10, 0, tzinfo=HK))
    list_number(session, runtime, "61234567", Register.sms)  # the new holder registered after the termination
    run = _import(session, runtime, b"number,terminated_on\n61234567,2026-03-31\n")
    assert (run.status, run.removed) == ("applied", 0)
    assert _listed(session, runtime, "61234567")


def test_a_malformed_feed_is_rejected_whole_with_line_numbers(session, runtime, clock):
    list_number(session, runtime, "61234567", Register.sms)
    content = (b"number,terminated_on\n61234567,2026-03-01\n1234,2026-03-01\n61234569,yesterday\n"
               b"61234570,2099-01-01\n61234571\n")
    run = _import(session, runtime, content)
    assert run.status == "rejected" and run.removed == 0
    assert [e["line"] for e in run.errors] == [3, 4, 5, 6]
    assert "4 digits" in run.errors[0]["error"] and "not an ISO date" in run.errors[1]["error"]
    assert "future" in run.errors[2]["error"] and "expected 2 fields" in run.errors[3]["error"]
    assert _listed(session, runtime, "61234567")
    assert feeds.feed_runs(session)[0].id == run.id


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"phone,date\n61234567,2026-03-01\n", "header"), (b"number,terminated_on\n6123\xff4567,2026-03-01\n", "UTF-8"),
     (b"", "header")],
)
def test_unreadable_feeds_are_rejected(session, runtime, content, needle):
    run = _import(session, runtime, content)
    assert run.status == "rejected" and needle in run.errors[0]["error"]


def test_an_oversized_feed_is_rejected_without_reading_it(session, runtime):
    runtime.settings.feed_max_bytes = 100
    run = _import(session, runtime, b"number,terminated_on\n" + b"61234567,2026-03-01\n" * 10)
    assert run.status == "rejected" and "limit" in run.errors[0]["error"]


def test_feeds_wait_for_the_update_window_to_close(session, runtime, clock):
    clock.set(dt.datetime(2026, 3, 2, 23, 5, tzinfo=HK))
    with pytest.raises(UpdateWindowClosed):
        _import(session, runtime, b"number,terminated_on\n61234567,2026-03-01\n")
