"""`telreg demo load`: the demo data set, its dates, its documented accounts, and idempotency on both backends."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from telreg.config import Environment
from telreg.core import audit, users
from telreg.core.clock import HK
from telreg.core.db import Base, unit_of_work
from telreg.core.errors import ProductionGuard
from telreg.core.migrate import import_all_models
from telreg.core.models import User, WeatherWarning
from telreg.core.weather import load_calendar
from telreg.demo import DEMO_USERS, DEMO_WARNINGS, demo_listings, load_demo
from telreg.dnc import service
from telreg.runtime import Runtime

TODAY = dt.date(2026, 3, 2)  # the clock fixture's date


def _load(runtime: Runtime):  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.session_factory) as session:
        return load_demo(session, clock=runtime.clock, settings=runtime.settings)


# Rows the migrations themselves insert (reference data), there before any demo.
REFERENCE_TABLES = {"enf_fine_scale"}


def _demo_rows(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table but the reference tables: what a demo could have added."""
    return {name: rows for name, rows in _snapshot(runtime).items() if name not in REFERENCE_TABLES}


def _snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    import_all_models()
    with unit_of_work(runtime.session_factory) as session:
        return {
            table.name: [
                tuple(row) for row in session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def _status(runtime: Runtime, number: str) -> dict[str, Any]:
    with unit_of_work(runtime.session_factory) as session:
        return service.number_status(session, settings=runtime.settings, number=number)["registers"]


def test_demo_creates_staff_who_can_sign_in_with_the_documented_passwords(runtime: Runtime) -> None:
    summary = _load(runtime)

    assert summary.users == ["officer", "admin", "clerk", "regulator", "ca.officer", "compliance", "compliance2", "detective", "inspector"]
    with unit_of_work(runtime.session_factory) as session:
        for demo in DEMO_USERS:
            outcome = users.authenticate(
                session, clock=runtime.clock, username=demo.username, password=demo.password
            )
            assert outcome.ok and outcome.user is not None
            assert outcome.user.roles == [demo.role]
        assert users.officer(session, "officer").username == "officer"
        assert {u.username: u.roles for u in session.scalars(select(User))} == {
            "officer": ["dnc-officer"],
            "admin": ["admin"],
            "clerk": ["operator-staff"],
            "regulator": ["regulator"],
            "ca.officer": ["ca-officer"],
            "compliance": ["operator-compliance"],
            "compliance2": ["operator-compliance"],
            "detective": ["le-officer"],
            "inspector": ["le-supervisor"],
        }
        assert users.get_user(session, "clerk").operator_code == "harbour"  # shop staff act for one operator
        # Two compliance officers of one operator: a release needs a second person (vault mode).
        assert {users.get_user(session, u).operator_code for u in ("compliance", "compliance2")} == {"harbour"}
        assert {users.get_user(session, u).agency_code for u in ("detective", "inspector")} == {"hkpf"}


def test_demo_lists_numbers_on_all_three_registers_on_past_dates(runtime: Runtime) -> None:
    summary = _load(runtime)

    expected = [
        (d.number, r.value, TODAY - dt.timedelta(days=d.days_ago))
        for d in demo_listings()
        for r in d.registers
    ]
    assert summary.listings == expected
    assert {register for _, register, _ in expected} == {"fax", "sms", "prerecorded"}
    assert len({day for _, _, day in expected}) == len(demo_listings())  # every listing on a different date
    with unit_of_work(runtime.session_factory) as session:
        for demo in demo_listings():
            day = TODAY - dt.timedelta(days=demo.days_ago)
            status = service.number_status(session, settings=runtime.settings, number=demo.number)[
                "registers"
            ]
            for register in ("fax", "sms", "prerecorded"):
                listed = any(r.value == register for r in demo.registers)
                assert status[register]["listed"] is listed
                if listed:
                    assert status[register]["registered_on"] == day.isoformat()
            # The audit trail says the registration happened on that day, in office hours, through that channel.
            events = audit.history(session, subject_type="number", subject_key=demo.number)
            assert [e.action for e in events] == ["registered"] * len(demo.registers)
            assert {e.occurred_at.astimezone(HK) for e in events} == {
                dt.datetime.combine(day, dt.time(10, 30), HK)
            }
            assert {(e.actor, e.details["channel"]) for e in events} == {("demo", demo.channel.value)}


def test_demo_warnings_make_warning_days_that_push_protection_back(runtime: Runtime) -> None:
    summary = _load(runtime)

    warning_days = {TODAY - dt.timedelta(days=w.days_ago) for w in DEMO_WARNINGS}
    assert {day for _, day in summary.warnings} == warning_days
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(WeatherWarning.kind).order_by(WeatherWarning.starts_at)).all() == [
            "black-rainstorm",
            "gale",
        ]
        calendar = load_calendar(session, runtime.settings)
    assert all(not calendar.is_working_day(day) for day in warning_days)

    recent = min(demo_listings(), key=lambda d: d.days_ago)
    protected_from = dt.date.fromisoformat(
        _status(runtime, recent.number)[recent.registers[0].value]["protected_from"]
    )
    assert protected_from > TODAY  # the newest listing is not protected yet: a useful thing to show


def test_loading_twice_changes_nothing_the_second_time(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    assert _load(runtime).changed
    before = _snapshot(runtime)
    assert (
        before["users"] and before["dnc_listings"] and before["weather_warnings"] and before["audit_events"]
    )

    again = _load(runtime)
    clock.advance(days=3)  # and on another day, when "N days ago" means other dates
    later = _load(runtime)

    assert not again.changed and not later.changed
    assert _snapshot(runtime) == before


def test_loading_fills_in_only_what_is_missing(runtime: Runtime) -> None:
    with unit_of_work(
        runtime.session_factory
    ) as session:  # someone already made an admin with another password
        users.create_user(
            session, clock=runtime.clock, username="admin", password="a private password", roles=["admin"]
        )

    summary = _load(runtime)

    assert summary.users == ["officer", "clerk", "regulator", "ca.officer", "compliance", "compliance2", "detective", "inspector"]
    with unit_of_work(runtime.session_factory) as session:
        assert users.authenticate(
            session, clock=runtime.clock, username="admin", password="a private password"
        ).ok


def test_loading_works_while_the_registers_are_being_updated(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(
        dt.datetime(2026, 3, 2, 23, 30, tzinfo=HK)
    )  # registrations are refused *now*, not on the past dates

    summary = _load(runtime)

    assert len(summary.listings) == sum(len(d.registers) for d in demo_listings())


def test_demo_is_refused_in_production(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})
    with pytest.raises(ProductionGuard, match="TELREG_ENV=production"):
        _load(runtime)
    assert not any(_demo_rows(runtime).values())


def test_cli_demo_load_prints_the_demo_passwords_and_is_idempotent(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("demo", "load")

    assert code == 0
    assert "created user officer" in out and "created user admin" in out
    assert "listed 21234567 on the fax register, registered on 2026-01-01" in out
    for demo in DEMO_USERS:
        assert demo.password in out

    code, out, _ = cli("demo", "load")
    assert code == 0
    assert out.startswith("demo data already loaded; nothing changed")
    assert "created" not in out and "listed " not in out
    assert all(demo.password in out for demo in DEMO_USERS)


def test_cli_demo_load_json_and_as_of(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("demo", "load", "--json", "--as-of", "2025-12-01T09:00")

    assert code == 0
    data = json.loads(out)
    assert data["users"] == ["officer", "admin", "clerk", "regulator", "ca.officer", "compliance", "compliance2", "detective", "inspector"]
    first = data["listings"][0]
    assert first == {"number": "21234567", "register": "fax", "registered_on": "2025-10-02"}  # 60 days before


def test_cli_demo_load_is_refused_in_production(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})

    code, out, err = cli("demo", "load")

    assert code == 1
    assert "cannot be loaded when TELREG_ENV=production" in err
    assert "password" not in out
    assert not any(_demo_rows(runtime).values())
