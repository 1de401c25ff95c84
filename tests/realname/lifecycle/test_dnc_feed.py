"""Terminations, deactivations and transfers reach the do-not-call registers through the outbox and the worker (seed 004
Q4.4: the registers drop numbers whose service ended; a reassigned number must be registered again). The
registers accept no change from 23:00 to midnight: the delivery waits. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.jobs import run_worker
from telreg.core.models import Job
from telreg.dnc.models import Listing, TerminationImport
from telreg.dnc.service import register_number
from telreg.dnc.vocabulary import Channel, Register, Verification
from telreg.realname import changes
from telreg.realname.feeds import FEED_JOB
from telreg.runtime import Runtime
from tests.realname.registration.helpers import (
    HONG_KONG,
    hkid,
    make_operator,
    person,
    request,
    submit,
    submit_transfer,
)

from .helpers import at, feed_entries, import_numbers, run_on

NUMBER = "51234567"


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime)


def _list(runtime: Runtime, number: str = NUMBER) -> None:
    with unit_of_work(runtime.session_factory) as session:
        register_number(session, clock=runtime.clock, settings=runtime.settings, number=number,
                        registers=[Register.sms, Register.fax], channel=Channel.caller_id,
                        verification=Verification.caller_id, actor="test")


def _listed(runtime: Runtime, number: str = NUMBER) -> list[str]:
    with unit_of_work(runtime.session_factory) as session:
        return sorted(session.scalars(select(Listing.register).where(Listing.number == number)))


def _register_and_terminate(runtime: Runtime) -> None:
    assert submit(runtime, request(NUMBER, person(number=hkid("A", "123456"))))["status"] == "registered"
    with unit_of_work(runtime.session_factory) as session:
        changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=HONG_KONG,
                          operator="op1", number=NUMBER, actor="test")


def _feed_jobs(runtime: Runtime) -> list[tuple[str, int, dt.datetime]]:
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(Job).where(Job.kind == FEED_JOB).order_by(Job.id))
        return [(job.status, job.attempts, job.run_at) for job in rows]


def test_a_terminated_number_leaves_the_registers_when_the_job_runs(runtime: Runtime) -> None:
    _list(runtime)
    _register_and_terminate(runtime)
    assert _listed(runtime) == ["fax", "sms"]  # the outbox waits for the worker
    assert feed_entries(runtime) == [("op1", NUMBER, dt.date(2026, 3, 2), "terminated", False)]
    # Two jobs: the feed, and the e-Cert hook told that the holder's last registration ended (ecert/identity_jobs)
    assert run_worker(runtime, once=True) == 2
    assert _listed(runtime) == []
    assert feed_entries(runtime)[0][-1] is True
    with unit_of_work(runtime.session_factory) as session:
        run = session.scalars(select(TerminationImport)).one()
        assert (run.operator, run.numbers, run.removed, run.status) == ("op1", 1, 2, "applied")
    assert run_worker(runtime, once=True) == 0  # nothing left to deliver


def test_during_the_update_window_the_delivery_waits_without_using_an_attempt(runtime: Runtime) -> None:
    _list(runtime)
    at(runtime, dt.date(2026, 3, 2), hour=23)
    runtime.clock.advance(minutes=30)  # type: ignore[attr-defined]
    _register_and_terminate(runtime)
    run_worker(runtime, once=True)
    assert _listed(runtime) == ["fax", "sms"]
    [(status, attempts, run_at)] = _feed_jobs(runtime)
    assert (status, attempts) == ("queued", 0)
    assert run_at.astimezone(HK) >= dt.datetime(2026, 3, 3, 0, 0, tzinfo=HK)  # after the window closes
    at(runtime, dt.date(2026, 3, 3), hour=0)
    runtime.clock.advance(minutes=5)  # type: ignore[attr-defined]
    run_worker(runtime, once=True)
    assert _listed(runtime) == []
    assert _feed_jobs(runtime)[0][0] == "done"


def test_a_deactivated_legacy_number_leaves_the_registers(runtime: Runtime) -> None:
    import_numbers(runtime, "61234567", deadline=dt.date(2026, 3, 10))
    _list(runtime, "61234567")
    run_on(runtime, dt.date(2026, 3, 10))  # Hong Kong: deactivated on the deadline
    at(runtime, dt.date(2026, 3, 10), hour=9)
    run_worker(runtime, once=True)
    assert _listed(runtime, "61234567") == []
    assert feed_entries(runtime) == [("op1", "61234567", dt.date(2026, 3, 10), "deactivated", True)]


def test_a_late_delivery_spares_the_new_holders_listing(runtime: Runtime) -> None:
    _register_and_terminate(runtime)  # 2 March; the worker is down
    at(runtime, dt.date(2026, 3, 4), hour=10)
    _list(runtime)  # the number's next user lists it on the 4th
    run_worker(runtime, once=True)
    assert _listed(runtime) == ["fax", "sms"]


def test_a_transferred_number_leaves_the_registers_its_previous_user_put_it_on(runtime: Runtime) -> None:
    # Seed 004 Q4.3: a number needs no new registration only when its registered user is unchanged.
    _list(runtime)
    assert submit(runtime, request(NUMBER, person(number=hkid("A", "123456"))))["status"] == "registered"
    new_holder = person("WONG Siu Ming", number=hkid("B", "654321"))
    moved = submit_transfer(runtime, {"operator": "op1", "number": NUMBER, "holder": new_holder})
    assert moved["status"] == "transferred"
    assert feed_entries(runtime) == [("op1", NUMBER, dt.date(2026, 3, 2), "transferred", False)]
    assert run_worker(runtime, once=True) == 1
    assert _listed(runtime) == []
