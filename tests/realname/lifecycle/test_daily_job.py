"""The worker drives the lifecycle from the clock: one daily job at 01:00 Hong Kong time, snapshot first; and
the same run by hand from the CLI. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.job_handlers import load_handlers
from telreg.core.jobs import run_schedules, run_worker
from telreg.core.models import Job
from telreg.realname.lifecycle_jobs import DAILY_JOB
from telreg.realname.lifecycle_models import ComplianceSnapshot
from telreg.runtime import Runtime
from tests.realname.registration.helpers import make_operator

from .helpers import at, import_numbers, state

DEADLINE = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime)
    import_numbers(runtime, "51234500", deadline=DEADLINE)


def _daily_jobs(runtime: Runtime) -> list[tuple[str, dt.datetime, str]]:
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(Job).where(Job.kind == DAILY_JOB).order_by(Job.id))
        return [(job.unique_key or "", job.run_at.astimezone(HK), job.status) for job in rows]


def test_the_daily_job_runs_at_one_and_only_once(runtime: Runtime) -> None:
    load_handlers()  # registers the schedules, as the worker does on start
    at(runtime, DEADLINE, hour=0)
    run_schedules(runtime)
    run_schedules(runtime)  # every worker iteration calls it: still one job for the day
    assert _daily_jobs(runtime) == [("realname.daily:2026-03-10", dt.datetime(2026, 3, 10, 1, 0, tzinfo=HK),
                                     "queued")]
    run_worker(runtime, once=True)  # other contexts' scheduled work may run; ours is not due before 01:00
    assert _daily_jobs(runtime)[0][2] == "queued"
    assert state(runtime, "51234500") == "unregistered"
    at(runtime, DEADLINE, hour=1)
    run_worker(runtime, once=True)
    assert state(runtime, "51234500") == "deactivated"
    assert _daily_jobs(runtime)[0][2] == "done"
    with unit_of_work(runtime.session_factory) as session:
        snapshot = session.scalars(select(ComplianceSnapshot)).one()
        assert (snapshot.day, snapshot.operator_code) == (dt.date(2026, 3, 9), "op1")
        # Taken before the day's run: yesterday the legacy number was still a subscriber's, unregistered.
        assert (snapshot.registered, snapshot.total, snapshot.rate_percent) == (0, 1, 0.0)


def test_the_cli_runs_the_same_lifecycle(cli, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("realname", "lifecycle", "run", "--as-of", "2026-03-09T01:00")
    assert code == 0 and json.loads(out)["steps"]["deactivated"] == 0
    code, out, _ = cli("realname", "lifecycle", "run", "--as-of", "2026-03-10T01:00")
    assert code == 0
    assert json.loads(out) == {"day": "2026-03-10", "notified": 1,
                               "steps": {"deactivated": 1, "quarantine": 0, "released": 0}}
    assert state(runtime, "51234500") == "deactivated"
    code, out, _ = cli("realname", "report", "snapshot", "--day", "2026-03-10", "--as-of", "2026-03-11T01:00")
    assert code == 0 and json.loads(out) == {"day": "2026-03-10", "written": 1}
