"""Job handlers of the senders context: the daily expiry and reminder run.

The run is queued for ``senders_daily_at`` (HK time) each day, one job per date (its unique key), and each run
queues the next: activation and renewal also make sure one is queued. A late or repeated run is harmless —
states are computed from dates and every notice has its own outbox key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.jobs import handler
from telreg.senders import lifecycle, reminders

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["run_daily"]


def run_daily(session: Session, *, clock: Clock, settings: Settings) -> dict[str, Any]:
    """Expire and cancel accounts whose dates have passed and queue the reminders due today."""
    changed = lifecycle.apply_expiries(session, clock=clock, settings=settings)
    due = reminders.queue_due_reminders(session, clock=clock, settings=settings)
    return {"state_changes": changed, "reminders_due": due}


@handler(lifecycle.DAILY_JOB)
def daily(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    run_daily(session, clock=runtime.clock, settings=runtime.settings)
    lifecycle.ensure_daily_job(session, clock=runtime.clock, settings=runtime.settings)
