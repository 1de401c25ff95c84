"""A database-backed job queue: durable, retried, and never run twice at once.

Claiming is one short transaction: PostgreSQL takes the row with ``FOR UPDATE SKIP LOCKED`` so two workers pick
different jobs; SQLite serialises writers (``BEGIN IMMEDIATE``, see core.db) so the select-then-mark is atomic.
A claim is a lease (``locked_until``): a worker that dies mid-job has its job picked up again after the lease.
Each job then runs in its own unit of work; the job's own changes and its completion commit together.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.db import unit_of_work
from telreg.core.models import Job

if TYPE_CHECKING:
    from telreg.runtime import Runtime

log = logging.getLogger("telreg.jobs")

Handler = Callable[["Session", "Runtime", dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
LEASE = dt.timedelta(minutes=10)


class RetryLater(Exception):
    """Raised by a handler to run the same job again at a given time (a busy line, a closed window).

    A counted retry uses up one of the job's ``max_attempts`` (the last one fails the job); ``counts_as_attempt=False``
    is for waits that say nothing about the job (the nightly window), so it never exhausts the job.
    """

    def __init__(self, at: dt.datetime, reason: str, *, counts_as_attempt: bool = True) -> None:
        super().__init__(reason)
        self.at = at
        self.reason = reason
        self.counts_as_attempt = counts_as_attempt


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of this kind."""

    def decorate(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return decorate


def enqueue(
    session: Session,
    *,
    clock: Clock,
    kind: str,
    payload: dict[str, Any],
    run_at: dt.datetime | None = None,
    unique_key: str | None = None,
    max_attempts: int = 5,
) -> Job:
    """Add a job in the caller's transaction; with unique_key, enqueuing the same work twice returns the first."""
    if unique_key is not None:
        existing = session.scalar(select(Job).where(Job.unique_key == unique_key))
        if existing is not None:
            return existing
    now = clock.now()
    job = Job(
        kind=kind,
        payload=payload,
        run_at=run_at or now,
        unique_key=unique_key,
        max_attempts=max_attempts,
        status="queued",
        attempts=0,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        # A concurrent transaction enqueued the same unique work first.
        return session.scalars(select(Job).where(Job.unique_key == unique_key)).one()
    return job


def claim_next(session: Session, *, clock: Clock, worker: str, kinds: list[str] | None = None) -> Job | None:
    """Lease the next due job to this worker, or return None."""
    now = clock.now()
    due = or_(
        (Job.status == "queued") & (Job.run_at <= now),
        (Job.status == "running") & (Job.locked_until < now),  # an abandoned lease
    )
    stmt = select(Job).where(due).order_by(Job.run_at, Job.id).limit(1)
    if kinds:
        stmt = stmt.where(Job.kind.in_(kinds))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    while True:
        job = session.scalars(stmt).first()
        if job is None:
            return None
        if job.attempts < job.max_attempts:
            break
        # Only a lease abandoned on the last attempt gets here: a job that takes its worker down every time (out
        # of memory, a crash in native code) would otherwise be offered again every LEASE for ever.
        job.last_error = f"attempt {job.attempts} of {job.max_attempts} was abandoned by its worker ({job.locked_by})"
        job.status = "failed"
        job.finished_at = now
        job.locked_by = None
        job.locked_until = None
        session.flush()
    job.status = "running"
    job.locked_by = worker
    job.locked_until = now + LEASE
    job.attempts += 1
    session.flush()
    return job


@dataclass
class RunResult:
    job_id: int
    kind: str
    status: str
    error: str | None = None


def run_one(runtime: Runtime, *, worker: str, kinds: list[str] | None = None) -> RunResult | None:
    """Claim one due job and run it; return what happened, or None when nothing was due."""
    with unit_of_work(runtime.session_factory) as session:
        job = claim_next(session, clock=runtime.clock, worker=worker, kinds=kinds)
        if job is None:
            return None
        job_id, kind, payload, attempt = job.id, job.kind, dict(job.payload), job.attempts
    fields = {"job_id": job_id, "kind": kind, "attempt": attempt}
    log.info("job started", extra={"event": "job.started", **fields})
    started = time.perf_counter()
    fn = HANDLERS.get(kind)
    try:
        with unit_of_work(runtime.session_factory) as session:
            if fn is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            fn(session, runtime, payload)
            _finish(session, job_id, worker, status="done", clock=runtime.clock)
        log.info("job finished", extra={"event": "job.finished", **fields, "seconds": _since(started)})
        return RunResult(job_id, kind, "done")
    except RetryLater as retry:
        with unit_of_work(runtime.session_factory) as session:
            status = _reschedule(session, job_id, worker, retry, clock=runtime.clock)
        level = logging.WARNING if status == "failed" else logging.INFO
        log.log(level, "job to run again later: %s", retry.reason,
                extra={"event": "job.retry_later", **fields, "outcome": status, "at": retry.at.isoformat(),
                       "seconds": _since(started)})
        return RunResult(job_id, kind, status, retry.reason)
    except Exception as exc:  # a failed job must not kill the worker; it is retried with backoff
        with unit_of_work(runtime.session_factory) as session:
            status = _fail(session, job_id, worker, traceback.format_exc(limit=5), clock=runtime.clock)
        log.warning("job %s (%s) failed: %s", job_id, kind, exc,
                    extra={"event": "job.failed", **fields, "outcome": status, "error": type(exc).__name__,
                           "seconds": _since(started)})
        return RunResult(job_id, kind, status, str(exc))


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def _owned(session: Session, job_id: int, worker: str) -> Job | None:
    job = session.get(Job, job_id, with_for_update=session.get_bind().dialect.name == "postgresql")
    if job is None or job.locked_by != worker or job.status != "running":
        return None  # our lease was taken over; the other worker owns the outcome
    return job


def _finish(session: Session, job_id: int, worker: str, *, status: str, clock: Clock) -> None:
    job = _owned(session, job_id, worker)
    if job is None:
        raise RuntimeError(f"job {job_id} lease lost before completion")
    job.status = status
    job.finished_at = clock.now()
    job.locked_by = None
    job.locked_until = None


def _reschedule(session: Session, job_id: int, worker: str, retry: RetryLater, *, clock: Clock) -> str:
    job = _owned(session, job_id, worker)
    if job is None:
        return "lost"
    if not retry.counts_as_attempt:
        job.attempts -= 1
    job.last_error = retry.reason
    job.locked_by = None
    job.locked_until = None
    if retry.counts_as_attempt and job.attempts >= job.max_attempts:
        # A handler that keeps asking for "later" (a line busy for ever) must end, as a raising one does.
        job.status = "failed"
        job.finished_at = clock.now()
        return "failed"
    job.status = "queued"
    job.run_at = retry.at
    return "rescheduled"


def _fail(session: Session, job_id: int, worker: str, error: str, *, clock: Clock) -> str:
    job = _owned(session, job_id, worker)
    if job is None:
        return "lost"
    job.last_error = error
    job.locked_by = None
    job.locked_until = None
    if job.attempts >= job.max_attempts:
        job.status = "failed"
        job.finished_at = clock.now()
        return "failed"
    job.status = "queued"
    job.run_at = clock.now() + dt.timedelta(seconds=30 * 2 ** (job.attempts - 1))
    return "retry"


def worker_name() -> str:
    """Name this worker uniquely: a lease is recognised by name, so two worker threads in one process (serve
    --with-worker beside another run_worker) must not share one, or each could finish the other's job."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


Schedule = Callable[["Session", "Runtime"], None]
SCHEDULES: dict[str, Schedule] = {}


def recurring(name: str) -> Callable[[Schedule], Schedule]:
    """Register a function the worker calls at every loop iteration to enqueue due recurring work.

    It must be idempotent and cheap: enqueue with a ``unique_key`` naming the occurrence (``"dnc.publish:2026-03-02"``).
    """

    def decorate(fn: Schedule) -> Schedule:
        SCHEDULES[name] = fn
        return fn

    return decorate


def slot_key(kind: str, at: dt.datetime, *, minutes: int) -> str:
    """The unique key of the ``minutes``-long slot (UTC; ``minutes`` divides an hour) that AT falls in."""
    utc = at.astimezone(dt.UTC)
    start = utc.replace(minute=utc.minute - utc.minute % minutes, second=0, microsecond=0)
    return f"{kind}:{start.strftime('%Y-%m-%dT%H:%MZ')}"


def every(kind: str, *, minutes: int) -> Schedule:
    """Queue one ``kind`` job per ``minutes``-long slot, under the slot's unique key: the schedule is harmless at
    every worker iteration, two workers cannot queue one slot twice, and a slot caught up late runs once.
    Returns the registered schedule (a module keeps it as ``schedule``)."""

    def schedule(session: Session, runtime: Runtime) -> None:
        now = runtime.clock.now()
        key = slot_key(kind, now, minutes=minutes)
        enqueue(session, clock=runtime.clock, kind=kind, payload={"slot": key}, run_at=now, unique_key=key)

    return recurring(kind)(schedule)


def run_schedules(runtime: Runtime) -> None:
    """Give every recurring schedule its chance to enqueue; one failing schedule neither stops the others nor the
    worker."""
    for name, fn in SCHEDULES.items():
        try:
            with unit_of_work(runtime.session_factory) as session:
                fn(session, runtime)
        except Exception as exc:  # noqa: BLE001 -- logged; the next iteration tries again
            log.warning("schedule %s failed: %s", name, exc)


def run_worker(
    runtime: Runtime, *, once: bool = False, poll_seconds: float = 1.0, worker: str | None = None,
    schedules: bool | None = None, stop: threading.Event | None = None,
) -> int:
    """Run due jobs until stopped (or, with once, until none is due). Returns how many jobs ran.

    A long-running worker also runs the recurring SCHEDULES at each iteration; ``once`` (tests, one-off runs)
    leaves them out unless ``schedules=True``. Setting STOP ends the loop between two jobs (`telreg serve`'s job
    worker process sets it on SIGTERM, so a job in progress finishes and commits).
    """
    from telreg.core.job_handlers import load_handlers

    load_handlers()
    name = worker or worker_name()
    use_schedules = (not once) if schedules is None else schedules
    ran = 0
    while stop is None or not stop.is_set():
        if use_schedules:
            run_schedules(runtime)
        result = run_one(runtime, worker=name)
        if result is not None:
            ran += 1
            continue
        if once:
            return ran
        if stop is None:
            time.sleep(poll_seconds)
        else:
            stop.wait(poll_seconds)
    return ran


def pending(session: Session, *, kind: str | None = None) -> list[Job]:
    stmt = select(Job).where(Job.status.in_(("queued", "running"))).order_by(Job.run_at, Job.id)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class QueueStats:
    due: int  # queued and due now: waiting for a worker
    scheduled: int  # queued for later
    running: int
    oldest_due_at: dt.datetime | None


def queue_stats(session: Session, *, now: dt.datetime) -> QueueStats:
    """Count the queue by state in one query on the claim index (metrics read it at every scrape)."""
    is_due = Job.run_at <= now
    rows = session.execute(
        select(Job.status, func.count(), func.sum(case((is_due, 1), else_=0)),
               func.min(case((is_due, Job.run_at))))
        .where(Job.status.in_(("queued", "running")))
        .group_by(Job.status)
    ).all()
    counts = {status: (count, int(due or 0), earliest) for status, count, due, earliest in rows}
    queued, due, oldest = counts.get("queued", (0, 0, None))
    return QueueStats(due=due, scheduled=queued - due, running=counts.get("running", (0, 0, None))[0],
                      oldest_due_at=oldest)


def release_stale(session: Session, *, clock: Clock) -> int:
    """Put jobs with expired leases back in the queue (the claim also does this lazily)."""
    result = session.execute(
        update(Job)
        .where(Job.status == "running", Job.locked_until < clock.now())
        .values(status="queued", locked_by=None, locked_until=None)
    )
    return result.rowcount or 0
