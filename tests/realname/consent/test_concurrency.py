"""Two instructions for one holder recorded at once with the same given time (PostgreSQL, two connections): the
second waits for the first (an advisory lock on the holder, controller and purpose), so "the later recorded
wins" is the later committed, and the check and the list agree on it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from telreg.core.db import unit_of_work
from telreg.realname import consent
from telreg.realname.consent_models import Consent
from telreg.runtime import Runtime

from .helpers import CHAN_AT_OP1, CLERK, PURPOSE, holdings, listed, state

WAIT_SECONDS = 30  # a bound on waiting for the other connection, never a timing assertion


def _record(runtime: Runtime, decision: str, at, *, recorded: threading.Event | None = None,  # type: ignore[no-untyped-def]
            release: threading.Event | None = None, errors: list[BaseException]) -> None:
    try:
        with unit_of_work(runtime.session_factory) as session:
            consent.record(session, clock=runtime.clock, settings=runtime.settings, user=CLERK, number=CHAN_AT_OP1,
                           purpose=PURPOSE, decision=decision, channel="counter", given_at=at)
            if recorded is not None:
                recorded.set()
            if release is not None:
                assert release.wait(WAIT_SECONDS), "the second instruction never queued behind the first"
    except BaseException as exc:  # noqa: BLE001 - reported by the test thread
        errors.append(exc)
        if recorded is not None:
            recorded.set()


def _someone_waits_on_an_advisory_lock(runtime: Runtime) -> bool:
    with runtime.engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                     "AND wait_event = 'advisory' AND datname = current_database()")))


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("first, second", [("granted", "withdrawn"), ("withdrawn", "granted")])
def test_the_later_recorded_of_two_at_once_wins_and_check_agrees_with_the_list(runtime: Runtime, first: str,
                                                                                second: str) -> None:
    holdings(runtime)
    runtime.clock.advance(days=1)
    at = runtime.clock.now()
    errors: list[BaseException] = []
    recorded, release = threading.Event(), threading.Event()
    one = threading.Thread(target=_record, args=(runtime, first, at),
                           kwargs={"recorded": recorded, "release": release, "errors": errors})
    two = threading.Thread(target=_record, args=(runtime, second, at), kwargs={"errors": errors})
    one.start()
    assert recorded.wait(WAIT_SECONDS) and not errors, errors
    two.start()  # it records while the first transaction is still open
    deadline = time.monotonic() + WAIT_SECONDS
    while not _someone_waits_on_an_advisory_lock(runtime):
        assert time.monotonic() < deadline, "the second instruction did not wait for the first"
        time.sleep(0.02)
    release.set()
    one.join(WAIT_SECONDS)
    two.join(WAIT_SECONDS)
    assert not errors, errors
    with unit_of_work(runtime.session_factory) as session:
        decisions = [row.decision for row in session.scalars(select(Consent).order_by(Consent.id))]
    assert decisions == [first, second]  # the one that waited was recorded after
    assert state(runtime, CHAN_AT_OP1).decision == second
    assert (CHAN_AT_OP1 in listed(runtime)) is (second == "granted")
