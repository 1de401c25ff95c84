"""Load a small, believable data set for a demonstration: staff, listings, warnings, a sender, a publication.

Everything is dated relative to the clock's "today" (Hong Kong time), so the demo always shows a mix of listings
that are protected, listings still inside their ten working days, and warning days that pushed protection back.
Loading is idempotent: what already exists (a user by name, a listing by number and register, a demo warning by
kind and note, the demo sender by username, any publication at all) is left exactly as it is, so a second run
changes nothing — not even the audit trail.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import users
from telreg.core.clock import HK, Clock, FixedClock
from telreg.core.errors import NotFound, ProductionGuard
from telreg.core.i18n import N_
from telreg.core.models import WeatherWarning
from telreg.demo.ecert import load_ca
from telreg.demo.lawful import load_agencies
from telreg.demo.realname import load_realname
from telreg.demo.sender import DEMO_SENDER, load_sender
from telreg.demo.verification import load_verification_flags
from telreg.dnc import service
from telreg.dnc.publish import service as publishing
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Channel, Register, Verification

ACTOR = "demo"
# Registrations are made at this time of day: well clear of the nightly update window, when changes are refused.
REGISTRATION_TIME = dt.time(10, 30)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str
    display_name: str
    operator: str | None = None  # the operator an operator-staff / operator-compliance account acts for
    agency: str | None = None  # the law-enforcement agency of an le-officer / le-supervisor account


# Documented on purpose: these exist only in demonstration databases (load_demo refuses production). They pass
# the password policy (core.passwords), which refuses a password that contains its username.
DEMO_USERS = (
    DemoUser("officer", "dnc-officer", "registers-demo-2026", "Demo DNC Officer"),
    DemoUser("admin", "admin", "platform-demo-2026", "Demo Administrator"),
    DemoUser("clerk", "operator-staff", "harbour-demo-2026", "Demo Shop Clerk", operator="harbour"),
    DemoUser("regulator", "regulator", "oversight-demo-2026", "Demo Regulator"),
    DemoUser("ca.officer", "ca-officer", "certify-demo-2026", "Demo CA Officer"),
    # Lawful access (issue 16): two compliance officers of one operator, because a release needs a second person
    # (vault mode); an agency's officer and the supervisor who endorses its emergencies.
    DemoUser("compliance", "operator-compliance", "approve-demo-2026", "Demo Compliance Officer",
             operator="harbour"),
    DemoUser("compliance2", "operator-compliance", "release-demo-2026", "Demo Second Compliance Officer",
             operator="harbour"),
    DemoUser("detective", "le-officer", "warrant-demo-2026", "Demo Police Officer", agency="hkpf"),
    DemoUser("inspector", "le-supervisor", "endorse-demo-2026", "Demo Police Supervisor", agency="hkpf"),
)


@dataclass(frozen=True)
class DemoWarning:
    kind: str
    days_ago: int
    starts: dt.time
    ends: dt.time
    note: str


DEMO_WARNINGS = (
    DemoWarning("black-rainstorm", 3, dt.time(8, 15), dt.time(11, 40), "Demo: black rainstorm warning"),
    DemoWarning("gale", 2, dt.time(14, 0), dt.time(20, 30), "Demo: tropical cyclone signal No. 8"),
)


@dataclass(frozen=True)
class DemoListing:
    number: str
    registers: tuple[Register, ...]
    days_ago: int
    channel: Channel
    verification: Verification
    story: str


@dataclass
class DemoSummary:
    """What a load created; empty lists mean the data was already there."""

    users: list[str] = field(default_factory=list)
    listings: list[tuple[str, str, dt.date]] = field(default_factory=list)
    warnings: list[tuple[str, dt.date]] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)  # real-name operators
    registrations: list[str] = field(default_factory=list)  # numbers registered under the real-name rules
    verification_flags: list[str] = field(default_factory=list)  # documents flagged in the verification register
    ca_created: bool = False  # the demo certification authority (demo/ecert.py)
    agencies: list[str] = field(default_factory=list)  # law-enforcement agencies (demo/lawful.py)
    published: dt.date | None = None

    @property
    def changed(self) -> bool:
        return bool(self.users or self.listings or self.warnings or self.senders or self.operators
                    or self.registrations or self.verification_flags or self.ca_created or self.agencies
                    or self.published)

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "listings": [
                {"number": n, "register": r, "registered_on": d.isoformat()} for n, r, d in self.listings
            ],
            "warnings": [{"kind": k, "on": d.isoformat()} for k, d in self.warnings],
            "senders": self.senders,
            "realname": {"operators": self.operators, "registrations": self.registrations,
                         "verification_flags": self.verification_flags},
            "ecert": {"ca_created": self.ca_created},
            "lawful": {"agencies": self.agencies},
            "published": self.published.isoformat() if self.published else None,
        }


def demo_listings() -> list[DemoListing]:
    """Read the demo listings shipped with the package (listings.csv)."""
    text = resources.files("telreg.demo").joinpath("listings.csv").read_text(encoding="utf-8")
    return [
        DemoListing(
            number=row["number"],
            registers=tuple(Register(name) for name in row["registers"].split()),
            days_ago=int(row["days_ago"]),
            channel=Channel(row["channel"]),
            verification=Verification(row["verification"]),
            story=row["story"],
        )
        for row in csv.DictReader(text.splitlines())
    ]


def load_demo(session: Session, *, clock: Clock, settings: Settings) -> DemoSummary:
    """Create the demo data that does not exist yet; refuse a production database.

    The publication is made last: it writes files outside the database, so nothing of this load may fail after it.
    """
    if settings.is_production:
        raise ProductionGuard(N_(
            "The demo data cannot be loaded when TELREG_ENV=production: it creates accounts with published "
            "passwords.")
        )
    today = clock.now().astimezone(HK).date()
    summary = DemoSummary()
    summary.agencies = load_agencies(session, clock=clock)
    _load_users(session, clock=clock, summary=summary)
    # Warnings first, so that the protection dates computed for the listings already account for them.
    _load_warnings(session, clock=clock, today=today, summary=summary)
    _load_listings(session, settings=settings, today=today, summary=summary)
    if load_sender(session, clock=clock, settings=settings):
        summary.senders.append(DEMO_SENDER.username)
    realname = load_realname(session, clock=clock, settings=settings)
    summary.operators, summary.registrations = realname.operators, realname.registrations
    summary.verification_flags = load_verification_flags(session, clock=clock, settings=settings)
    # Files outside the database too (keys, certificates), so it comes late, with the publication.
    summary.ca_created = load_ca(session, clock=clock, settings=settings, actor=ACTOR)
    summary.published = _publish_once(session, clock=clock, settings=settings)
    return summary


def latest_closed_day(clock: Clock, settings: Settings) -> dt.date:
    """The most recent date whose registrations have closed (today from 23:00, otherwise yesterday)."""
    now = clock.now().astimezone(HK)
    closed_today = now >= publishing.cutoff_for(now.date(), settings)
    return now.date() if closed_today else now.date() - dt.timedelta(days=1)


def _publish_once(session: Session, *, clock: Clock, settings: Settings) -> dt.date | None:
    """Publish the latest closed date if there is no publication at all, so the demo sender can download at once."""
    if PublicationStore(settings.data_dir).dates():
        return None  # the nightly job (or an officer) publishes from here on
    day = latest_closed_day(clock, settings)
    result = publishing.publish(session, clock=clock, settings=settings, day=day)
    return day if result.status == "published" else None


def _load_users(session: Session, *, clock: Clock, summary: DemoSummary) -> None:
    for demo in DEMO_USERS:
        try:
            users.get_user(session, demo.username)
            continue  # left as it is, even if someone changed its password since
        except NotFound:
            pass
        users.create_user(
            session,
            clock=clock,
            username=demo.username,
            password=demo.password,
            roles=[demo.role],
            display_name=demo.display_name,
            operator=demo.operator,
            agency=demo.agency,
            actor=ACTOR,
        )
        summary.users.append(demo.username)


def _load_warnings(session: Session, *, clock: Clock, today: dt.date, summary: DemoSummary) -> None:
    for demo in DEMO_WARNINGS:
        exists = session.scalar(
            select(WeatherWarning.id).where(
                WeatherWarning.kind == demo.kind, WeatherWarning.note == demo.note
            )
        )
        if exists is not None:
            continue
        day = today - dt.timedelta(days=demo.days_ago)
        session.add(
            WeatherWarning(
                kind=demo.kind,
                starts_at=dt.datetime.combine(day, demo.starts, HK),
                ends_at=dt.datetime.combine(day, demo.ends, HK),
                note=demo.note,
                created_by=ACTOR,
                created_at=clock.now(),
            )
        )
        summary.warnings.append((demo.kind, day))
    session.flush()


def _load_listings(session: Session, *, settings: Settings, today: dt.date, summary: DemoSummary) -> None:
    for demo in demo_listings():
        status = service.number_status(session, settings=settings, number=demo.number)["registers"]
        missing = [register for register in demo.registers if not status[register.value]["listed"]]
        if not missing:
            continue  # registering again would only add "registration-repeated" events to the audit trail
        day = today - dt.timedelta(days=demo.days_ago)
        outcomes = service.register_number(
            session,
            clock=FixedClock(dt.datetime.combine(day, REGISTRATION_TIME, HK)),
            settings=settings,
            number=demo.number,
            registers=missing,
            channel=demo.channel,
            verification=demo.verification,
            actor=ACTOR,
            details={"demo": demo.story},
        )
        summary.listings.extend((o.number, o.register, day) for o in outcomes if o.result == "registered")
