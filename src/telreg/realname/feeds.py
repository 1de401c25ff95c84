"""Hand numbers whose holder is gone to the do-not-call registers (seed 004 Q4.4), through an outbox.

When a registration is terminated (changes.terminate) or a legacy number is deactivated (lifecycle.py), the
same transaction records a feed entry with ``record`` and queues a delivery job. The job (``deliver``) hands
every pending entry to the dnc context's ``remove_terminated``, one call per operator: listings made on or
before the day the service ended are removed, so when the number is reassigned its new holder starts clean and
must register again to be protected. During the registers' nightly update window the dnc context refuses
changes; the job then waits until the window closes, without using up an attempt (lifecycle_jobs.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import jobs
from telreg.core.clock import Clock
from telreg.dnc import feeds as dnc_feeds
from telreg.realname.lifecycle_models import FEED_REASONS, DncFeedEntry

__all__ = ["FEED_JOB", "deliver", "pending_count", "record"]

FEED_JOB = "realname.dnc-feed"
ACTOR = "realname-feed"
_BATCH = 5_000
_CHUNK = 500


def record(session: Session, *, clock: Clock, reason: str,
           entries: Iterable[tuple[str, str, dt.date]]) -> int:
    """Record (operator code, number, day its service ended) entries and queue their delivery."""
    if reason not in FEED_REASONS:
        raise ValueError(f"unknown feed reason {reason!r}")
    now = clock.now()
    rows = [{"operator_code": operator, "number": number, "ended_on": ended_on, "reason": reason,
             "recorded_at": now, "delivered_at": None, "import_id": None}
            for operator, number, ended_on in entries]
    if not rows:
        return 0
    ids = list(session.scalars(insert(DncFeedEntry).returning(DncFeedEntry.id), rows))
    # One job per batch of entries; the job delivers whatever is pending, so a later job may find nothing.
    jobs.enqueue(session, clock=clock, kind=FEED_JOB, payload={"first_entry": min(ids)},
                 unique_key=f"{FEED_JOB}:{min(ids)}")
    return len(rows)


def pending_count(session: Session) -> int:
    """Return how many entries wait for delivery."""
    return session.scalar(select(func.count()).where(DncFeedEntry.delivered_at.is_(None))) or 0


def deliver(session: Session, *, clock: Clock, settings: Settings) -> dict[str, Any]:
    """Apply every pending entry to the registers; in the update window raise UpdateWindowClosed instead."""
    delivered = removed = 0
    while True:
        batch = session.execute(
            select(DncFeedEntry.id, DncFeedEntry.operator_code, DncFeedEntry.number, DncFeedEntry.ended_on)
            .where(DncFeedEntry.delivered_at.is_(None)).order_by(DncFeedEntry.id).limit(_BATCH)
        ).all()
        if not batch:
            return {"delivered": delivered, "removed": removed}
        by_operator: dict[str, dict[str, dt.date]] = defaultdict(dict)
        ids_by_operator: dict[str, list[int]] = defaultdict(list)
        for entry_id, operator, number, ended_on in batch:
            known = by_operator[operator].get(number)
            # The same number twice: the later end covers more.
            by_operator[operator][number] = max(known, ended_on) if known else ended_on
            ids_by_operator[operator].append(entry_id)
        for operator, numbers in sorted(by_operator.items()):
            run = dnc_feeds.remove_terminated(session, clock=clock, settings=settings, operator=operator,
                                              numbers=numbers, actor=ACTOR)
            removed += run.removed
            ids = ids_by_operator[operator]
            for start in range(0, len(ids), _CHUNK):
                session.execute(
                    update(DncFeedEntry).where(DncFeedEntry.id.in_(ids[start:start + _CHUNK]))
                    .values(delivered_at=clock.now(), import_id=run.id)
                    .execution_options(synchronize_session=False)
                )
            delivered += len(ids)
