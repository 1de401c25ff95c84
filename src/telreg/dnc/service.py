"""Use cases of the registers: list, delist, report status. Rules and audit live here; the edge commits.

Every change passes ``ensure_changes_open`` first: between 23:00 and 00:00 (Hong Kong time, configurable) the
registers are being rebuilt for publication and no change is accepted from any channel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.calendar import WorkingCalendar
from telreg.core.clock import HK, Clock
from telreg.core.errors import UpdateWindowClosed
from telreg.core.i18n import N_
from telreg.core.phone import HKNumber, parse_registrable
from telreg.core.weather import load_calendar
from telreg.dnc import repository
from telreg.dnc.models import Listing
from telreg.dnc.status import REGISTERS, read_status, status_document
from telreg.dnc.vocabulary import Channel, ListingEvent, Register, Verification

if TYPE_CHECKING:
    from telreg.dnc.listing_index import ListingIndex

__all__ = [
    "ChangeOutcome",
    "current_status",
    "deregister_number",
    "ensure_changes_open",
    "in_update_window",
    "number_status",
    "register_number",
    "status_document",
]


def in_update_window(now: dt.datetime, settings: Settings) -> bool:
    t = now.astimezone(HK).time()
    start, end = settings.update_window_start, settings.update_window_end
    if start < end:
        return start <= t < end
    return t >= start or t < end  # the window crosses midnight (23:00–00:00 does)


def seconds_until_window_closes(now: dt.datetime, settings: Settings) -> int:
    local = now.astimezone(HK)
    reopen = dt.datetime.combine(local.date(), settings.update_window_end, HK)
    if reopen <= local:
        reopen += dt.timedelta(days=1)
    return max(1, int((reopen - local).total_seconds()))


def ensure_changes_open(clock: Clock, settings: Settings) -> None:
    now = clock.now()
    if in_update_window(now, settings):
        reopen = settings.update_window_end.strftime("%H:%M")
        raise UpdateWindowClosed(
            N_("The registers are being updated until %(reopen)s Hong Kong time; no changes are accepted "
               "now. Please try again after %(reopen)s."),
            retry_after=seconds_until_window_closes(now, settings), reopen=reopen,
        )


@dataclass(frozen=True)
class ChangeOutcome:
    number: str
    register: str
    result: str  # registered | already-listed | deregistered | not-listed
    registered_on: dt.date | None = None
    protected_from: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"number": self.number, "register": self.register, "result": self.result}
        if self.registered_on:
            data["registered_on"] = self.registered_on.isoformat()
        if self.protected_from:
            data["protected_from"] = self.protected_from.isoformat()
        return data


@dataclass
class _Ctx:
    session: Session
    clock: Clock
    settings: Settings
    calendar: WorkingCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = load_calendar(self.session, self.settings)

    def protected_from(self, registered_on: dt.date) -> dt.date:
        return self.calendar.add_working_days(registered_on, self.settings.protection_working_days)


def register_number(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    number: str | HKNumber,
    registers: list[Register],
    channel: Channel,
    verification: Verification,
    actor: str,
    details: dict[str, Any] | None = None,
) -> list[ChangeOutcome]:
    """List a number on each register today; an existing listing keeps its original registration date."""
    ensure_changes_open(clock, settings)
    parsed = number if isinstance(number, HKNumber) else parse_registrable(number)
    ctx = _Ctx(session, clock, settings)
    now = clock.now()
    outcomes = []
    for register in registers:
        listing = repository.insert_listing(
            session,
            Listing(
                number=parsed.national,
                register=register.value,
                registered_at=now,
                registration_date=now.date(),
                channel=channel.value,
                verification=verification.value,
            ),
        )
        event = ListingEvent.registered
        result = "registered"
        if listing is None:
            listing = repository.get_listing(session, parsed.national, register.value)
            assert listing is not None  # the unique constraint said it exists
            event, result = ListingEvent.registration_repeated, "already-listed"
        audit.record(
            session,
            clock=clock,
            actor=actor,
            action=event.value,
            subject_type="number",
            subject_key=parsed.national,
            register=register.value,
            details={"channel": channel.value, "verification": verification.value, **(details or {})},
        )
        outcomes.append(
            ChangeOutcome(
                parsed.national, register.value, result, listing.registration_date,
                ctx.protected_from(listing.registration_date),
            )
        )
    return outcomes


def deregister_number(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    number: str | HKNumber,
    registers: list[Register],
    channel: Channel,
    verification: Verification,
    actor: str,
    details: dict[str, Any] | None = None,
) -> list[ChangeOutcome]:
    """Remove a number from each register at once (the same day)."""
    ensure_changes_open(clock, settings)
    parsed = number if isinstance(number, HKNumber) else parse_registrable(number)
    outcomes = []
    for register in registers:
        listing = repository.get_listing(session, parsed.national, register.value)
        if listing is None:
            outcomes.append(ChangeOutcome(parsed.national, register.value, "not-listed"))
            continue
        registered_on = listing.registration_date
        repository.delete_listing(session, listing)
        audit.record(
            session,
            clock=clock,
            actor=actor,
            action=ListingEvent.deregistered.value,
            subject_type="number",
            subject_key=parsed.national,
            register=register.value,
            details={
                "channel": channel.value,
                "verification": verification.value,
                "registered_on": registered_on.isoformat(),
                **(details or {}),
            },
        )
        outcomes.append(ChangeOutcome(parsed.national, register.value, "deregistered", registered_on))
    return outcomes


def number_status(session: Session, *, settings: Settings, number: str | HKNumber) -> dict[str, Any]:
    """The stable status document: listed or not on each register, with registration and protection dates.

    Read in the session's transaction (it sees the caller's own uncommitted changes); the rule and its queries are
    :func:`telreg.dnc.status.read_status`, which `telreg dnc status` runs on a bare connection. The public HTTP
    look-up answers the same document from the in-memory index instead (``current_status``)."""
    if session.autoflush:
        session.flush()  # as the ORM queries did before reading: the Core statements of read_status do not
    return read_status(session, settings=settings, number=number)


def current_status(index: ListingIndex, *, number: str | HKNumber) -> dict[str, Any]:
    """``number_status`` as committed, answered from this process's listing index: no query."""
    parsed = number if isinstance(number, HKNumber) else parse_registrable(number)
    registered = {}
    for register in REGISTERS:
        day = index.registration_date(register, parsed.national)
        if day is not None:
            registered[register] = day
    return status_document(parsed.national, registered, protected_from=index.protected_from)


def listing_history(session: Session, *, number: str | HKNumber) -> list[dict[str, Any]]:
    """Every event about a number, oldest first."""
    parsed = number if isinstance(number, HKNumber) else parse_registrable(number)
    return [
        {
            "at": event.occurred_at.astimezone(HK).isoformat(),
            "event": event.action,
            "register": event.register,
            "actor": event.actor,
            "details": event.details,
        }
        for event in audit.history(session, subject_type="number", subject_key=parsed.national)
    ]
