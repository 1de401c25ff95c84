"""Giving an account its seed numbers, and which of them are in a publication of a given day.

An account gets ``settings.seeds_per_account`` seeds per register the first time it downloads (or lists) that
register's files: free seeds of a kind that fits the register (fax: fixed lines; SMS: mobile numbers; pre-recorded
calls: either), each with a plausible listing date — a working day drawn between 1 and 3 years before the
assignment, never after the publication it first appears in. A seed is assigned once ever (``seed_id`` is unique).
Two downloads at once are serialised on the account's row (``SELECT … FOR UPDATE``; SQLite's writer lock does the
same), and free seeds are taken with ``SKIP LOCKED`` so two accounts never wait for, or take, the same seed.

When the pool has too few free seeds of the kind, the account gets what there is (possibly none: it is then served
the shared files); an audit event ``enforcement-seed-pool-exhausted`` and a warning in the log tell the officers to
import more. The next download tries again.

A seed is in the account's files of publication day ``d`` when ``listed_on <= d`` and (``retired_on`` is NULL or
``d < retired_on``): retiring an assignment removes the seed from the publications of that day on.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import HK, Clock, today
from telreg.core.errors import InvalidInput, NotFound
from telreg.core.i18n import N_
from telreg.core.models import AuditEvent
from telreg.core.weather import load_calendar
from telreg.enforcement.errors import StepRefused
from telreg.enforcement.models import SeedAssignment, SeedNumber
from telreg.enforcement.seeds.variants import Seed
from telreg.senders.models import SenderAccount

__all__ = ["KINDS_FOR", "active_seeds", "assignments_of", "ensure_assigned", "retire", "seeds_by_register"]

log = logging.getLogger("telreg.enforcement.seeds")
SUBJECT = "enforcement-seed"
EXHAUSTED = "enforcement-seed-pool-exhausted"
KINDS_FOR = {"fax": ("fixed",), "sms": ("mobile",), "prerecorded": ("fixed", "mobile")}


def assignments_of(session: Session, *, account_id: int, register: str) -> list[SeedAssignment]:
    return list(session.scalars(select(SeedAssignment).where(SeedAssignment.account_id == account_id,
                                                             SeedAssignment.register == register)
                                .order_by(SeedAssignment.id)))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _listing_date(session: Session, settings: Settings, *, assigned: dt.date, not_after: dt.date) -> dt.date:
    """A working day drawn between 3 years and 1 year before ``assigned``, and not after ``not_after``."""
    calendar = load_calendar(session, settings)
    earliest = _years_before(assigned, 3)
    latest = min(_years_before(assigned, 1), not_after)
    if latest < earliest:  # a publication older than 3 years: still a plausible date before it
        earliest = latest - dt.timedelta(days=730)
    day = earliest + dt.timedelta(days=secrets.randbelow((latest - earliest).days + 1))
    while not calendar.is_working_day(day) and day > earliest:
        day -= dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def ensure_assigned(session: Session, *, clock: Clock, settings: Settings, account_id: int, register: str,
                    not_after: dt.date | None = None) -> list[SeedAssignment]:
    """The account's live seeds of a register, assigning them now if it has none (see the module's docstring)."""
    live = [a for a in assignments_of(session, account_id=account_id, register=register) if a.retired_on is None]
    if live:
        return live
    # Serialise the account's first downloads: the second waits here and then finds the first one's set.
    session.execute(select(SenderAccount.id).where(SenderAccount.id == account_id).with_for_update())
    live = [a for a in assignments_of(session, account_id=account_id, register=register) if a.retired_on is None]
    if live:
        return live
    wanted = settings.seeds_per_account
    free = list(session.scalars(
        select(SeedNumber).where(SeedNumber.state == "free", SeedNumber.kind.in_(KINDS_FOR[register]))
        .order_by(SeedNumber.id).limit(wanted).with_for_update(skip_locked=True)
    ))
    now = clock.now()
    day = today(clock)
    latest = min(day, not_after) if not_after else day
    made = []
    for seed in free:
        seed.state = "assigned"
        assignment = SeedAssignment(seed_id=seed.id, account_id=account_id, register=register, assigned_at=now,
                                    listed_on=_listing_date(session, settings, assigned=day, not_after=latest))
        session.add(assignment)
        made.append(assignment)
    session.flush()
    for assignment in made:
        audit.record(session, clock=clock, actor="system:seeds", action="enforcement-seed-assigned",
                     subject_type=SUBJECT, subject_key=str(assignment.id), register=register,
                     details={"account_id": account_id, "seed_id": assignment.seed_id,
                              "listed_on": assignment.listed_on.isoformat()})
    if len(made) < wanted:
        log.warning("seed pool exhausted: account %s got %s of %s %s seeds", account_id, len(made), wanted, register)
        # Audited once a day per account and register (every download of an account without seeds tries again).
        key = f"pool:{account_id}:{register}"
        since = dt.datetime.combine(day, dt.time(), HK)
        if made or session.scalar(select(AuditEvent.id).where(
                AuditEvent.subject_type == SUBJECT, AuditEvent.subject_key == key, AuditEvent.action == EXHAUSTED,
                AuditEvent.occurred_at >= since).limit(1)) is None:
            audit.record(session, clock=clock, actor="system:seeds", action=EXHAUSTED, subject_type=SUBJECT,
                         subject_key=key, register=register,
                         details={"account_id": account_id, "wanted": wanted, "assigned": len(made),
                                  "kinds": list(KINDS_FOR[register])})
    return made


def _active(day: dt.date) -> ColumnElement[bool]:
    return and_(SeedAssignment.listed_on <= day,
                or_(SeedAssignment.retired_on.is_(None), SeedAssignment.retired_on > day))


def active_seeds(session: Session, *, account_id: int, register: str, day: dt.date) -> list[Seed]:
    """The seeds in the account's files of ``register`` published on ``day``, in number order."""
    rows = session.execute(
        select(SeedNumber.number, SeedAssignment.listed_on).join(SeedNumber, SeedNumber.id == SeedAssignment.seed_id)
        .where(SeedAssignment.account_id == account_id, SeedAssignment.register == register, _active(day))
    ).all()
    return sorted(Seed(number, listed_on) for number, listed_on in rows)


