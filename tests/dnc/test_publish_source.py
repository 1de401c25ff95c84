"""The one-scan reader of the registers equals the reader it replaced, on both databases, at every cut-off.

Histories are random (seeded): registrations on one or several registers, deregistrations, terminated numbers,
numbers removed and registered again, rows written without an audit event (imports, demonstrations; some dated
after the cut-off). Each is read at every day's close and at moments inside the days, so most reads are past
cut-offs that take events back.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from sqlalchemy import text

from telreg.core.db import unit_of_work
from telreg.dnc.publish.source import SourceError, register_state, registers_state
from telreg.dnc.vocabulary import Register

from . import publish_reference
from .publish_helpers import at, deregister, register, terminate

MON = dt.date(2026, 3, 2)
DAYS = [MON + dt.timedelta(days=i) for i in range(4)]
POOL = [f"{first}{rest:07d}" for first in (2, 3, 5, 6, 9) for rest in (1234567, 7654321, 1000003)]


def _insert_raw(runtime, number: str, reg: Register, on: dt.date) -> None:
    """A listing row written without an audit event, as an import or the demonstration data would."""
    with unit_of_work(runtime.session_factory) as session:
        session.execute(text(
            "INSERT INTO dnc_listings (number, register, registered_at, registration_date, channel, verification) "
            "VALUES (:number, :register, :at, :on, 'caller-id', 'caller-id')"),
            {"number": number, "register": reg.value, "at": dt.datetime.combine(on, dt.time(2)), "on": on})


def _random_history(runtime, clock, rng: random.Random) -> None:
    listed: dict[str, set[Register]] = {}
    for day in DAYS:
        for hour in (9, 12, 15, 22):
            clock.set(at(day, hour, rng.randrange(60)))
            number = rng.choice(POOL)
            registers = set(rng.sample(list(Register), rng.randint(1, 3)))
            mine = listed.setdefault(number, set())
            action = rng.random()
            if action < 0.5 or not mine:
                register(runtime, number, *registers)
                mine |= registers
            elif action < 0.8:
                gone = sorted(mine & registers or mine, key=lambda r: r.value)
                deregister(runtime, number, *gone)
                mine -= set(gone)
            elif action < 0.9:
                terminate(runtime, number, day)
                mine.clear()
            else:
                free = [n for n in POOL if n not in listed]
                if free:
                    raw = free[0]
                    listed[raw] = {Register.fax}
                    _insert_raw(runtime, raw, Register.fax, day + dt.timedelta(days=rng.choice([-400, 0, 1])))


def _cutoffs() -> list[tuple[dt.date, dt.datetime]]:
    moments = []
    for day in DAYS:
        for hour, minute in ((0, 0), (11, 30), (16, 0), (23, 0)):
            moments.append((day, at(day, hour, minute)))
    return moments


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_one_scan_reader_equals_the_old_reader_at_every_cut_off(runtime, clock, seed):
    _random_history(runtime, clock, random.Random(seed))
    clock.set(at(DAYS[-1] + dt.timedelta(days=1), 8))
    with unit_of_work(runtime.read_session_factory) as session:
        for day, cutoff in _cutoffs():
            state = registers_state(session, day=day, cutoff=cutoff)
            assert set(state) == set(Register)
            for reg in Register:
                old_n, old_d = publish_reference.register_state(session, register=reg, day=day, cutoff=cutoff)
                new_n, new_d = state[reg]
                assert new_n.tolist() == old_n.tolist(), (reg, cutoff)
                assert new_d.tolist() == old_d.tolist(), (reg, cutoff)
                one_n, one_d = register_state(session, register=reg, day=day, cutoff=cutoff)
                assert one_n.tolist() == new_n.tolist() and one_d.tolist() == new_d.tolist()
        listed_somewhere = sum(len(state[r][0]) for r in Register)
        assert listed_somewhere > 0  # the history left something to compare


def test_a_large_register_crosses_in_one_value_and_is_sorted(runtime):
    rng = np.random.default_rng(5)
    numbers = rng.choice(np.arange(20_000_000, 99_999_999), 30_000, replace=False)
    days = rng.integers(0, 6000, len(numbers))
    registers = [list(Register)[i] for i in rng.integers(0, 3, len(numbers))]
    rows = [{"number": f"{n:08d}", "register": r.value, "at": dt.datetime(2009, 1, 1),
             "on": dt.date(2009, 1, 1) + dt.timedelta(days=int(d))} for n, d, r in zip(numbers, days, registers)]
    with unit_of_work(runtime.session_factory) as session:
        session.execute(text(
            "INSERT INTO dnc_listings (number, register, registered_at, registration_date, channel, verification) "
            "VALUES (:number, :register, :at, :on, 'caller-id', 'caller-id')"), rows)
    day, cutoff = dt.date(2026, 3, 2), at(dt.date(2026, 3, 2), 23)
    with unit_of_work(runtime.read_session_factory) as session:
        state = registers_state(session, day=day, cutoff=cutoff)
        # PostgreSQL scans page ranges on several connections at once in the session's snapshot (SQLite: one scan)
        for parts in (2, 3):
            split = registers_state(session, day=day, cutoff=cutoff, parts=parts, split_above_pages=0)
            assert all(split[r][0].tolist() == state[r][0].tolist() and split[r][1].tolist() == state[r][1].tolist()
                       for r in Register)
    for reg in Register:
        expected = sorted((int(row["number"]), int(row["on"].strftime("%Y%m%d"))) for row in rows
                          if row["register"] == reg.value)
        got_n, got_d = state[reg]
        assert list(zip(got_n.tolist(), got_d.tolist(), strict=True)) == expected


def test_an_empty_database_reads_as_empty_registers(runtime):
    with unit_of_work(runtime.read_session_factory) as session:
        state = registers_state(session, day=MON, cutoff=at(MON, 23))
    assert {r: (len(n), len(d)) for r, (n, d) in state.items()} == {r: (0, 0) for r in Register}


def test_a_listing_that_is_not_eight_digits_is_refused_by_name(runtime):
    _insert_raw(runtime, "6123456X", Register.sms, MON)
    with unit_of_work(runtime.read_session_factory) as session, pytest.raises(SourceError, match="6123456X"):
        registers_state(session, day=MON, cutoff=at(MON, 23))


def test_a_removal_that_does_not_say_when_the_number_was_registered_is_refused(runtime, clock):
    clock.set(at(MON, 10))
    register(runtime, "61234567", Register.sms)
    with unit_of_work(runtime.session_factory) as session:
        session.execute(text(
            "INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_key, register, details) "
            "VALUES (:at, 'channel:ivr', 'deregistered', 'number', '61234567', 'sms', '{}')"),
            {"at": dt.datetime(2026, 3, 3, 2)})
    with unit_of_work(runtime.read_session_factory) as session, \
            pytest.raises(SourceError, match="61234567.*does not say when"):
        registers_state(session, day=MON, cutoff=at(MON, 23))
