"""Who is a minor: the birthday itself is the first day of the new age; 29 February births age on 1 March."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telreg.realname.policy import Policy, load_policy

D = dt.date


@pytest.fixture(scope="module")
def hong_kong() -> Policy:
    return load_policy("hong-kong")


def _with_age(policy: Policy, age: int) -> Policy:
    return policy.model_copy(update={"minor_age": age})


@pytest.mark.parametrize("on,minor", [
    (D(2026, 3, 1), True),    # the day before the 16th birthday
    (D(2026, 3, 2), False),   # the 16th birthday itself
    (D(2026, 3, 3), False),
])
def test_sixteenth_birthday_ends_minority(hong_kong: Policy, on: dt.date, minor: bool) -> None:
    assert hong_kong.is_minor(dob=D(2010, 3, 2), on=on) is minor


@pytest.mark.parametrize("on,minor", [
    (D(2026, 2, 28), True),   # 2026 has no 29 February: still 17 on the 28th …
    (D(2026, 3, 1), False),   # … and 18 from 1 March
])
def test_leap_day_birth_ages_on_first_of_march_in_a_common_year(hong_kong: Policy, on: dt.date,
                                                                 minor: bool) -> None:
    assert _with_age(hong_kong, 18).is_minor(dob=D(2008, 2, 29), on=on) is minor


@pytest.mark.parametrize("on,minor", [(D(2024, 2, 28), True), (D(2024, 2, 29), False)])
def test_leap_day_birth_ages_on_the_day_in_a_leap_year(hong_kong: Policy, on: dt.date, minor: bool) -> None:
    assert hong_kong.is_minor(dob=D(2008, 2, 29), on=on) is minor


def test_leap_day_birth_turning_sixteen_in_2100_which_is_not_a_leap_year(hong_kong: Policy) -> None:
    assert hong_kong.is_minor(dob=D(2084, 2, 29), on=D(2100, 2, 28))
    assert not hong_kong.is_minor(dob=D(2084, 2, 29), on=D(2100, 3, 1))


def test_no_minor_age_means_only_the_unborn_are_minors(hong_kong: Policy) -> None:
    policy = _with_age(hong_kong, 0)
    assert not policy.is_minor(dob=D(2026, 3, 2), on=D(2026, 3, 2))
    assert policy.is_minor(dob=D(2026, 3, 3), on=D(2026, 3, 2))


def _coming_of_age(dob: dt.date, age: int) -> dt.date:
    # An independent reading: the anniversary date, or 1 March when that year has no 29 February.
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:
        return D(dob.year + age, 3, 1)


@given(dob=st.dates(D(1900, 1, 1), D(2100, 12, 31)), on=st.dates(D(1900, 1, 1), D(2200, 12, 31)),
       age=st.integers(0, 99))
def test_minor_until_the_coming_of_age_date(hong_kong: Policy, dob: dt.date, on: dt.date, age: int) -> None:
    assert _with_age(hong_kong, age).is_minor(dob=dob, on=on) is (on < _coming_of_age(dob, age))
