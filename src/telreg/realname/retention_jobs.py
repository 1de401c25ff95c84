"""The worker's retention run: once a day at 02:30 Hong Kong time, erase the personal data that fell due.

A recurring schedule queues one job per date (unique key ``realname.retention:YYYY-MM-DD``), so calling it at
every worker iteration is harmless and two workers cannot queue the same day twice. The job calls
:func:`telreg.realname.retention.run`, which is idempotent (an erased identity is skipped) and safe with two
workers at once (each identity's row is locked while it is erased): a late, repeated or concurrent run erases
nothing twice, and a missed day is caught up by the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.core.clock import HK, Clock, today
from telreg.realname import retention

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["DAILY_AT", "DAILY_JOB", "ensure_daily_job"]

DAILY_JOB = "realname.retention"
# A constant rather than a setting: nothing depends on the hour except staying clear of the busy evening and
# of the real-name daily run (01:00, TELREG_REALNAME_DAILY_AT), whose terminations this run does not need —
# retention counts in years, so a day's delay changes nothing.
DAILY_AT = dt.time(2, 30)
log = logging.getLogger("telreg.realname.retention")


def ensure_daily_job(session: Session, *, clock: Clock) -> None:
    """Queue today's run for 02:30 Hong Kong time (once: the date is the job's unique key)."""
    day = today(clock)
    jobs.enqueue(session, clock=clock, kind=DAILY_JOB, payload={"date": day.isoformat()},
                 run_at=dt.datetime.combine(day, DAILY_AT, HK), unique_key=f"{DAILY_JOB}:{day.isoformat()}")


@jobs.recurring(DAILY_JOB)
def schedule(session: Session, runtime: Runtime) -> None:
    ensure_daily_job(session, clock=runtime.clock)


@jobs.handler(DAILY_JOB)
def daily(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Erase every identity due today; the counts go to the log (the erasures themselves are audited)."""
    counts = retention.run(session, runtime=runtime, actor=f"worker:{DAILY_JOB}:{payload.get('date', '')}")
    log.info("retention: %(erased)s erased, %(held)s held, %(kept)s kept, %(failed)s failed", counts,
             extra={"event": DAILY_JOB, **counts})
