"""The e-Cert fee table and the free-use periods, on SQLite and PostgreSQL: the default, revisions from a date,
past dates refused, profile revisions before "*" ones; free-use rules added, matched and withdrawn, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from telreg.core.audit import history
from telreg.core.clock import FixedClock, today
from telreg.core.db import unit_of_work
from telreg.core.errors import Conflict, InvalidInput
from telreg.core.models import AuditEvent
from telreg.ecert import fees
from telreg.ecert.subscription_models import EcertFee
from telreg.runtime import Runtime

from .test_subscriptions import make_ca_officer

ACTOR = "staff:ca.wong"


def _fee(runtime: Runtime, profile: str, on: dt.date) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return fees.fee_for(session, settings=runtime.settings, profile=profile, on=on)


def _revise(runtime: Runtime, *, profile: str, cents: int, start: dt.date) -> None:
    with unit_of_work(runtime.session_factory) as session:
        fees.revise_fee(session, clock=runtime.clock, profile=profile, amount_cents=cents, effective_from=start,
                        actor=ACTOR)


def test_the_default_is_the_setting_hk50_on_any_date(runtime: Runtime, clock: FixedClock) -> None:
    assert runtime.settings.ecert_subscription_fee_cents == 5_000
    for profile in ("personal", "smart-id", "organisational"):
        assert _fee(runtime, profile, today(clock)) == 5_000
        assert _fee(runtime, profile, dt.date(2007, 4, 1)) == 5_000
    with unit_of_work(runtime.session_factory) as session:
        table = fees.fee_table(session, settings=runtime.settings, clock=clock)
    assert table["entries"] == [{"profile": "*", "amount_cents": 5_000, "amount": "HK$50.00",
                                 "effective_from": fees.DEFAULT_SINCE.isoformat(), "source": "default",
                                 "created_by": None}]
    assert table["in_force"] == {"*": {"amount_cents": 5_000, "amount": "HK$50.00"}}


def test_a_revision_from_a_future_date_applies_from_that_date_only(runtime: Runtime, clock: FixedClock) -> None:
    start = today(clock) + dt.timedelta(days=30)
    _revise(runtime, profile="*", cents=6_000, start=start)
    assert _fee(runtime, "personal", today(clock)) == 5_000
    assert _fee(runtime, "personal", start - dt.timedelta(days=1)) == 5_000
    assert _fee(runtime, "personal", start) == 6_000
    assert _fee(runtime, "smart-id", start + dt.timedelta(days=400)) == 6_000
    with unit_of_work(runtime.session_factory) as session:
        table = fees.fee_table(session, settings=runtime.settings, clock=clock)
        assert table["in_force"]["*"]["amount_cents"] == 5_000  # not yet
        events = history(session, subject_type="ecert_fee", subject_key="*")
    assert [(e.action, e.actor, e.details) for e in events] == [
        ("ecert.fee-revised", ACTOR, {"amount_cents": 6_000, "effective_from": start.isoformat()})]
    clock.set(dt.datetime.combine(start, dt.time(9, 0)))
    with unit_of_work(runtime.session_factory) as session:
        assert fees.fee_table(session, settings=runtime.settings, clock=clock)["in_force"]["*"] == {
            "amount_cents": 6_000, "amount": "HK$60.00"}


def test_a_profile_revision_beats_an_every_profile_one(runtime: Runtime, clock: FixedClock) -> None:
    day = today(clock)
    _revise(runtime, profile="smart-id", cents=4_000, start=day + dt.timedelta(days=10))
    _revise(runtime, profile="*", cents=7_000, start=day + dt.timedelta(days=20))
    assert _fee(runtime, "smart-id", day + dt.timedelta(days=5)) == 5_000  # the default still
    assert _fee(runtime, "smart-id", day + dt.timedelta(days=10)) == 4_000
    assert _fee(runtime, "smart-id", day + dt.timedelta(days=25)) == 4_000  # its own fee stays until revised
    assert _fee(runtime, "personal", day + dt.timedelta(days=25)) == 7_000
    assert _fee(runtime, "personal", day + dt.timedelta(days=15)) == 5_000


def test_a_past_date_is_refused_and_nothing_is_recorded(runtime: Runtime, clock: FixedClock) -> None:
    yesterday = today(clock) - dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as refused, unit_of_work(runtime.session_factory) as session:
        fees.revise_fee(session, clock=clock, profile="*", amount_cents=6_000, effective_from=yesterday,
                        actor=ACTOR)
    assert "cannot be revised from a past date" in refused.value.message
    assert yesterday.isoformat() in refused.value.message
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(EcertFee)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "ecert.fee-revised")) == 0
    _revise(runtime, profile="*", cents=6_000, start=today(clock))  # today is allowed
    assert _fee(runtime, "personal", today(clock)) == 6_000


@pytest.mark.parametrize(("profile", "cents"), [("*", 0), ("*", -100), ("Personal ", 5_000_000_00), ("per sonal", 100),
                                                ("", 100)])
def test_bad_revisions_are_refused(runtime: Runtime, clock: FixedClock, profile: str, cents: int) -> None:
    with pytest.raises(InvalidInput), unit_of_work(runtime.session_factory) as session:
        fees.revise_fee(session, clock=clock, profile=profile, amount_cents=cents,
                        effective_from=today(clock), actor=ACTOR)


def test_the_same_profile_and_date_twice_is_a_conflict(runtime: Runtime, clock: FixedClock) -> None:
    _revise(runtime, profile="personal", cents=6_000, start=today(clock))
    with pytest.raises(Conflict), unit_of_work(runtime.session_factory) as session:
        fees.revise_fee(session, clock=clock, profile="personal", amount_cents=6_500,
                        effective_from=today(clock), actor=ACTOR)
    assert _fee(runtime, "personal", today(clock)) == 6_000


def test_amounts_in_hong_kong_dollars() -> None:
    assert fees.parse_hkd("50") == 5_000
    assert fees.parse_hkd("50.00") == 5_000
    assert fees.parse_hkd("HK$1,050.50") == 105_050
    for bad in ("50.001", "fifty", "", "-5", "5e3"):
        with pytest.raises(InvalidInput):
            fees.parse_hkd(bad)
    assert fees.format_hkd(105_050) == "HK$1,050.50"


def test_free_periods_are_added_matched_withdrawn_and_audited(runtime: Runtime, clock: FixedClock) -> None:
    with unit_of_work(runtime.session_factory) as session:
        smart = fees.add_free_period(session, clock=clock, profile="smart-id", kind="validity",
                                     issued_until=dt.date(2007, 3, 31), note="Smart ID offer", actor=ACTOR)
        months = fees.add_free_period(session, clock=clock, profile="*", kind="months", months=6,
                                      issued_from=dt.date(2026, 3, 1), issued_until=dt.date(2026, 3, 31),
                                      actor=ACTOR)
        smart_id, months_id = smart.id, months.id
    with unit_of_work(runtime.session_factory) as session:
        def matching(profile: str, day: dt.date) -> list[int]:
            return [p.id for p in fees.matching_free_periods(session, profile=profile, issued_on=day)]

        assert matching("smart-id", dt.date(2007, 3, 31)) == [smart_id]
        assert matching("smart-id", dt.date(2004, 6, 1)) == [smart_id]  # no start: every earlier issue
        assert matching("smart-id", dt.date(2007, 4, 1)) == []
        assert matching("personal", dt.date(2007, 3, 31)) == []
        assert matching("personal", dt.date(2026, 3, 31)) == [months_id]
        assert matching("personal", dt.date(2026, 4, 1)) == []
        fees.withdraw_free_period(session, clock=clock, period_id=months_id, actor=ACTOR)
    with unit_of_work(runtime.session_factory) as session:
        assert [p.id for p in fees.free_periods(session)] == [smart_id]
        assert [p.id for p in fees.free_periods(session, include_withdrawn=True)] == [smart_id, months_id]
        assert fees.matching_free_periods(session, profile="personal", issued_on=dt.date(2026, 3, 31)) == []
        with pytest.raises(Conflict):
            fees.withdraw_free_period(session, clock=clock, period_id=months_id, actor=ACTOR)
        actions = [e.action for e in history(session, subject_type="ecert_free_period", subject_key=str(months_id))]
    assert actions == ["ecert.free-period-added", "ecert.free-period-withdrawn"]


@pytest.mark.parametrize("kwargs", [
    {"kind": "forever"},
    {"kind": "months"},
    {"kind": "months", "months": 0},
    {"kind": "months", "months": 121},
    {"kind": "validity", "months": 3},
    {"kind": "validity", "issued_from": dt.date(2007, 4, 1), "issued_until": dt.date(2007, 3, 31)},
    {"kind": "validity", "note": "x" * 201},
])
def test_bad_free_periods_are_refused(runtime: Runtime, clock: FixedClock, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput), unit_of_work(runtime.session_factory) as session:
        fees.add_free_period(session, clock=clock, profile="personal", actor=ACTOR, **kwargs)  # type: ignore[arg-type]


def test_cli_lists_and_revises_fees(runtime: Runtime, clock: FixedClock, cli) -> None:  # type: ignore[no-untyped-def]
    make_ca_officer(runtime)
    code, out, _ = cli("ecert", "fees")
    assert code == 0, out
    assert "*" in out and "HK$50.00" in out and "(default)" in out
    start = (today(clock) + dt.timedelta(days=7)).isoformat()
    code, out, err = cli("ecert", "fees", "revise", "--profile", "smart-id", "--amount", "60.00", "--from", start,
                         "--officer", "ca.wong")
    assert code == 0, (out, err)
    assert f"smart-id fee is HK$60.00 a year from {start}" in out
    code, out, err = cli("ecert", "fees", "revise", "--profile", "*", "--amount", "70", "--from", "2020-01-01",
                         "--officer", "ca.wong")
    assert code == 1 and "past date" in err
    code, out, err = cli("ecert", "fees", "revise", "--profile", "*", "--amount", "70", "--from", start,
                         "--officer", "nobody")
    assert code == 1
    code, out, _ = cli("ecert", "fees", "--json")
    assert code == 0 and '"smart-id"' in out
    code, out, err = cli("ecert", "fees", "add-free-period", "--profile", "smart-id", "--issued-until", "2007-03-31",
                         "--officer", "ca.wong")
    assert code == 0, (out, err)
    code, out, _ = cli("ecert", "fees", "free-periods")
    assert code == 0 and "smart-id" in out and "until the end of the validity" in out
