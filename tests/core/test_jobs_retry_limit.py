"""Jobs that never finish still end: counted retries and abandoned leases use up the job's attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.core.models import Job
from telreg.runtime import Runtime


@jobs.handler("test.always-busy")
def _always_busy(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    raise jobs.RetryLater(runtime.clock.now() + dt.timedelta(minutes=15), "line busy",
                          counts_as_attempt=payload["counts"])


def _enqueue(runtime: Runtime, *, counts: bool, max_attempts: int) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return jobs.enqueue(session, clock=runtime.clock, kind="test.always-busy", payload={"counts": counts},
                            max_attempts=max_attempts).id


def _job(runtime: Runtime, job_id: int) -> Job:
    with unit_of_work(runtime.session_factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_handler_retrying_later_for_ever_fails_after_max_attempts(runtime: Runtime, clock: FixedClock) -> None:
    job_id = _enqueue(runtime, counts=True, max_attempts=3)
    statuses = []
    for _ in range(6):  # more turns than attempts: the loop must stop being offered the job
        result = jobs.run_one(runtime, worker="w1")
        statuses.append(None if result is None else result.status)
        clock.advance(minutes=15)
    assert statuses == ["rescheduled", "rescheduled", "failed", None, None, None]
    job = _job(runtime, job_id)
    assert (job.status, job.attempts, job.last_error, job.locked_by) == ("failed", 3, "line busy", None)
    assert job.finished_at == clock.now() - dt.timedelta(minutes=4 * 15)


def test_uncounted_waits_never_exhaust_the_job(runtime: Runtime, clock: FixedClock) -> None:
    spared = _enqueue(runtime, counts=False, max_attempts=1)
    for _ in range(3):
        assert jobs.run_one(runtime, worker="w1").status == "rescheduled"  # type: ignore[union-attr]
        clock.advance(minutes=15)
    job = _job(runtime, spared)
    assert (job.status, job.attempts) == ("queued", 0)


def test_a_job_that_takes_its_worker_down_every_time_fails_after_max_attempts(
    runtime: Runtime, clock: FixedClock
) -> None:
    job_id = _enqueue(runtime, counts=True, max_attempts=2)
    for dead in ("dead-1", "dead-2"):  # each claim's worker dies before finishing
        with unit_of_work(runtime.session_factory) as session:
            claimed = jobs.claim_next(session, clock=clock, worker=dead)
            assert claimed is not None and claimed.id == job_id
        clock.advance(seconds=jobs.LEASE.total_seconds() + 1)
    assert jobs.run_one(runtime, worker="w3") is None  # not offered a third time
    job = _job(runtime, job_id)
    assert (job.status, job.attempts, job.locked_by, job.finished_at) == ("failed", 2, None, clock.now())
    assert job.last_error == "attempt 2 of 2 was abandoned by its worker (dead-2)"
