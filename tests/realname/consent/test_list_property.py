"""The set-based marketing list (one SQL query) is exactly the numbers the per-number check allows, whatever
instructions were given in whatever order (hypothesis, a few hundred cases per database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from telreg.realname import consent, repository
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid, make_operator, person, request, submit

from .helpers import PURPOSE, give, listed, staff_user, terminate

HOLDERS = [person(f"HOLDER {name}", "1980-01-01", number=hkid(prefix, digits))
           for name, prefix, digits in (("One", "A", "123456"), ("Two", "B", "234567"), ("Three", "C", "345678"),
                                        ("Four", "D", "456789"))]
# number, holder, operator: holders with several numbers at one operator and numbers at both operators.
NUMBERS = [("51230001", 0, "op1"), ("51230002", 0, "op1"), ("51230003", 1, "op1"), ("51230004", 2, "op1"),
           ("51230005", 3, "op1"), ("61230001", 0, "op2"), ("61230002", 1, "op2"), ("61230003", 3, "op2")]
TERMINATED = "51230005"  # its holder has no other number at op1: their instructions reach no listed number
STAFF = {"op1": staff_user("clerk.one", operator="op1"), "op2": staff_user("clerk.two", operator="op2")}

instruction = st.tuples(
    st.sampled_from([n for n, _, _ in NUMBERS if n != TERMINATED]),
    st.sampled_from(["granted", "withdrawn"]),
    st.integers(min_value=0, max_value=4),  # hours before now: few values, so equal given times are common
)


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    make_operator(runtime, "op1", "Operator One")
    make_operator(runtime, "op2", "Operator Two")
    for number, holder, operator in NUMBERS:
        assert submit(runtime, request(number, HOLDERS[holder], operator=operator))["status"] == "registered"
    terminate(runtime, TERMINATED)
    runtime.clock.advance(days=1)
    return runtime


def _check_agrees_with_the_list(session: Session, operator_code: str) -> None:
    operator = repository.operator_by_code(session, operator_code)
    assert operator is not None
    listed = consent.consenting_numbers(session, operator_id=operator.id, purpose=PURPOSE)
    allowed = [number for number, _, code in NUMBERS if code == operator_code and consent.check(
        session, number=number, purpose=PURPOSE, controller=consent.Controller.operator(operator.id)).allowed]
    assert listed == sorted(allowed)
    assert TERMINATED not in listed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instructions=st.lists(instruction, max_size=12))
def test_the_list_is_the_numbers_the_check_allows(world: Runtime, session: Session,
                                                  instructions: list[tuple[str, str, int]]) -> None:
    now = world.clock.now()
    savepoint = session.begin_nested()
    try:
        operators = {number: code for number, _, code in NUMBERS}
        for number, decision, hours in instructions:
            consent.record(session, clock=world.clock, settings=world.settings, user=STAFF[operators[number]],
                           number=number, purpose=PURPOSE, decision=decision, channel="counter",
                           given_at=now - dt.timedelta(hours=hours))
        _check_agrees_with_the_list(session, "op1")
        _check_agrees_with_the_list(session, "op2")
    finally:
        savepoint.rollback()


def test_a_holders_grant_lists_each_of_their_numbers_at_that_operator_only(world: Runtime) -> None:
    give(world, "51230002", "granted", user=STAFF["op1"])
    assert listed(world) == ["51230001", "51230002"]
    assert listed(world, "op2") == []
