"""Concurrent registrations, each in its own thread and transaction, on SQLite and PostgreSQL.

The quota is counted by a conditional UPDATE under the counter row's lock, and a number can have one current
registration (partial unique index): however the threads interleave, exactly the quota gets through.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from telreg.core.db import unit_of_work
from telreg.realname.models import Identity, Number, Operator, QuotaCounter, Registration
from telreg.runtime import Runtime

from .helpers import hkid, make_operator, person, request, submit


def _race(actions: list[Callable[[], Any]]) -> list[Any]:
    """Start the actions at the same moment, each in a thread of its own; return what each returned."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as exc:  # noqa: BLE001 - a crash is a result the test must see
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _count(runtime: Runtime, model: type) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_twenty_at_once_for_one_identity_get_exactly_the_quota(runtime: Runtime) -> None:
    make_operator(runtime)
    numbers = [f"5123{i:04d}" for i in range(20)]
    results = _race([lambda n=n: submit(runtime, request(n)) for n in numbers])

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = Counter(r["status"] for r in results)
    assert statuses == {"registered": 10, "refused": 10}  # Hong Kong: 10 prepaid cards per person
    assert {r["code"] for r in results if r["status"] == "refused"} == {"quota_reached"}
    assert sorted(r["quota"]["held"] for r in results if r["status"] == "registered") == list(range(1, 11))
    assert _count(runtime, Registration) == 10 and _count(runtime, Number) == 10
    assert _count(runtime, Identity) == 1
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(QuotaCounter.held)).all() == [10]


@pytest.mark.parametrize("existing", [False, True], ids=["new number", "unregistered number"])
def test_one_number_registered_twice_at_once_goes_to_one_holder(runtime: Runtime, existing: bool) -> None:
    make_operator(runtime)
    if existing:  # a number the operator already has on record, not yet registered (the lifecycle's start)
        with unit_of_work(runtime.session_factory) as session:
            now = runtime.clock.now()
            op = session.scalars(select(Operator)).one()
            session.add(Number(operator_id=op.id, number="51234567", service="prepaid", line="mobile",
                               state="unregistered", legacy=False, created_at=now, state_changed_at=now))
    chan = person("CHAN Tai Man", number=hkid("A", "123456"))
    wong = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))
    results = _race([lambda: submit(runtime, request(holder=chan)),
                     lambda: submit(runtime, request(holder=wong))])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r["status"] for r in results) == ["refused", "registered"]
    assert [r["code"] for r in results if r["status"] == "refused"] == ["number_registered"]
    assert _count(runtime, Registration) == 1 and _count(runtime, Number) == 1
    with unit_of_work(runtime.session_factory) as session:  # the loser's quota was not taken
        assert sorted(session.scalars(select(QuotaCounter.held)).all()) == [1]


def test_the_database_itself_refuses_a_second_current_registration(runtime: Runtime) -> None:
    make_operator(runtime)
    first = submit(runtime, request())
    session = runtime.session_factory()
    try:
        row = session.get(Registration, first["registration_id"])
        assert row is not None
        copy = Registration(**{c.name: getattr(row, c.name) for c in Registration.__table__.columns
                               if c.name != "id"})
        session.add(copy)
        with pytest.raises(IntegrityError):
            session.flush()
    finally:
        session.rollback()
        session.close()
