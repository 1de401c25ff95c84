"""Two people acting at once on PostgreSQL: two approvals, two releases, two downloads — exactly one wins each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError
from telreg.lawful import service
from telreg.lawful.errors import ResultUnavailable, StepConflict
from telreg.lawful.models import Decision, Result
from telreg.runtime import Runtime
from tests.lawful.helpers import (
    as_user,
    document,
    lawful_world,
    make_staff,
    message,
    register_number,
    send,
    task,
    warrant,
)

POSTGRES_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each outcome is its return value or the error it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            outcomes[index] = call()
        except DomainError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _filed(runtime: Runtime) -> str:
    lawful_world(runtime)
    make_staff(runtime, "op1.compliance3", "operator-compliance", operator="op1")
    register_number(runtime, "91234567")
    auth = warrant()
    ask = task(auth, "85291234567")
    send(runtime, "le.officer", message(runtime, auth, document(auth), ask))
    return ask.object_identifier


def _approve(runtime: Runtime, who: str, task_id: str) -> Callable[[], Any]:
    return lambda: as_user(runtime, who, service.approve, runtime=runtime, task_object_id=task_id, reason="checked")


def _release(runtime: Runtime, who: str, task_id: str) -> Callable[[], Any]:
    return lambda: as_user(runtime, who, service.release, runtime=runtime, task_object_id=task_id)


def _steps(runtime: Runtime, step: str) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(Decision).where(Decision.step == step)))


@POSTGRES_ONLY
def test_two_officers_approving_at_once_one_wins(runtime):
    task_id = _filed(runtime)
    outcomes = _at_once(_approve(runtime, "op1.compliance1", task_id), _approve(runtime, "op1.compliance2", task_id))
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "StepConflict"]
    assert _steps(runtime, "approve") == 1


@POSTGRES_ONLY
def test_two_officers_releasing_at_once_one_wins_and_one_result_is_built(runtime):
    task_id = _filed(runtime)
    _approve(runtime, "op1.compliance1", task_id)()
    outcomes = _at_once(_release(runtime, "op1.compliance2", task_id), _release(runtime, "op1.compliance3", task_id))
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "StepConflict"]
    assert isinstance(next(o for o in outcomes if o is not None), StepConflict)
    assert _steps(runtime, "release") == 1
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Result)) == 1


@POSTGRES_ONLY
def test_two_downloads_at_once_one_gets_the_result(runtime):
    task_id = _filed(runtime)
    _approve(runtime, "op1.compliance1", task_id)()
    _release(runtime, "op1.compliance2", task_id)()

    def download() -> Any:
        return as_user(runtime, "le.officer", service.download_result, runtime=runtime, task_object_id=task_id)

    outcomes = _at_once(download, download)
    won = [o for o in outcomes if not isinstance(o, DomainError)]
    lost = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(won) == 1 and won[0].content.startswith(b"PK")
    assert len(lost) == 1 and isinstance(lost[0], ResultUnavailable) and "downloaded already" in lost[0].message
