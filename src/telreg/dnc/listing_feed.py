"""What the listing index reads from the database: the registers whole, the change feed, the numbers' rows now.

The change feed is the audit log: every change of a listing writes an event about its number
(``subject_type = 'number'``) in the same transaction, and every change of the weather-warning record one about
the warning (``'weather-warning'``: the working-day calendar changes with it). A feed read returns *which*
numbers changed; the index then re-reads those numbers' current rows from ``dnc_listings``, which is idempotent,
so reading an event twice is harmless and the feed can overlap itself freely.

Why an overlap and not "id > the last id seen": ids come from a sequence when the row is inserted, but the row
becomes visible when its transaction commits, and transactions commit in any order. A reader that saw id 101
may see id 100 a moment later. So each read asks for every event *recorded* in the last ``overlap`` (by its
``occurred_at``, measured back from the newest event seen, so a frozen test clock works as well as the system's)
plus any id above the highest seen; ids already handled are skipped by the caller. A transaction that stays open
longer than the overlap between writing its event and committing could be missed; the index's periodic full
reconciliation (listing_index.RECONCILE_SECONDS) repairs that case too.

Plain Core statements and fixed-width transfer: no ORM rows (a termination feed can touch 100,000 numbers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telreg.core.models import AuditEvent
from telreg.dnc.models import Listing
from telreg.dnc.publish.source import registers_state

__all__ = ["CALENDAR_SUBJECT", "NUMBER_SUBJECT", "FeedEvent", "FeedMark", "current_rows", "feed_mark",
           "read_feed", "read_registers"]

NUMBER_SUBJECT = "number"
CALENDAR_SUBJECT = "weather-warning"  # core/weather.SUBJECT (not imported: it would load the CSV import code)
_CHUNK = 500  # IN (...) lists well under every backend's parameter limit
_FOREVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
U32 = npt.NDArray[np.uint32]


@dataclass(frozen=True)
class FeedMark:
    """Where the feed stood: the highest event id and the newest ``occurred_at`` seen (None: no event yet)."""

    last_id: int
    newest: dt.datetime | None


@dataclass(frozen=True)
class FeedEvent:
    id: int
    subject_type: str
    subject_key: str
    occurred_at: dt.datetime


def feed_mark(session: Session) -> FeedMark:
    """The feed's position now: read it *before* reading the registers, so nothing falls between the two."""
    last_id, newest = session.execute(select(func.max(AuditEvent.id), func.max(AuditEvent.occurred_at))).one()
    return FeedMark(int(last_id or 0), newest)


def read_registers(session: Session) -> dict[str, tuple[U32, U32]]:
    """Every register's current listings as sorted (numbers, YYYYMMDD dates): the publisher's one bulk scan."""
    state = registers_state(session, day=dt.date.max, cutoff=_FOREVER)
    return {register.value: (numbers.astype(np.uint32), dates.astype(np.uint32))
            for register, (numbers, dates) in state.items()}


def read_feed(session: Session, *, since: dt.datetime | None, after_id: int) -> list[FeedEvent]:
    """Events about numbers and weather warnings recorded since SINCE or with an id above AFTER_ID."""
    recent = AuditEvent.id > after_id
    if since is not None:
        recent = or_(AuditEvent.occurred_at >= since, recent)
    stmt = (
        select(AuditEvent.id, AuditEvent.subject_type, AuditEvent.subject_key, AuditEvent.occurred_at)
        .where(AuditEvent.subject_type.in_((NUMBER_SUBJECT, CALENDAR_SUBJECT)), recent)
    )
    return [FeedEvent(*row) for row in session.execute(stmt)]


def current_rows(session: Session, numbers: Iterable[str]) -> list[tuple[str, str, dt.date]]:
    """(number, register, registration date) of every current listing of NUMBERS."""
    wanted = sorted(set(numbers))
    rows: list[tuple[str, str, dt.date]] = []
    columns = (Listing.number, Listing.register, Listing.registration_date)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows.extend(tuple(row) for row in session.execute(select(*columns).where(Listing.number.in_(chunk))))
    return rows
