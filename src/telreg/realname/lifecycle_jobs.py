"""The worker's real-name work: the daily lifecycle run with the compliance snapshot, and the DNC feed outbox.

- ``realname.daily``: a recurring schedule queues one job per date (unique key ``realname.daily:YYYY-MM-DD``),
  due at TELREG_REALNAME_DAILY_AT (01:00 Hong Kong time). The job writes yesterday's compliance snapshot
  (the day has ended; reports.py), then takes today's lifecycle steps (lifecycle.py). Both are idempotent, so
  a late or repeated run is harmless, and a missed day is caught up by the next run's lifecycle.
- ``realname.dnc-feed``: queued by feeds.record; delivers pending entries to the do-not-call registers. During
  the registers' nightly update window it waits until the window closes (not counted as an attempt).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import jobs
from telreg.core.clock import HK, Clock, today
from telreg.core.errors import UpdateWindowClosed
from telreg.core.jobs import RetryLater
from telreg.realname import feeds, lifecycle, reports
from telreg.realname.policy import get_policy

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["DAILY_JOB", "ensure_daily_job", "run_daily"]

DAILY_JOB = "realname.daily"
AFTER_WINDOW = dt.timedelta(minutes=1)


def ensure_daily_job(session: Session, *, clock: Clock, settings: Settings) -> None:
    """Queue today's run for the configured time (once: the date is the job's unique key)."""
    day = today(clock)
    jobs.enqueue(session, clock=clock, kind=DAILY_JOB, payload={"date": day.isoformat()},
                 run_at=dt.datetime.combine(day, settings.realname_daily_at, HK),
                 unique_key=f"{DAILY_JOB}:{day.isoformat()}")


def run_daily(session: Session, runtime: Runtime) -> dict[str, Any]:
    """Snapshot yesterday's figures, then take today's lifecycle steps; return what was done."""
    policy = get_policy(runtime.settings)
    yesterday = today(runtime.clock) - dt.timedelta(days=1)
    written = reports.take_snapshots(session, clock=runtime.clock, policy=policy, day=yesterday)
    result = lifecycle.run(session, clock=runtime.clock, policy=policy, sms=runtime.sms)
    return {"snapshot": {"day": yesterday.isoformat(), "written": written}, "lifecycle": result}


@jobs.recurring(DAILY_JOB)
def schedule(session: Session, runtime: Runtime) -> None:
    ensure_daily_job(session, clock=runtime.clock, settings=runtime.settings)


@jobs.handler(DAILY_JOB)
def daily(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    run_daily(session, runtime)


@jobs.handler(feeds.FEED_JOB)
def deliver_feed(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Hand pending entries to the do-not-call registers, or wait for their update window to close."""
    try:
        feeds.deliver(session, clock=runtime.clock, settings=runtime.settings)
    except UpdateWindowClosed as closed:
        reopen = runtime.clock.now() + dt.timedelta(seconds=int(closed.extra.get("retry_after", 60)))
        raise RetryLater(reopen + AFTER_WINDOW, closed.message, counts_as_attempt=False) from None

