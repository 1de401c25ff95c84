"""The job queue on both backends: atomic completion, retries, dedupe, leases, and exactly-once under concurrency."""

from __future__ import annotations

import collections
import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from telreg.core import audit, jobs
from telreg.core.db import make_engine, unit_of_work
from telreg.core.models import AuditEvent, Job
from telreg.runtime import Runtime, build_runtime

REPO = Path(__file__).resolve().parents[2]
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # due for any clock, including a subprocess's real one


def _mark(session: Session, runtime: Runtime, payload: dict[str, Any], *, actor: str = "test-job") -> None:
    audit.record(
        session,
        clock=runtime.clock,
        actor=actor,
        action="ran",
        subject_type="test-job",
        subject_key=str(payload["n"]),
    )


@jobs.handler("test.mark")
def _mark_handler(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    _mark(session, runtime, payload, actor=f"pid:{os.getpid()}")


@jobs.handler("test.explode")
def _explode(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    _mark(session, runtime, payload)
    raise RuntimeError("the handler broke after writing")


@jobs.handler("test.busy")
def _busy(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    _mark(session, runtime, payload)
    raise jobs.RetryLater(
        runtime.clock.now() + dt.timedelta(minutes=15),
        "line busy",
        counts_as_attempt=payload.get("counts", True),
    )


@jobs.handler("test.stolen")
def _stolen(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    # Another worker takes the lease over while this one is still working (as if our lease had expired).
    with unit_of_work(runtime.session_factory) as other:
        other.execute(update(Job).where(Job.id == payload["job_id"]).values(locked_by="someone-else"))
    _mark(session, runtime, payload)


def _marks(session: Session) -> collections.Counter[str]:
    keys = session.scalars(select(AuditEvent.subject_key).where(AuditEvent.subject_type == "test-job"))
    return collections.Counter(keys)


def _enqueue(runtime: Runtime, **kwargs: Any) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return jobs.enqueue(session, clock=runtime.clock, **kwargs).id


def _job(runtime: Runtime, job_id: int) -> Job:
    with unit_of_work(runtime.session_factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_run_one_runs_the_handler_and_commits_its_writes_with_done(runtime: Runtime) -> None:
    job_id = _enqueue(runtime, kind="test.mark", payload={"n": 1})

    result = jobs.run_one(runtime, worker="w1")

    assert result == jobs.RunResult(job_id, "test.mark", "done")
    job = _job(runtime, job_id)
    assert (job.status, job.attempts, job.locked_by, job.locked_until) == ("done", 1, None, None)
    assert job.finished_at == runtime.clock.now()
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {"1": 1}
    assert jobs.run_one(runtime, worker="w1") is None  # nothing else is due


def test_a_handler_that_raises_leaves_none_of_its_writes(runtime: Runtime) -> None:
    job_id = _enqueue(runtime, kind="test.explode", payload={"n": 7})

    result = jobs.run_one(runtime, worker="w1")

    assert result is not None and result.status == "retry"
    assert "the handler broke" in (result.error or "")
    job = _job(runtime, job_id)
    assert job.status == "queued" and job.attempts == 1
    assert "RuntimeError: the handler broke after writing" in (job.last_error or "")
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {}


def test_completion_is_in_the_handlers_transaction_so_a_lost_lease_discards_the_work(
    runtime: Runtime,
) -> None:
    job_id = _enqueue(runtime, kind="test.stolen", payload={"n": 3})
    with unit_of_work(runtime.session_factory) as session:
        session.get(Job, job_id).payload = {"n": 3, "job_id": job_id}  # type: ignore[union-attr]

    result = jobs.run_one(runtime, worker="w1")

    assert result is not None and result.status == "lost"
    job = _job(runtime, job_id)
    assert (job.status, job.locked_by) == ("running", "someone-else")  # the new owner decides the outcome
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {}


def test_failures_retry_with_growing_backoff_then_fail(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    job_id = _enqueue(runtime, kind="test.explode", payload={"n": 1}, max_attempts=3)
    start = clock.now()

    assert jobs.run_one(runtime, worker="w1").status == "retry"  # type: ignore[union-attr]
    assert _job(runtime, job_id).run_at == start + dt.timedelta(seconds=30)
    assert jobs.run_one(runtime, worker="w1") is None  # not due before the backoff has passed

    clock.advance(seconds=30)
    assert jobs.run_one(runtime, worker="w1").status == "retry"  # type: ignore[union-attr]
    assert _job(runtime, job_id).run_at == clock.now() + dt.timedelta(seconds=60)

    clock.advance(seconds=60)
    assert jobs.run_one(runtime, worker="w1").status == "failed"  # type: ignore[union-attr]
    job = _job(runtime, job_id)
    assert (job.status, job.attempts, job.finished_at) == ("failed", 3, clock.now())

    clock.advance(days=1)
    assert jobs.run_one(runtime, worker="w1") is None  # a failed job stays failed


def test_retry_later_reschedules_and_may_spare_the_attempt(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    counted = _enqueue(runtime, kind="test.busy", payload={"n": 1, "counts": True})
    spared = _enqueue(runtime, kind="test.busy", payload={"n": 2, "counts": False})

    first, second = jobs.run_one(runtime, worker="w1"), jobs.run_one(runtime, worker="w1")

    assert [(r.job_id, r.status, r.error) for r in (first, second)] == [  # type: ignore[union-attr]
        (counted, "rescheduled", "line busy"),
        (spared, "rescheduled", "line busy"),
    ]
    for job_id, attempts in ((counted, 1), (spared, 0)):
        job = _job(runtime, job_id)
        assert (job.status, job.attempts, job.locked_by) == ("queued", attempts, None)
        assert job.run_at == clock.now() + dt.timedelta(minutes=15)
        assert job.last_error == "line busy"
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {}  # RetryLater also rolls the handler's writes back
    assert jobs.run_one(runtime, worker="w1") is None
    clock.advance(minutes=15)
    assert jobs.run_one(runtime, worker="w1").job_id == counted  # type: ignore[union-attr]


def test_retry_later_without_attempts_never_exhausts_the_job(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    job_id = _enqueue(runtime, kind="test.busy", payload={"n": 1, "counts": False}, max_attempts=2)
    for _ in range(4):
        assert jobs.run_one(runtime, worker="w1").status == "rescheduled"  # type: ignore[union-attr]
        clock.advance(minutes=15)
    assert _job(runtime, job_id).status == "queued"


def test_unique_key_dedupes(runtime: Runtime) -> None:
    first = _enqueue(runtime, kind="test.mark", payload={"n": 1}, unique_key="callback:21234567")
    again = _enqueue(runtime, kind="test.mark", payload={"n": 2}, unique_key="callback:21234567")
    other = _enqueue(runtime, kind="test.mark", payload={"n": 3}, unique_key="callback:31234567")

    assert again == first and other != first
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 2
        assert session.get(Job, first).payload == {"n": 1}  # type: ignore[union-attr]
        # Twice in one transaction too: the second call finds the first's flushed row.
        a = jobs.enqueue(session, clock=runtime.clock, kind="test.mark", payload={"n": 4}, unique_key="k")
        b = jobs.enqueue(session, clock=runtime.clock, kind="test.mark", payload={"n": 5}, unique_key="k")
        assert a.id == b.id


def test_kinds_filter_claims_only_those_kinds(runtime: Runtime) -> None:
    _enqueue(runtime, kind="test.explode", payload={"n": 1})
    wanted = _enqueue(runtime, kind="test.mark", payload={"n": 2})

    assert jobs.run_one(runtime, worker="w1", kinds=["test.mark"]).job_id == wanted  # type: ignore[union-attr]
    assert jobs.run_one(runtime, worker="w1", kinds=["test.mark"]) is None


def test_an_unknown_kind_fails_instead_of_killing_the_worker(runtime: Runtime) -> None:
    job_id = _enqueue(runtime, kind="test.nobody-handles-this", payload={}, max_attempts=1)

    result = jobs.run_one(runtime, worker="w1")

    assert result is not None and result.status == "failed"
    assert "no handler for job kind" in (_job(runtime, job_id).last_error or "")


def test_an_abandoned_lease_is_picked_up_again(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    job_id = _enqueue(runtime, kind="test.mark", payload={"n": 1})
    with unit_of_work(runtime.session_factory) as session:  # a worker claims it, then dies
        claimed = jobs.claim_next(session, clock=clock, worker="dead-worker")
        assert claimed is not None and claimed.id == job_id
    assert jobs.run_one(runtime, worker="w2") is None  # the lease still holds

    clock.advance(seconds=jobs.LEASE.total_seconds() + 1)
    result = jobs.run_one(runtime, worker="w2")

    assert result == jobs.RunResult(job_id, "test.mark", "done")
    job = _job(runtime, job_id)
    assert (job.status, job.attempts) == ("done", 2)
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {"1": 1}


def test_release_stale_requeues_expired_leases_and_pending_lists_open_work(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    stale = _enqueue(runtime, kind="test.mark", payload={"n": 1})
    fresh = _enqueue(runtime, kind="test.mark", payload={"n": 2}, run_at=clock.now() + dt.timedelta(hours=1))
    with unit_of_work(runtime.session_factory) as session:
        jobs.claim_next(session, clock=clock, worker="dead-worker")
    clock.advance(seconds=jobs.LEASE.total_seconds() + 1)
    with unit_of_work(runtime.session_factory) as session:
        assert jobs.release_stale(session, clock=clock) == 1
    with unit_of_work(runtime.session_factory) as session:
        assert [(j.id, j.status, j.locked_by) for j in jobs.pending(session)] == [
            (stale, "queued", None),
            (fresh, "queued", None),
        ]
        assert jobs.pending(session, kind="test.other") == []


def test_two_worker_threads_never_run_the_same_job_twice(runtime: Runtime, settings, clock) -> None:  # type: ignore[no-untyped-def]
    total = 200
    with unit_of_work(runtime.session_factory) as session:
        for n in range(total):
            jobs.enqueue(session, clock=clock, kind="test.concurrent", payload={"n": n})
    calls: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()
    together = threading.Barrier(2, timeout=30)
    local = threading.local()

    @jobs.handler("test.concurrent")
    def _concurrent(session: Session, rt: Runtime, payload: dict[str, Any]) -> None:
        if not getattr(local, "met", False):
            # Each worker holds its first job until the other holds one too: two jobs really are in flight
            # at the same moment (the barrier breaks, failing the test, if the other worker never gets one).
            local.met = True
            together.wait()
        with lock:
            calls[payload["n"]] += 1
        _mark(session, rt, payload)

    ran: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        engine = make_engine(
            settings.database_url
        )  # its own engine and connection pool, like another process
        try:
            rt = build_runtime(
                settings, clock=clock, engine=engine, telephony=runtime.telephony, fax=runtime.fax
            )
            ran[name] = jobs.run_worker(rt, once=True, worker=name)
        except BaseException as exc:  # noqa: BLE001 -- surfaced in the main thread below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(f"worker-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert all(not thread.is_alive() for thread in threads)

    assert sum(ran.values()) == total and all(count > 0 for count in ran.values())
    assert calls == {n: 1 for n in range(total)}
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {str(n): 1 for n in range(total)}
        statuses = session.execute(
            select(Job.status, Job.attempts, func.count()).group_by(Job.status, Job.attempts)
        )
        assert list(statuses) == [("done", 1, total)]


def test_two_worker_processes_never_run_the_same_job_twice(runtime: Runtime, settings) -> None:  # type: ignore[no-untyped-def]
    total = 200
    with unit_of_work(runtime.session_factory) as session:
        for n in range(total):
            jobs.enqueue(session, clock=runtime.clock, kind="test.mark", payload={"n": n}, run_at=LONG_AGO)
    env = {
        **os.environ,
        "TELREG_DATABASE_URL": settings.database_url,
        "TELREG_ENV": "test",
        "TELREG_TELEPHONY_ADAPTER": "fake",
        "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}",
    }
    # `telreg worker --once`, with this module imported first so the subprocess knows the test handlers.
    script = "import sys, tests.core.test_jobs; from telreg.cli import main; sys.argv = ['telreg', 'worker', '--once']; main()"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            cwd=REPO,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=180) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    ran = [int(out.split("ran ")[1].split(" job")[0]) for out, _ in outputs]
    assert sum(ran) == total
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {str(n): 1 for n in range(total)}
        assert list(session.execute(select(Job.status, func.count()).group_by(Job.status))) == [
            ("done", total)
        ]


def test_worker_once_cli_runs_due_jobs(runtime: Runtime, cli, clock) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        _enqueue(runtime, kind="test.mark", payload={"n": n})
    _enqueue(runtime, kind="test.mark", payload={"n": 99}, run_at=clock.now() + dt.timedelta(hours=1))

    code, out, _ = cli("worker", "--once")

    assert code == 0
    assert out.strip() == "ran 3 job(s)"
    with unit_of_work(runtime.session_factory) as session:
        assert _marks(session) == {"0": 1, "1": 1, "2": 1}
    assert cli("worker", "--once")[1].strip() == "ran 0 job(s)"


@pytest.mark.parametrize("kinds", [None, ["test.mark"]])
def test_claim_next_returns_none_on_an_empty_queue(runtime: Runtime, kinds: list[str] | None) -> None:
    with unit_of_work(runtime.session_factory) as session:
        assert jobs.claim_next(session, clock=runtime.clock, worker="w1", kinds=kinds) is None


def test_worker_names_are_unique_even_within_one_process() -> None:
    # Leases are recognised by name: two workers sharing one could each complete the other's job.
    names = {jobs.worker_name() for _ in range(20)}
    assert len(names) == 20
    assert all(name.split(":")[1] == str(os.getpid()) for name in names)
