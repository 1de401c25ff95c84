"""The worker's compliance checks: once a day at 09:00 Hong Kong time, check every served enforcement notice
whose deadline has passed (notices.run_due_checks).

A recurring schedule queues one job per date (unique key ``enforcement.compliance:YYYY-MM-DD``), so calling it at
every worker iteration is harmless and two workers cannot queue the same day twice. A checked notice is no longer
``served``, so a late, repeated or concurrent run checks nothing twice, and a missed day is caught up by the next.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.core.clock import HK, Clock, today
from telreg.enforcement import notices

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["COMPLIANCE_AT", "COMPLIANCE_JOB", "ensure_daily_job"]

COMPLIANCE_JOB = "enforcement.compliance"
COMPLIANCE_AT = dt.time(9, 0)  # office hours: an officer sees the breaches the same morning
log = logging.getLogger("telreg.enforcement")


def ensure_daily_job(session: Session, *, clock: Clock) -> None:
    """Queue today's compliance run for 09:00 Hong Kong time (once: the date is the job's unique key)."""
    day = today(clock)
    jobs.enqueue(session, clock=clock, kind=COMPLIANCE_JOB, payload={"date": day.isoformat()},
                 run_at=dt.datetime.combine(day, COMPLIANCE_AT, HK),
                 unique_key=f"{COMPLIANCE_JOB}:{day.isoformat()}")


@jobs.recurring(COMPLIANCE_JOB)
def schedule(session: Session, runtime: Runtime) -> None:
    ensure_daily_job(session, clock=runtime.clock)


@jobs.handler(COMPLIANCE_JOB)
def run(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    counts = notices.run_due_checks(session, clock=runtime.clock,
                                    actor=f"worker:{COMPLIANCE_JOB}:{payload.get('date', '')}")
    if any(counts.values()):
        log.info("compliance checks: %(checked)s checked, %(breached)s breached, %(complied)s complied",
                 counts, extra={"event": COMPLIANCE_JOB, **counts})
