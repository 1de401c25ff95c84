"""Worker jobs of the report intake: every 5 minutes, reports whose one-time code expired unproved lapse.

The recurring schedule queues one ``enforcement.report-lapse`` job per 5-minute slot (unique key per slot, as
lawful/jobs.py), so calling it at every worker iteration is harmless and two workers cannot queue a slot twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.enforcement.reports import lapse_unproved

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["LAPSE_JOB", "slot_key"]

LAPSE_JOB = "enforcement.report-lapse"
SLOT_MINUTES = 5
log = logging.getLogger("telreg.enforcement")


def slot_key(at: dt.datetime) -> str:
    return jobs.slot_key(LAPSE_JOB, at, minutes=SLOT_MINUTES)


schedule = jobs.every(LAPSE_JOB, minutes=SLOT_MINUTES)


@jobs.handler(LAPSE_JOB)
def run(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    lapsed = lapse_unproved(session, runtime=runtime)
    if lapsed:
        log.info("reports lapsed unproved: %s", lapsed, extra={"event": "enforcement.report-lapse",
                                                               "lapsed": lapsed})
