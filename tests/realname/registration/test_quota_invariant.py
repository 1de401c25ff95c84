"""A property: whatever mix of registrations, transfers and terminations, each quota counter equals the number
of current registrations it counts. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError
from telreg.realname import changes
from telreg.realname.models import QuotaCounter, Registration
from telreg.runtime import Runtime

from .helpers import HONG_KONG, hkid, make_operator, person, request, submit, submit_transfer

HOLDERS = [person("CHAN Tai Man", number=hkid("A", "123456")),
           person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567")),
           person("LEE Ka Fai", "1985-02-28", number=hkid("D", "456789"))]
NUMBERS = ["51234560", "51234561", "51234562", "51234563"]

steps = st.lists(st.tuples(st.sampled_from(["register", "transfer", "terminate"]),
                           st.integers(0, len(NUMBERS) - 1), st.integers(0, len(HOLDERS) - 1),
                           st.sampled_from(["prepaid", "postpaid"])), min_size=1, max_size=8)


def _apply(runtime: Runtime, action: str, number: str, holder: dict[str, object], service: str) -> None:
    if action == "register":
        submit(runtime, request(number, holder, service=service))
    elif action == "transfer":
        submit_transfer(runtime, {"operator": "op1", "number": number, "holder": holder})
    else:
        try:
            with unit_of_work(runtime.session_factory) as session:
                changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=HONG_KONG,
                                  operator="op1", number=number)
        except DomainError:
            pass  # not registered, or terminated already: an answer, not a change


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_counters_equal_current_registrations(runtime: Runtime,
                                              steps: list[tuple[str, int, int, str]]) -> None:
    try:
        make_operator(runtime)
    except DomainError:
        pass  # made by an earlier example: the database is shared by the examples
    for action, number, holder, service in steps:
        _apply(runtime, action, NUMBERS[number], HOLDERS[holder], service)
    with unit_of_work(runtime.session_factory) as session:
        current = Counter((r.holder_id, r.operator_id, r.quota_service) for r in session.scalars(
            select(Registration).where(Registration.ended_at.is_(None))))
        counted = {(c.identity_id, c.operator_id, c.service): c.held
                   for c in session.scalars(select(QuotaCounter))}
    assert {key: held for key, held in counted.items() if held} == dict(current)
