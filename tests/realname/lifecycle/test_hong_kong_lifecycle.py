"""The Hong Kong lifecycle (seed 000 Q5: no anonymous card after the deadline): deactivated on the deadline,
quarantine, release; terminated numbers rest and are released too; one statement per step, whatever the number
of numbers. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from telreg.core.db import unit_of_work
from telreg.realname import changes
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG, hkid, make_operator, person, request, submit

from .helpers import at, import_numbers, number_row, run_on, state, steps_of

DEADLINE = dt.date(2026, 3, 10)
QUARANTINE_DAYS = 90  # hong-kong.toml


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime)


def test_deactivated_on_the_deadline_then_released_after_the_quarantine(runtime: Runtime) -> None:
    import_numbers(runtime, "51234500", deadline=DEADLINE)
    run_on(runtime, DEADLINE - dt.timedelta(days=1))
    assert state(runtime, "51234500") == "unregistered"
    run_on(runtime, DEADLINE)
    assert state(runtime, "51234500") == "deactivated"
    messages = runtime.sms.to("51234500")  # type: ignore[attr-defined]
    assert len(messages) == 1 and "deactivated" in messages[0] and "已被取消" in messages[0]  # Traditional
    run_on(runtime, DEADLINE + dt.timedelta(days=1))
    assert state(runtime, "51234500") == "quarantine"
    run_on(runtime, DEADLINE + dt.timedelta(days=QUARANTINE_DAYS - 1))
    assert state(runtime, "51234500") == "quarantine"
    run_on(runtime, DEADLINE + dt.timedelta(days=QUARANTINE_DAYS))
    assert state(runtime, "51234500") == "unregistered" and number_row(runtime, "51234500").legacy is False
    assert [step for step, _ in steps_of(runtime, "51234500")] == ["deactivated", "quarantine", "released"]


def _terminate(runtime: Runtime, number: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=HONG_KONG,
                          operator="op1", number=number, actor="test")


def test_a_terminated_number_rests_then_is_reassigned_clean(runtime: Runtime) -> None:
    assert submit(runtime, request("51234567", person(number=hkid("A", "123456"))))["status"] == "registered"
    terminated_on = dt.date(2026, 3, 2)
    _terminate(runtime, "51234567")
    run_on(runtime, terminated_on + dt.timedelta(days=QUARANTINE_DAYS - 1))
    assert state(runtime, "51234567") == "terminated"
    run_on(runtime, terminated_on + dt.timedelta(days=QUARANTINE_DAYS))
    assert state(runtime, "51234567") == "unregistered"
    assert steps_of(runtime, "51234567") == [("released", terminated_on + dt.timedelta(days=QUARANTINE_DAYS))]
    newcomer = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))
    outcome = submit(runtime, request("51234567", newcomer))
    assert outcome["status"] == "registered" and outcome["holder"]["name"] == "WONG S** M***"


def test_a_termination_just_after_midnight_counts_from_its_hong_kong_date(runtime: Runtime) -> None:
    submit(runtime, request("51234567", person(number=hkid("A", "123456"))))
    at(runtime, dt.date(2026, 3, 3), hour=0)  # 00:00 on the 3rd in Hong Kong is still the 2nd in UTC
    _terminate(runtime, "51234567")
    run_on(runtime, dt.date(2026, 3, 2) + dt.timedelta(days=QUARANTINE_DAYS))
    assert state(runtime, "51234567") == "terminated"
    run_on(runtime, dt.date(2026, 3, 3) + dt.timedelta(days=QUARANTINE_DAYS))
    assert state(runtime, "51234567") == "unregistered"


def _statements_of_a_run(runtime: Runtime, day: dt.date) -> int:
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(runtime.engine, "before_cursor_execute", counted)
    try:
        run_on(runtime, day)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", counted)
    return count


def test_a_run_costs_the_same_statements_for_3_or_120_numbers(runtime: Runtime) -> None:
    import_numbers(runtime, *(f"512345{i:02d}" for i in range(3)), deadline=DEADLINE)
    few = _statements_of_a_run(runtime, DEADLINE)
    run_on(runtime, DEADLINE + dt.timedelta(days=1))  # the first three go to quarantine, out of the way
    later = DEADLINE + dt.timedelta(days=5)
    at(runtime, dt.date(2026, 3, 2))
    import_numbers(runtime, *(f"6123{i:04d}" for i in range(120)), deadline=later)
    many = _statements_of_a_run(runtime, later)
    assert few == many
    assert sum(state(runtime, f"6123{i:04d}") == "deactivated" for i in (0, 59, 119)) == 3
