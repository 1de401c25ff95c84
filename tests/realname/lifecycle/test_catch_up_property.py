"""Property: whatever days the worker happens to run on, after a run on day X every legacy number is in the
state its deadline gives for X, and has recorded exactly the steps due by X, in order. SQLite and PostgreSQL.

The policy here has every kind of step (a reminder, the bar, suspension, deactivation) and a 30-day
quarantine; the expected timeline is written out below from lifecycle.py's definitions, not computed by it.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telreg.realname.policy import Policy
from telreg.runtime import Runtime
from tests.realname.registration.helpers import MAINLAND, make_operator

from .helpers import at, import_numbers, run_on, state, steps_of

POLICY = Policy.model_validate({
    **MAINLAND.model_dump(),
    "lifecycle": {
        "steps": [{"name": "reminder", "after_days": 0, "notify": True},
                  {"name": "outgoing_barred", "after_days": 7, "notify": True},
                  {"name": "suspended", "after_days": 22, "notify": True},
                  {"name": "deactivated", "after_days": 52, "notify": True}],
        "quarantine_days": 30,
        "legacy_deadline_days": 100,
    },
})
# step name, days after the deadline it is due, the state it leaves (None: a reminder changes nothing)
TIMELINE = [("reminder", 0, None), ("outgoing_barred", 7, "outgoing_barred"), ("suspended", 22, "suspended"),
            ("deactivated", 52, "deactivated"), ("quarantine", 53, "quarantine"),
            ("released", 82, "unregistered")]
BASE = dt.date(2026, 6, 1)
_numbers = itertools.count()


def _expected(deadline: dt.date, day: dt.date) -> tuple[str, list[tuple[str, dt.date]]]:
    late = (day - deadline).days
    reached = [(name, offset, to) for name, offset, to in TIMELINE if offset <= late]
    states = [to for _, _, to in reached if to is not None]
    return (states[-1] if states else "unregistered",
            [(name, deadline + dt.timedelta(days=offset)) for name, offset, _ in reached])


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime, "cmcc", "China Mobile")  # once per test: hypothesis's examples share the database


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.integers(min_value=-90, max_value=5), min_size=1, max_size=4),
       run_days=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=5, unique=True))
def test_states_and_steps_depend_only_on_the_day(runtime: Runtime, offsets: list[int],
                                                 run_days: list[int]) -> None:
    # Fresh numbers for every example: the database carries over between examples, the numbers do not.
    numbers = {f"1390000{next(_numbers):04d}": BASE + dt.timedelta(days=offset) for offset in offsets}
    at(runtime, BASE - dt.timedelta(days=200))
    for number, deadline in numbers.items():
        import_numbers(runtime, number, operator="cmcc", policy=POLICY, deadline=deadline)
    for run_day in sorted(run_days):
        day = BASE + dt.timedelta(days=run_day)
        run_on(runtime, day, policy=POLICY)
        for number, deadline in numbers.items():
            expected_state, expected_steps = _expected(deadline, day)
            assert state(runtime, number) == expected_state, (number, deadline, day)
            assert steps_of(runtime, number) == expected_steps, (number, deadline, day)
