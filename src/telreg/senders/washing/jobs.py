"""Worker jobs of the washing service: one job per wash, and a daily sweep of expired results and leftovers.

A wash job does its three steps in separate transactions (see service): the job's own session is touched only at
the end, so it holds no lock while the list is scrubbed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.core.clock import to_hk
from telreg.core.db import unit_of_work
from telreg.senders.washing import service

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["CLEANUP_JOB", "cleanup", "run_wash", "schedule_cleanup"]

CLEANUP_JOB = "senders.wash-cleanup"
log = logging.getLogger("telreg.senders.washing")


@jobs.handler(service.JOB_KIND)
def run_wash(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Scrub one uploaded list. Every failure of the wash — a refused or damaged list, no publication, a crash
    while gathering its inputs — ends it ``failed`` with a reason code, not "running" for ever; only recording
    the outcome itself (the database) is left to the job's retries."""
    wash_id = int(payload["wash_id"])
    try:
        with unit_of_work(runtime.session_factory) as step:
            plan = service.start(step, clock=runtime.clock, settings=runtime.settings, wash_id=wash_id)
        if plan is None:
            return
        outcome = service.scrub(plan, clock=runtime.clock, settings=runtime.settings)
    except DBAPIError:
        raise  # the database was busy or away: the job is retried (the daily cleanup fails a wash left over)
    except Exception as exc:  # the wash's inputs could not be gathered: it fails, with why
        log.exception("wash %s could not start", wash_id)
        outcome = service.Outcome(reason=service.reason_for(exc, file=""))
    service.finish(session, clock=runtime.clock, settings=runtime.settings, wash_id=wash_id, outcome=outcome)


@jobs.recurring(CLEANUP_JOB)
def schedule_cleanup(session: Session, runtime: Runtime) -> None:
    """Once a day (Hong Kong date): sweep expired washes and what crashed uploads left behind."""
    day = to_hk(runtime.clock.now()).date().isoformat()
    jobs.enqueue(session, clock=runtime.clock, kind=CLEANUP_JOB, payload={"date": day},
                 unique_key=f"{CLEANUP_JOB}:{day}")


@jobs.handler(CLEANUP_JOB)
def cleanup(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    service.expire_due(session, clock=runtime.clock, settings=runtime.settings)
    session.flush()  # washes expired just now count as expired for the sweep
    service.sweep_leftovers(session, clock=runtime.clock, settings=runtime.settings)
