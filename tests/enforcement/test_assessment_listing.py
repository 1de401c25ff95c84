"""The assessment's listing and protection lines: the boundaries of issue 17 (the day protection starts and the
day before, a deregistration the day before, a terminated-number removal, a re-registration restarting the clock,
a warning day, a message before the first publication) and a property test against a day-by-day oracle."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from telreg.core import audit
from telreg.core.calendar import WorkingCalendar, general_holidays
from telreg.core.models import WeatherWarning
from telreg.dnc.models import Listing
from telreg.enforcement.assessment import assess, assess_and_store
from telreg.enforcement.assessment.listing import load_history, standing_at

from .assessment_helpers import (
    NUMBER,
    at,
    deregister,
    make_report,
    outcome,
    register,
    terminate,
    write_publication,
)

MON = dt.date(2026, 3, 2)  # protection of a Monday 2 March 2026 registration starts on Friday 13 March


def _assess(session, runtime, **report):
    return assess(session, clock=runtime.clock, settings=runtime.settings, report=make_report(session, **report))


def test_protection_starts_on_the_tenth_working_day_at_midnight(session, runtime):
    register(session, runtime, at(MON, 10))
    day_before = _assess(session, runtime, received_at=at(MON + dt.timedelta(days=10), 23, 59, 59))
    first_day = _assess(session, runtime, received_at=at(MON + dt.timedelta(days=11), 0, 0))

    assert outcome(day_before, "listed-at-arrival") == "yes"
    assert outcome(day_before, "protection") == "no"
    assert day_before.line("protection").params["protected_from"] == "2026-03-13"
    assert day_before.verdict == "not_yet_protected"
    assert outcome(first_day, "protection") == "yes"
    assert first_day.verdict == "apparent_contravention"  # the sender is no subscriber: no consent to find
    counted = first_day.line("non-working-days").params["non_working"]
    assert counted == [{"day": "2026-03-08", "reason": "sunday"}]
    listed = first_day.line("listed-at-arrival").params
    assert (listed["registered_on"], listed["channel"], listed["number"]) == ("2026-03-02", "caller-id", NUMBER)


def test_a_message_before_the_registration_or_on_a_register_not_listed(session, runtime):
    register(session, runtime, at(MON, 15))
    before = _assess(session, runtime, received_at=at(MON, 14, 59))
    other_register = _assess(session, runtime, received_at=at(MON + dt.timedelta(days=30)), register="fax")

    assert before.verdict == "not_listed"
    assert before.line("registered-after-arrival").params["registered_at"] == "2026-03-02 15:00"
    assert other_register.verdict == "not_listed"
    assert outcome(other_register, "listed-at-arrival", "fax") == "no"


def test_a_number_deregistered_the_day_before_is_not_listed_and_the_same_day_after_the_message_is(session, runtime):
    register(session, runtime, at(MON, 10))
    deregister(session, runtime, at(dt.date(2026, 4, 9), 15))
    next_day = _assess(session, runtime, received_at=at(dt.date(2026, 4, 10), 9))
    same_day_earlier = _assess(session, runtime, received_at=at(dt.date(2026, 4, 9), 14, 59))

    assert next_day.verdict == "not_listed"
    removal = next_day.line("removal-before-arrival")
    assert removal.params == {"register": "sms", "removed_at": "2026-04-09 15:00", "removal": "deregistered",
                              "registered_on": "2026-03-02"}
    assert same_day_earlier.verdict == "apparent_contravention"
    assert same_day_earlier.line("listed-at-arrival").params["registered_on"] == "2026-03-02"


def test_a_terminated_number_removal_and_a_re_registration_restarting_the_clock(session, runtime):
    register(session, runtime, at(MON, 10), "sms", "fax")
    terminate(session, runtime, at(dt.date(2026, 3, 20), 11), dt.date(2026, 3, 19))
    removed = _assess(session, runtime, received_at=at(dt.date(2026, 3, 21), 10))
    register(session, runtime, at(dt.date(2026, 3, 23), 9))  # the number's new holder lists it again (sms)
    again = _assess(session, runtime, received_at=at(dt.date(2026, 3, 30), 10))
    fax_after = _assess(session, runtime, received_at=at(dt.date(2026, 3, 30), 10), register="fax")

    assert removed.verdict == "not_listed"
    line = removed.line("removal-before-arrival")
    assert line.params["removal"] == "removed-terminated"
    assert (line.params["terminated_on"], line.params["registered_on"]) == ("2026-03-19", "2026-03-02")
    assert again.verdict == "not_yet_protected"  # protected under the first listing, not under the new one
    assert again.line("listed-at-arrival").params["registered_on"] == "2026-03-23"
    assert again.line("removal-before-arrival").params["removal"] == "removed-terminated"
    expected = WorkingCalendar().add_working_days(dt.date(2026, 3, 23), runtime.settings.protection_working_days)
    assert again.line("protection").params["protected_from"] == expected.isoformat()
    assert fax_after.verdict == "not_listed"


def test_a_black_rainstorm_day_pushes_protection_by_a_day_and_a_warning_recorded_later_does_not(session, runtime):
    register(session, runtime, at(MON, 10))
    session.add(WeatherWarning(kind="black-rainstorm", starts_at=at(dt.date(2026, 3, 5), 8), ends_at=at(
        dt.date(2026, 3, 5), 12), created_by="olivia", created_at=at(dt.date(2026, 3, 5), 13)))
    session.add(WeatherWarning(kind="gale", starts_at=at(dt.date(2026, 3, 10), 8), ends_at=at(
        dt.date(2026, 3, 10), 20), created_by="olivia", created_at=at(dt.date(2026, 3, 20), 9)))
    session.flush()
    friday = _assess(session, runtime, received_at=at(dt.date(2026, 3, 13), 18))
    saturday = _assess(session, runtime, received_at=at(dt.date(2026, 3, 14), 9))

    assert friday.verdict == "not_yet_protected"
    assert friday.line("protection").params["protected_from"] == "2026-03-14"
    assert friday.line("non-working-days").params["non_working"] == [
        {"day": "2026-03-05", "reason": "warning"}, {"day": "2026-03-08", "reason": "sunday"}]
    assert friday.line("warning-recorded-later").params["protected_from_now"] == "2026-03-16"
    assert saturday.verdict == "apparent_contravention"


def test_publications_a_message_before_the_first_and_the_first_that_carried_the_number(session, runtime):
    settings = runtime.settings
    register(session, runtime, at(MON, 10))
    first_message = _assess(session, runtime, received_at=at(dt.date(2026, 3, 20), 10))
    write_publication(settings, dt.date(2026, 2, 27), at(dt.date(2026, 2, 27), 23, 5))
    write_publication(settings, dt.date(2026, 3, 3), at(dt.date(2026, 3, 3), 23, 5))
    write_publication(settings, dt.date(2026, 3, 4), at(dt.date(2026, 3, 4), 23, 5))
    carried = _assess(session, runtime, received_at=at(dt.date(2026, 3, 20), 10))
    published_late = _assess(session, runtime, received_at=at(dt.date(2026, 3, 3), 23, 1))
    register(session, runtime, at(dt.date(2026, 3, 5), 10), number="92000000")
    not_carried = _assess(session, runtime, received_at=at(dt.date(2026, 3, 25), 10), number="92000000")

    assert first_message.verdict == "apparent_contravention"  # protection does not wait for a publication
    assert outcome(first_message, "first-publication") == "no"
    assert first_message.line("first-publication").params == {"register": "sms"}
    line = carried.line("first-publication")
    assert (line.outcome, line.params["publication"], line.params["published_at"]) == (
        "yes", "2026-03-03", "2026-03-03 23:05")
    assert outcome(published_late, "first-publication") == "no"
    assert published_late.line("first-publication").params["publication"] == "2026-03-03"
    assert not_carried.line("first-publication").params == {"register": "sms", "latest": "2026-03-04"}
    assert not_carried.verdict == "apparent_contravention"


def test_a_listing_with_no_event_is_listed_since_its_date_and_the_result_is_kept_on_the_report(session, runtime):
    session.add(Listing(number="21234567", register="prerecorded", registered_at=at(dt.date(2025, 1, 6)),
                        registration_date=dt.date(2025, 1, 6), channel="paper", verification="phone-bill"))
    session.flush()
    report = make_report(session, received_at=at(MON), number="21234567", register="prerecorded")
    result = assess_and_store(session, clock=runtime.clock, settings=runtime.settings, report=report)

    assert result.verdict == "apparent_contravention"
    assert result.line("listed-at-arrival").params["channel"] == "paper"
    assert report.verdict == "apparent_contravention"
    assert report.assessment["lines"][0]["code"] == "register"
    assert report.assessed_at == runtime.clock.now()


def test_a_removal_that_does_not_say_its_registration_date_leaves_the_listing_unknown(session, runtime):
    runtime.clock.set(at(dt.date(2026, 3, 25), 10))
    audit.record(session, clock=runtime.clock, actor="officer:olivia", action="deregistered", subject_type="number",
                 subject_key=NUMBER, register="sms", details={"channel": "paper"})
    result = _assess(session, runtime, received_at=at(dt.date(2026, 3, 20), 10))
    after = _assess(session, runtime, received_at=at(dt.date(2026, 3, 26), 10))

    assert outcome(result, "listed-at-arrival") == "unknown"
    assert result.verdict == "insufficient_information"
    assert result.line("verdict").finding.startswith("Verdict: insufficient information. The listing's history")
    assert after.verdict == "not_listed"


# ---- property: the listing at any moment equals a day-by-day walk of the operations ---------------------------

_OPS = st.lists(st.tuples(st.integers(0, 40), st.integers(8 * 60, 22 * 60),  # nudged apart by minutes: < 23:00
                          st.sampled_from(["register", "deregister", "terminate"]),
                          st.sampled_from([("sms",), ("fax",), ("sms", "fax")]), st.integers(0, 6)),
                min_size=0, max_size=6)


def _oracle(ops, arrival, days, warning_days):
    """Walk the operations in time order up to the arrival; then count working days one by one (Sundays, general
    holidays and the warning days recorded by the arrival are not)."""
    state: dict[str, dt.date | None] = {"sms": None, "fax": None}
    for when, kind, registers, terminated_on in ops:
        if when >= arrival:
            break
        if kind == "register":
            for r in registers:
                state[r] = state[r] or when.date()
        elif kind == "deregister":
            for r in registers:
                state[r] = None
        else:
            for r, since in state.items():
                if since is not None and since <= terminated_on:
                    state[r] = None
    since = state["sms"]
    if since is None:
        return state, None
    day, counted = since, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += day.weekday() != 6 and day not in general_holidays(day.year) and day not in warning_days
    return state, day


@pytest.mark.parametrize("backend", ["sqlite"])
def test_listing_and_protection_equal_a_day_by_day_oracle(runtime):
    days = runtime.settings.protection_working_days

    @hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=_OPS, arrival_day=st.integers(0, 60), arrival_minute=st.integers(0, 24 * 60 - 1),
           warnings=st.dictionaries(st.integers(0, 50), st.booleans(), max_size=3))
    def check(ops, arrival_day, arrival_minute, warnings):
        timeline = []
        for day, minute, kind, registers, back in sorted(ops, key=lambda o: (o[0], o[1])):
            when = at(MON + dt.timedelta(days=day), minute // 60, minute % 60)
            if timeline and when <= timeline[-1][0]:
                when = timeline[-1][0] + dt.timedelta(minutes=1)
            timeline.append((when, kind, registers, when.date() - dt.timedelta(days=back)))
        arrival = at(MON + dt.timedelta(days=arrival_day), arrival_minute // 60, arrival_minute % 60)
        session = runtime.session_factory()
        try:
            for day, recorded_before in warnings.items():  # a black rainstorm 10:00-12:00, recorded before or after
                warned = MON + dt.timedelta(days=day)
                session.add(WeatherWarning(kind="black-rainstorm", starts_at=at(warned, 10), ends_at=at(warned, 12),
                                           created_by="olivia", created_at=arrival - dt.timedelta(minutes=1)
                                           if recorded_before else arrival + dt.timedelta(minutes=1)))
            for when, kind, registers, terminated_on in timeline:
                if kind == "register":
                    register(session, runtime, when, *registers)
                elif kind == "deregister":
                    deregister(session, runtime, when, *registers)
                else:
                    terminate(session, runtime, when, terminated_on)
            result = assess(session, clock=runtime.clock, settings=runtime.settings,
                            report=make_report(session, received_at=arrival))
            counted = {MON + dt.timedelta(days=d) for d, before in warnings.items() if before}
            state, protected_from = _oracle(timeline, arrival, days, counted)
            assert outcome(result, "listed-at-arrival") == ("yes" if state["sms"] else "no")
            protected = protected_from is not None and arrival.date() >= protected_from
            assert (outcome(result, "protection") == "yes") == protected
            if state["sms"]:
                assert result.line("listed-at-arrival").params["registered_on"] == state["sms"].isoformat()
                assert result.line("protection").params["protected_from"] == protected_from.isoformat()
            fax = standing_at(load_history(session, number=NUMBER), register="fax", at=arrival)
            assert (fax.listed, fax.registered_on) == (state["fax"] is not None, state["fax"])
        finally:
            session.rollback()
            session.close()

    check()
