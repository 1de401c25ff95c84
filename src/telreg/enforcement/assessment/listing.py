"""A number's listing on a register at a moment, read from the listing's append-only history.

The history is the audit trail of the number (``subject_type='number'``, the ``register`` column): ``registered``,
``registration-repeated``, ``deregistered`` and ``removed-terminated`` (removals carry ``details.registered_on``),
and the listings table for what stands now. The state at a moment is derived exactly as the publications derive a
register at their cut-off (dnc/publish/source.py), so a report and a publication never disagree:

- the number's *first* listing event at or after the moment says what it was at that moment: ``registered`` means
  it was not listed then; a removal means it was listed, since the removal's ``registered_on``;
  ``registration-repeated`` changes nothing (the listing keeps its date);
- with no event since, the number is as it is now: listed since its row's ``registration_date`` (demonstration
  and imported rows have no event at all), or not listed;
- a listing dated after the moment's day cannot have stood then.

The events *before* the moment explain it: the registration in force (its channel, when it was recorded), and the
latest removal (when, and why: deregistered, or removed as a terminated number).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.clock import to_hk
from telreg.core.models import AuditEvent
from telreg.dnc.models import Listing
from telreg.dnc.vocabulary import ListingEvent

__all__ = ["Event", "History", "Standing", "load_history", "standing_at"]

_REGISTERED = ListingEvent.registered.value
_REPEATED = ListingEvent.registration_repeated.value
_REMOVALS = (ListingEvent.deregistered.value, ListingEvent.removed_terminated.value)
_ACTIONS = (_REGISTERED, _REPEATED, *_REMOVALS)


@dataclass(frozen=True)
class Event:
    """One listing event of the number on one register (``at`` in Hong Kong time)."""

    at: dt.datetime
    action: str
    register: str
    details: dict[str, Any]

    @property
    def registered_on(self) -> dt.date | None:
        """A removal's registration date of the listing it removed (None when the event does not say)."""
        value = self.details.get("registered_on")
        try:
            return dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None


@dataclass(frozen=True)
class CurrentListing:
    register: str
    registration_date: dt.date
    registered_at: dt.datetime
    channel: str


@dataclass(frozen=True)
class History:
    """Everything about a number's listings: its events per register (oldest first) and its current rows."""

    number: str
    events: dict[str, tuple[Event, ...]]
    current: dict[str, CurrentListing]

    def of(self, register: str) -> tuple[Sequence[Event], CurrentListing | None]:
        return self.events.get(register, ()), self.current.get(register)


@dataclass(frozen=True)
class Standing:
    """The number on one register at one moment.

    ``listed`` is None when the history cannot say (a removal that does not give the registration date it
    removed). ``registered_at``/``channel``: the registration in force, when a record says. ``removal``: the latest
    removal before the moment (not listed: why; listed: an earlier listing, the clock started again since).
    ``next_registration``: not listed, the registration that came after the moment.
    """

    register: str
    at: dt.datetime
    listed: bool | None
    registered_on: dt.date | None = None
    registered_at: dt.datetime | None = None
    channel: str | None = None
    removal: Event | None = None
    next_registration: Event | None = None


def load_history(session: Session, *, number: str) -> History:
    """Read the number's listing events on every register and its current listings (two queries)."""
    rows = session.execute(
        select(AuditEvent.occurred_at, AuditEvent.action, AuditEvent.register, AuditEvent.details)
        .where(AuditEvent.subject_type == "number", AuditEvent.subject_key == number,
               AuditEvent.action.in_(_ACTIONS), AuditEvent.register.is_not(None))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    events: dict[str, list[Event]] = {}
    for row in rows:
        events.setdefault(row.register, []).append(Event(to_hk(row.occurred_at), row.action, row.register,
                                                         dict(row.details or {})))
    listings = session.execute(
        select(Listing.register, Listing.registration_date, Listing.registered_at, Listing.channel)
        .where(Listing.number == number)
    ).all()
    current = {row.register: CurrentListing(row.register, row.registration_date, to_hk(row.registered_at),
                                            row.channel) for row in listings}
    return History(number, {k: tuple(v) for k, v in events.items()}, current)


def standing_at(history: History, *, register: str, at: dt.datetime) -> Standing:
    """The number on ``register`` at ``at``: listed or not, since when, and the events that explain it."""
    at = to_hk(at)
    events, current = history.of(register)
    before = [e for e in events if e.at < at]
    first_after = next((e for e in events if e.at >= at and e.action != _REPEATED), None)
    removal = next((e for e in reversed(before) if e.action in _REMOVALS), None)

    if first_after is None:
        registered_on = current.registration_date if current is not None else None
        from_row = True
    elif first_after.action == _REGISTERED:
        return Standing(register, at, False, removal=removal, next_registration=first_after)
    else:  # removed after the moment: listed at it, since the date the removal gives
        registered_on = first_after.registered_on
        from_row = False
        if registered_on is None:
            return Standing(register, at, None, removal=removal)
    if registered_on is None or registered_on > at.date():
        return Standing(register, at, False, removal=removal)

    # The registration in force: the last one recorded before the moment on its date (an earlier removal is
    # then an earlier listing); a row with no event (demonstration, imported) speaks for itself.
    registration = next((e for e in reversed(before) if e.action == _REGISTERED
                         and e.at.date() == registered_on), None)
    if registration is not None:
        registered_at, channel = registration.at, registration.details.get("channel")
    elif from_row and current is not None:
        registered_at, channel = current.registered_at, current.channel
    else:
        registered_at, channel = None, None
    earlier_removal = removal if removal is not None and (registration is None or removal.at < registration.at) \
        else None
    return Standing(register, at, True, registered_on, registered_at, channel, earlier_removal)
