"""The worker's lawful-access sweep (sweep.py), every 5 minutes.

The recurring schedule queues one ``lawful.sweep`` job per 5-minute slot (unique key ``lawful.sweep:<slot start,
UTC>``), so calling it at every worker iteration is harmless and two workers cannot queue one slot twice; the sweep
itself is idempotent, so a slot caught up late does nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.lawful.sweep import sweep

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["SWEEP_JOB", "slot_key"]

SWEEP_JOB = "lawful.sweep"
SLOT_MINUTES = 5
log = logging.getLogger("telreg.lawful")


def slot_key(at: dt.datetime) -> str:
    """The unique key of the 5-minute slot AT falls in."""
    return jobs.slot_key(SWEEP_JOB, at, minutes=SLOT_MINUTES)


schedule = jobs.every(SWEEP_JOB, minutes=SLOT_MINUTES)


@jobs.handler(SWEEP_JOB)
def run(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    counts = sweep(session, runtime=runtime)
    if any(counts.values()):
        log.info("lawful access sweep: %s", counts, extra={"event": "lawful.sweep", **counts})
