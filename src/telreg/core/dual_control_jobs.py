"""The worker's hourly sweep of the two-person rule: requests and approvals whose time ran out become expired.

A recurring schedule queues one job per Hong Kong hour (unique key ``dual-control.expire:YYYY-MM-DDTHH``), so
calling it at every worker iteration is harmless and two workers cannot queue the same hour twice. Expiry is
also enforced where it matters — approve and consume refuse an expired request whatever its stored state — so
the sweep only makes the lists and the audit trail say so.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.core import dual_control, jobs
from telreg.core.clock import Clock, to_hk

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["EXPIRE_JOB", "ensure_hourly_job"]

EXPIRE_JOB = "dual-control.expire"
log = logging.getLogger("telreg.core.dual_control")


def ensure_hourly_job(session: Session, *, clock: Clock) -> None:
    """Queue this hour's sweep (once: the hour is the job's unique key)."""
    hour = to_hk(clock.now()).strftime("%Y-%m-%dT%H")
    jobs.enqueue(session, clock=clock, kind=EXPIRE_JOB, payload={"hour": hour}, unique_key=f"{EXPIRE_JOB}:{hour}")


@jobs.recurring(EXPIRE_JOB)
def schedule(session: Session, runtime: Runtime) -> None:
    ensure_hourly_job(session, clock=runtime.clock)


@jobs.handler(EXPIRE_JOB)
def sweep(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    expired = dual_control.expire(session, clock=runtime.clock)
    log.info("two-person rule: %(expired)s request(s) expired", {"expired": expired},
             extra={"event": "dual_control.expired", "expired": expired})
