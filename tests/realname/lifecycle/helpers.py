"""Builders for lifecycle tests: legacy imports, a run on a given day, reading states and events back.

Each helper works in a unit of work of its own (committed), as the CLI and the worker do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.realname import legacy, lifecycle
from telreg.realname.lifecycle_models import DncFeedEntry, LifecycleEvent
from telreg.realname.models import Number
from telreg.realname.policy import Policy
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG


def legacy_csv(*numbers: str, service: str = "prepaid") -> bytes:
    return ("number,service\n" + "".join(f"{n},{service}\n" for n in numbers)).encode()


def import_numbers(runtime: Runtime, *numbers: str, operator: str = "op1", policy: Policy = HONG_KONG,
                   deadline: dt.date | None = None) -> dict[str, Any]:
    with unit_of_work(runtime.session_factory) as session:
        return legacy.import_legacy(session, clock=runtime.clock, policy=policy, operator=operator,
                                    content=legacy_csv(*numbers), filename="legacy.csv", deadline=deadline,
                                    actor="test")


def at(runtime: Runtime, day: dt.date, hour: int = 1) -> None:
    """Set the test clock to HOUR o'clock (Hong Kong time) on DAY: the daily run is at 01:00."""
    runtime.clock.set(dt.datetime.combine(day, dt.time(hour), HK))  # type: ignore[attr-defined]


def run_on(runtime: Runtime, day: dt.date, *, policy: Policy = HONG_KONG) -> dict[str, Any]:
    at(runtime, day)
    with unit_of_work(runtime.session_factory) as session:
        return lifecycle.run(session, clock=runtime.clock, policy=policy, sms=runtime.sms)


def number_row(runtime: Runtime, number: str) -> Number:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Number).where(Number.number == number))
        assert row is not None, number
        session.expunge(row)
        return row


def state(runtime: Runtime, number: str) -> str:
    return number_row(runtime, number).state


def steps_of(runtime: Runtime, number: str) -> list[tuple[str, dt.date]]:
    """The number's recorded steps as (step, due_on), in the order taken."""
    with unit_of_work(runtime.session_factory) as session:
        rows = session.execute(select(LifecycleEvent.step, LifecycleEvent.due_on)
                               .where(LifecycleEvent.number == number).order_by(LifecycleEvent.id))
        return [(step, due_on) for step, due_on in rows]


def feed_entries(runtime: Runtime) -> list[tuple[str, str, dt.date, str, bool]]:
    """Every DNC feed entry as (operator, number, ended_on, reason, delivered)."""
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(DncFeedEntry).order_by(DncFeedEntry.id))
        return [(r.operator_code, r.number, r.ended_on, r.reason, r.delivered_at is not None) for r in rows]
