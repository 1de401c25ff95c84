"""The retention report, the daily job and two workers at once (both databases; the race on PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from sqlalchemy import select

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.job_handlers import load_handlers
from telreg.core.jobs import run_one, run_schedules
from telreg.core.models import Job
from telreg.realname import retention, retention_report
from telreg.realname.retention_jobs import DAILY_JOB
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid

from .helpers import DAYS, erase, erasures, identity_of, make_operator, person, register, terminate, wait_days
from .world import ERASED_ON, TODAY, build_world


def _report(runtime: Runtime, operator: str | None = None) -> dict:  # type: ignore[type-arg]
    with unit_of_work(runtime.session_factory) as session:
        scope = retention_report.operator_id(session, operator) if operator else None
        return retention_report.report(session, clock=runtime.clock, settings=runtime.settings,
                                       date_from=ERASED_ON, date_to=TODAY, operator_id=scope)


def test_the_report_figures(runtime: Runtime) -> None:
    world = build_world(runtime)
    data = _report(runtime)
    assert (data["policy_days"], data["as_of"]) == (DAYS, "2028-03-11T10:00:00+08:00")
    assert data["due"] == {"count": 1, "identities": [
        {"identity_id": world.due, "doc_type": "hkid", "last_ended_at": "2026-03-02T10:00:00+08:00",
         "days_overdue": 10}]}
    assert data["held"]["count"] == 1 and data["held"]["identities"][0]["holds"] == [world.task]
    assert data["held"]["identities"][0]["identity_id"] == world.held
    assert [(r["identity_id"], r["reason"]) for r in data["kept"]["identities"]] == [(world.kept, "certificate")]
    [erased] = data["erased"]["identities"]
    assert (erased["identity_id"], erased["erased_at"], erased["policy_days"], erased["actor"]) == \
        (world.erased, "2028-03-02T10:00:00+08:00", DAYS, "test")
    assert "realname_identities.name_sealed" in erased["fields"]
    # The day before the erasure is outside a period that ends then.
    with unit_of_work(runtime.session_factory) as session:
        earlier = retention_report.report(session, clock=runtime.clock, settings=runtime.settings,
                                          date_from=dt.date(2028, 2, 1), date_to=dt.date(2028, 3, 1))
    assert earlier["erased"]["count"] == 0


def test_an_operator_sees_the_people_it_registered(runtime: Runtime) -> None:
    world = build_world(runtime)
    op2 = _report(runtime, "op2")
    assert [op2[s]["count"] for s in retention_report.SECTIONS] == [0, 0, 0, 1]
    assert op2["erased"]["identities"][0]["identity_id"] == world.erased
    op1 = _report(runtime, "op1")
    assert [op1[s]["count"] for s in retention_report.SECTIONS] == [1, 1, 1, 0]


def test_an_unknown_operator_is_refused_by_name(runtime: Runtime) -> None:
    from telreg.core.errors import NotFound

    with unit_of_work(runtime.session_factory) as session, \
            pytest.raises(NotFound, match="no operator with the code 'op9'"):
        retention_report.operator_id(session, "op9")


def test_the_csv_has_one_line_per_identity(runtime: Runtime) -> None:
    world = build_world(runtime)
    rows = list(csv.DictReader(io.StringIO(retention_report.report_csv(_report(runtime)))))
    assert [(r["section"], int(r["identity_id"])) for r in rows] == [
        ("due", world.due), ("held", world.held), ("kept", world.kept), ("erased", world.erased)]
    assert rows[0]["days_overdue"] == "10" and rows[1]["holds"] == world.task


def test_the_daily_job_is_queued_once_a_day_at_half_past_two_and_erases(runtime: Runtime) -> None:
    make_operator(runtime)
    register(runtime, "51234567")
    terminate(runtime, "51234567")
    holder = identity_of(runtime, "51234567")
    wait_days(runtime, DAYS + 1)  # 2028-03-02 10:00 HK
    load_handlers()
    run_schedules(runtime)
    run_schedules(runtime)  # every worker iteration: still one job for the day
    with unit_of_work(runtime.session_factory) as session:
        [job] = session.scalars(select(Job).where(Job.kind == DAILY_JOB))
        assert job.unique_key == "realname.retention:2028-03-02"
        assert job.run_at.astimezone(HK) == dt.datetime(2028, 3, 2, 2, 30, tzinfo=HK)
    assert run_one(runtime, worker="w1", kinds=[DAILY_JOB]).status == "done"  # type: ignore[union-attr]
    assert erasures(runtime, holder) == 1
    wait_days(runtime, 1)
    run_schedules(runtime)
    with unit_of_work(runtime.session_factory) as session:
        keys = sorted(session.scalars(select(Job.unique_key).where(Job.kind == DAILY_JOB)))
    assert keys == ["realname.retention:2028-03-02", "realname.retention:2028-03-03"]


def test_one_identity_that_fails_does_not_stop_the_run(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    make_operator(runtime)
    register(runtime, "51234567")
    register(runtime, "51234568", person("LEE Siu Ming", "1980-05-05", number=hkid("B", "234567")))
    terminate(runtime, "51234567")
    terminate(runtime, "51234568")
    first, second = identity_of(runtime, "51234567"), identity_of(runtime, "51234568")
    wait_days(runtime, DAYS + 1)
    real = retention._erase_certificates

    def broken(session, *, identity_id, now):  # type: ignore[no-untyped-def]
        if identity_id == first:
            raise RuntimeError("disk on fire")
        return real(session, identity_id=identity_id, now=now)

    monkeypatch.setattr(retention, "_erase_certificates", broken)
    with unit_of_work(runtime.session_factory) as session:
        counts = retention.run(session, runtime=runtime, batch=1)
    assert counts == {"erased": 1, "held": 0, "kept": 0, "failed": 1}
    assert (erasures(runtime, first), erasures(runtime, second)) == (0, 1)
    with unit_of_work(runtime.session_factory) as session:  # the failed one was rolled back whole
        listing = retention.due(session, clock=runtime.clock, settings=runtime.settings)
    assert [c.identity_id for c in listing.due] == [first]


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_workers_erasing_at_once_erase_each_identity_once(runtime: Runtime) -> None:
    make_operator(runtime)
    numbers = [f"5123456{i}" for i in range(4)]
    for i, number in enumerate(numbers):
        register(runtime, number, person(f"CHAN Tai Man {chr(65 + i)}", "1980-05-05",
                                         number=hkid(chr(65 + i), "123456")))
        terminate(runtime, number)
    ids = [identity_of(runtime, number) for number in numbers]
    wait_days(runtime, DAYS + 1)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        try:
            with unit_of_work(runtime.session_factory) as session:
                barrier.wait(timeout=30)
                results.append(retention.run(session, runtime=runtime, batch=2))
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["erased"] for r in results) == len(ids)  # type: ignore[index]
    assert all(erasures(runtime, identity_id) == 1 for identity_id in ids)
    assert sum(r["failed"] for r in results) == 0  # type: ignore[index]
    # And one identity erased by two callers at once: one erases, the other finds it done.
    register(runtime, "51234599", person("HO Wing Sze", "1980-05-05", number=hkid("D", "456789")))
    terminate(runtime, "51234599")
    last = identity_of(runtime, "51234599")
    wait_days(runtime, DAYS + 1)
    outcomes: list[str] = []

    def one() -> None:
        barrier.wait(timeout=30)
        outcomes.append(erase(runtime, last))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already-erased", "erased"] and erasures(runtime, last) == 1
