"""An operator's compliance queues: counts per state and paged lists, holders masked where registered.
States are set directly (the lifecycle that moves numbers is tested on its own). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.realname import queues
from telreg.realname.errors import OperatorNotFound
from telreg.realname.models import Number, Operator
from telreg.runtime import Runtime

from .helpers import ZHANG_AT_CMCC, holdings


def add_number(runtime: Runtime, number: str, state: str, *, operator: str = "cmcc",
               deadline: dt.date | None = None, legacy: bool = True, minutes_ago: int = 0) -> None:
    now = runtime.clock.now()
    with unit_of_work(runtime.session_factory) as session:
        operator_id = session.scalar(select(Operator.id).where(Operator.code == operator))
        session.add(Number(operator_id=operator_id, number=number, service="prepaid", line="mobile",
                           state=state, deadline=deadline, legacy=legacy, created_at=now,
                           state_changed_at=now - dt.timedelta(minutes=minutes_ago)))


def _queues(runtime: Runtime, **kwargs: object) -> dict:
    with unit_of_work(runtime.session_factory) as session:
        return queues.queues(session, vault=runtime.vault, operator_code="cmcc",
                             **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _numbers(runtime: Runtime) -> None:
    holdings(runtime)
    add_number(runtime, "13500135002", "unregistered", deadline=dt.date(2026, 5, 1))
    add_number(runtime, "13500135001", "unregistered", deadline=dt.date(2026, 4, 1))
    add_number(runtime, "13500135000", "unregistered", legacy=False)  # new, never registered: no deadline
    add_number(runtime, "13500135100", "suspended", minutes_ago=5)
    add_number(runtime, "13500135101", "suspended", minutes_ago=50)
    add_number(runtime, "13500135200", "quarantine")
    add_number(runtime, "13300133000", "suspended", operator="ctcc")  # another operator's: not counted


def test_counts_per_state_for_one_operator(runtime: Runtime) -> None:
    seen = _queues(runtime)
    assert seen["counts"] == {"unregistered": 3, "outgoing_barred": 0, "suspended": 2, "deactivated": 0,
                              "quarantine": 1}


def test_unregistered_numbers_by_nearest_deadline_then_paged(runtime: Runtime) -> None:
    first = _queues(runtime, per_page=2)
    assert [r["number"] for r in first["rows"]] == ["13500135001", "13500135002"]
    assert [r["deadline"] for r in first["rows"]] == ["2026-04-01", "2026-05-01"]
    assert (first["page"], first["pages"], first["total"]) == (1, 2, 3)
    second = _queues(runtime, per_page=2, page=2)
    assert [(r["number"], r["deadline"], r["legacy"]) for r in second["rows"]] == [
        ("13500135000", None, False)]
    assert _queues(runtime, per_page=2, page=99)["page"] == 2  # past the end: the last page


def test_other_states_longest_waiting_first(runtime: Runtime) -> None:
    seen = _queues(runtime, state="suspended")
    assert [r["number"] for r in seen["rows"]] == ["13500135101", "13500135100"]
    assert all(r["holder"] is None for r in seen["rows"])


def test_a_registered_number_in_a_queue_shows_its_holder_masked(runtime: Runtime) -> None:
    # A registered number barred by the operator (set directly): its holder is shown, masked.
    with unit_of_work(runtime.session_factory) as session:
        session.execute(update(Number).where(Number.number == ZHANG_AT_CMCC[0])
                        .values(state="outgoing_barred"))
    seen = _queues(runtime, state="outgoing_barred")
    assert [(r["number"], r["holder"]["name"]) for r in seen["rows"]] == [(ZHANG_AT_CMCC[0], "张*")]
    assert seen["rows"][0]["holder"]["document"]["number"].startswith("110105***")


def test_unknown_state_or_operator_is_refused(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput):
        _queues(runtime, state="active")
    with unit_of_work(runtime.session_factory) as session, pytest.raises(OperatorNotFound):
        queues.queues(session, vault=runtime.vault, operator_code="nope")
