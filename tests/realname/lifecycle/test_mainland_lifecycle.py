"""The mainland-China lifecycle of seed 003: one-way suspension on the deadline, full suspension 15 days later
(单停15天后 … 自动进入全停), deactivation, quarantine, release; registration restores service. SQLite and
PostgreSQL.

The expected days are counted by hand from the policy file (outgoing_barred 0, suspended 15, deactivated 45,
quarantine_days 90) and the timeline documented in lifecycle.py (quarantine from D + 1, released on D + 90).
"""

from __future__ import annotations

import datetime as dt

import pytest

from telreg.runtime import Runtime
from tests.realname.registration.helpers import (
    MAINLAND,
    make_operator,
    person,
    proved,
    request,
    resident_id,
    submit,
)

from .helpers import at, feed_entries, import_numbers, number_row, run_on, state, steps_of

DEADLINE = dt.date(2026, 3, 10)
BARRED, SUSPENDED, DEACTIVATED = DEADLINE, dt.date(2026, 3, 25), dt.date(2026, 4, 24)
QUARANTINED, RELEASED = dt.date(2026, 4, 25), dt.date(2026, 7, 23)
ZHANG_BORN = dt.date(1990, 1, 1)


def _zhang() -> dict[str, object]:
    return person("张三", ZHANG_BORN, doc_type="cn-resident-id", number=resident_id(ZHANG_BORN),
                  capture="card_reader", address="北京市东城区东长安街1号")


def _register(runtime: Runtime, number: str) -> dict[str, object]:
    return submit(runtime, request(number, proved(runtime, _zhang()), operator="cmcc"), policy=MAINLAND)


def _run(runtime: Runtime, day: dt.date) -> dict[str, object]:
    return run_on(runtime, day, policy=MAINLAND)


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime, "cmcc", "China Mobile")


def test_a_legacy_number_is_barred_suspended_deactivated_quarantined_and_released(runtime: Runtime) -> None:
    import_numbers(runtime, "13800138000", operator="cmcc", policy=MAINLAND, deadline=DEADLINE)
    _run(runtime, DEADLINE - dt.timedelta(days=1))
    assert state(runtime, "13800138000") == "unregistered"
    expected = [(BARRED, "outgoing_barred"), (SUSPENDED - dt.timedelta(days=1), "outgoing_barred"),
                (SUSPENDED, "suspended"), (DEACTIVATED - dt.timedelta(days=1), "suspended"),
                (DEACTIVATED, "deactivated"), (QUARANTINED, "quarantine"),
                (RELEASED - dt.timedelta(days=1), "quarantine"), (RELEASED, "unregistered")]
    for day, expected_state in expected:
        _run(runtime, day)
        assert state(runtime, "13800138000") == expected_state, day
    assert steps_of(runtime, "13800138000") == [
        ("outgoing_barred", BARRED), ("suspended", SUSPENDED), ("deactivated", DEACTIVATED),
        ("quarantine", QUARANTINED), ("released", RELEASED)]
    released = number_row(runtime, "13800138000")
    assert (released.legacy, released.deadline) == (False, None)
    # The holder heard of the bar, the suspension and the deactivation, in English and Simplified Chinese.
    messages = runtime.sms.to("13800138000")  # type: ignore[attr-defined]
    assert len(messages) == 3
    assert "barred" in messages[0] and "单向停机" in messages[0]
    assert "suspended" in messages[1] and "全停" in messages[1]
    assert "deactivated" in messages[2] and "注销" in messages[2]
    assert feed_entries(runtime) == [("cmcc", "13800138000", DEACTIVATED, "deactivated", False)]


def test_running_twice_on_a_day_changes_nothing_more(runtime: Runtime) -> None:
    import_numbers(runtime, "13800138000", "13800138001", operator="cmcc", policy=MAINLAND, deadline=DEADLINE)
    first = _run(runtime, SUSPENDED)
    again = _run(runtime, SUSPENDED)
    assert first["steps"] == {"outgoing_barred": 2, "suspended": 2, "deactivated": 0, "quarantine": 0,
                              "released": 0}
    assert again["steps"] == dict.fromkeys(first["steps"], 0) and again["notified"] == 0
    assert len(runtime.sms.sent) == 2  # type: ignore[attr-defined]


def test_a_number_far_past_its_deadline_catches_up_with_one_message(runtime: Runtime) -> None:
    import_numbers(runtime, "13800138000", operator="cmcc", policy=MAINLAND, deadline=DEADLINE)
    _run(runtime, DEADLINE + dt.timedelta(days=50))  # the first run ever, 50 days late
    assert state(runtime, "13800138000") == "quarantine"
    assert steps_of(runtime, "13800138000") == [
        ("outgoing_barred", BARRED), ("suspended", SUSPENDED), ("deactivated", DEACTIVATED),
        ("quarantine", QUARANTINED)]
    messages = runtime.sms.to("13800138000")  # type: ignore[attr-defined]
    assert len(messages) == 1 and "deactivated" in messages[0]


@pytest.mark.parametrize("day, before", [(BARRED, "outgoing_barred"), (SUSPENDED, "suspended")])
def test_registration_at_a_step_restores_service_for_good(runtime: Runtime, day: dt.date,
                                                           before: str) -> None:
    import_numbers(runtime, "13800138000", operator="cmcc", policy=MAINLAND, deadline=DEADLINE)
    _run(runtime, day)
    assert state(runtime, "13800138000") == before
    assert _register(runtime, "13800138000")["status"] == "registered"
    assert state(runtime, "13800138000") == "active"
    recorded = steps_of(runtime, "13800138000")
    for later in (DEACTIVATED, RELEASED):
        _run(runtime, later)
        assert state(runtime, "13800138000") == "active"
    assert steps_of(runtime, "13800138000") == recorded


def test_a_deactivated_number_is_registrable_only_once_released(runtime: Runtime) -> None:
    import_numbers(runtime, "13800138000", operator="cmcc", policy=MAINLAND, deadline=DEADLINE)
    _run(runtime, DEACTIVATED)
    assert _register(runtime, "13800138000")["code"] == "number_unavailable"
    _run(runtime, QUARANTINED)
    assert _register(runtime, "13800138000")["code"] == "number_unavailable"
    _run(runtime, RELEASED)
    assert _register(runtime, "13800138000")["status"] == "registered"
    assert number_row(runtime, "13800138000").state == "active"


def test_the_clock_decides_not_the_import_day(runtime: Runtime) -> None:
    # A number imported late in the day is still due on its deadline at 01:00, the daily run's hour.
    at(runtime, dt.date(2026, 3, 2), hour=23)
    import_numbers(runtime, "13800138000", operator="cmcc", policy=MAINLAND, deadline=dt.date(2026, 3, 3))
    _run(runtime, dt.date(2026, 3, 3))
    assert state(runtime, "13800138000") == "outgoing_barred"
