"""The nightly publication: a recurring schedule queues each date's run for 23:00, the worker runs it.

The schedule queues today's publication (due at the close) and, if the worker was down at yesterday's close,
yesterday's — one job per date (``dnc.publish:YYYY-MM-DD``), so calling it at every worker iteration is harmless.
After publishing, the run prunes files past the retention period.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import jobs
from telreg.core.clock import Clock
from telreg.core.db import unit_of_work
from telreg.dnc.publish import service
from telreg.dnc.publish.store import PublicationStore

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["PUBLISH_JOB", "ensure_publication_jobs"]

PUBLISH_JOB = "dnc.publish"
log = logging.getLogger("telreg.dnc.publish")


def ensure_publication_jobs(session: Session, *, clock: Clock, settings: Settings) -> list[dt.date]:
    """Queue the publications of yesterday (if missed) and today, each due at its close; return the dates."""
    today = clock.now().date()
    published = PublicationStore(settings.data_dir).dates()
    latest = published[-1] if published else None
    queued = []
    for day in (today - dt.timedelta(days=1), today):
        if latest is not None and day <= latest:
            continue  # done already, or would come out of date order
        jobs.enqueue(session, clock=clock, kind=PUBLISH_JOB, payload={"date": day.isoformat()},
                     run_at=service.cutoff_for(day, settings), unique_key=f"{PUBLISH_JOB}:{day.isoformat()}")
        queued.append(day)
    return queued


@jobs.recurring(PUBLISH_JOB)
def schedule(session: Session, runtime: Runtime) -> None:
    ensure_publication_jobs(session, clock=runtime.clock, settings=runtime.settings)


@jobs.handler(PUBLISH_JOB)
def publish(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Publish the registers as at the close of the payload's date, then prune old files."""
    day = dt.date.fromisoformat(payload["date"])
    store = PublicationStore(runtime.settings.data_dir)
    published = store.dates()
    latest = published[-1] if published else None
    if latest is not None and latest > day and not store.exists(day):
        # A later date was published first (by hand, while this missed night waited): its change files already
        # cover this day, and publishing out of order is refused, so retrying would only fail five times.
        log.info("publication of %s skipped: %s is already published", day, latest)
        return
    # Reading needs no writer lock: the registers cannot change during the update window anyway.
    with unit_of_work(runtime.read_session_factory) as reader:
        service.publish(reader, clock=runtime.clock, settings=runtime.settings, day=day)
    service.prune(clock=runtime.clock, settings=runtime.settings)