def seeds_by_register(session: Session, *, account_id: int, day: dt.date) -> dict[str, list[Seed]]:
    """Every register's seeds in the account's files of ``day`` (registers without any are left out)."""
    rows = session.execute(
        select(SeedAssignment.register, SeedNumber.number, SeedAssignment.listed_on)
        .join(SeedNumber, SeedNumber.id == SeedAssignment.seed_id)
        .where(SeedAssignment.account_id == account_id, _active(day))
    ).all()
    found: dict[str, list[Seed]] = {}
    for register, number, listed_on in rows:
        found.setdefault(register, []).append(Seed(number, listed_on))
    return {register: sorted(seeds) for register, seeds in sorted(found.items())}


def retire(session: Session, *, clock: Clock, assignment_id: int, on: dt.date | None, actor: str
           ) -> SeedAssignment:
    """Take a seed out of the account's publications from ``on`` (default today) on. The assignment stays: a
    message at the seed still names the account (a leaked copy keeps circulating)."""
    assignment = session.get(SeedAssignment, assignment_id, with_for_update=True)
    if assignment is None:
        raise NotFound(N_("There is no seed assignment %(assignment_id)s."), assignment_id=assignment_id)
    if assignment.retired_on is not None:
        raise StepRefused(N_("Seed assignment %(assignment_id)s was retired on %(retired_on)s already."),
                          assignment_id=assignment_id, retired_on=assignment.retired_on.isoformat())
    day = on or today(clock)
    if day < today(clock):  # the account's copies of past publications are what they were: never rewritten
        raise InvalidInput(N_("A seed is retired from today or a later day, not from %(day)s."),
                           day=day.isoformat(), field="on")
    assignment.retired_on = day
    seed = session.get(SeedNumber, assignment.seed_id)
    assert seed is not None
    seed.state = "retired"
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="enforcement-seed-retired", subject_type=SUBJECT,
                 subject_key=str(assignment.id), register=assignment.register,
                 details={"account_id": assignment.account_id, "seed_id": seed.id, "retired_on": day.isoformat()})
    return assignment
