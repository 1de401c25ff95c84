"""The e-Cert subscription fee table and the free-use periods: data an officer revises, never code.

**Fees** follow the design of the senders' fee table (telreg.senders.fees). The default annual fee (HK$50, seed
002 Q9) is not a seeded row but a setting, ``ecert_subscription_fee_cents``, that applies on any date before the
first revision: reading a fee never writes, and a fresh database prices correctly with nothing loaded. A revision
is a row in force from its ``effective_from`` date until the next revision for the same profile; it cannot start
in the past, so a fee already charged or quoted is never rewritten. A revision names one profile or ``*`` (every
profile). Decision: a profile's own revision in force beats a ``*`` one whatever their dates — a profile's fee is
a deliberate exception that stays until it is itself revised. A payment is charged at the fee in force on the
day it is recorded.

**Free-use periods** (seed 002 Q9–Q10: "personal Smart ID e-Certs issued on or before 31 March 2007 … free until
the end of the 3-year validity period") are rules: a profile (or ``*``), a range of issue dates (either end
open), and either ``validity`` (free until the certificate's validity ends) or ``months`` (free for N months from
issue). They apply when a subscription starts (subscriptions.start_subscription), the most generous match
winning; adding or withdrawing one changes no subscription already started. Both are audited; a withdrawn rule
is kept, marked, for the record.

(The senders' table keeps its own query: a shared effective-dated helper would have meant reworking
telreg.senders for two six-line queries.)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import Conflict, InvalidInput, NotFound
from telreg.core.i18n import N_
from telreg.ecert.subscription_models import ALL_PROFILES, FREE_KINDS, EcertFee, EcertFreePeriod

__all__ = ["DEFAULT_SINCE", "FeeEntry", "add_free_period", "fee_for", "fee_table", "format_hkd",
           "free_periods", "matching_free_periods", "parse_hkd", "revise_fee", "withdraw_free_period"]

DEFAULT_SINCE = dt.date(2003, 1, 1)  # shown as the default's start: it applies before any revision
_PROFILE = re.compile(r"^(\*|[a-z0-9][a-z0-9-]{0,31})$")
_AMOUNT = re.compile(r"^\s*(?:HK\$)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*$", re.IGNORECASE)
MAX_FEE_CENTS = 100_000_00  # HK$100,000 a year: anything above is a typing error, not a fee


# ---- money --------------------------------------------------------------------------------------------------------

def parse_hkd(value: str) -> int:
    """Turn "50", "50.00" or "HK$1,050.50" into Hong Kong cents; refuse fractions of a cent and nothing."""
    match = _AMOUNT.match(value)
    amount: Decimal | None
    try:
        amount = Decimal(match.group(1).replace(",", "")) if match else None
    except InvalidOperation:
        amount = None
    if amount is None or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(N_("%(value)s is not an amount in Hong Kong dollars such as 50 or 50.00."),
                           value=repr(value))
    return int(amount * 100)


def format_hkd(cents: int) -> str:
    return f"HK${cents // 100:,}.{cents % 100:02d}"


def _profile(value: str) -> str:
    profile = value.strip().lower()
    if not _PROFILE.match(profile):
        raise InvalidInput(N_("'%(profile)s' is not a certificate profile name (or * for every profile)."),
                           profile=value)
    return profile


# ---- fees ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeeEntry:
    profile: str
    amount_cents: int
    effective_from: dt.date
    source: str  # "default" (the setting) or "revision" (an officer's row)
    created_by: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"profile": self.profile, "amount_cents": self.amount_cents, "amount": format_hkd(self.amount_cents),
                "effective_from": self.effective_from.isoformat(), "source": self.source,
                "created_by": self.created_by}


def _revision_in_force(session: Session, profile: str, on: dt.date) -> EcertFee | None:
    stmt = (select(EcertFee).where(EcertFee.profile == profile, EcertFee.effective_from <= on)
            .order_by(EcertFee.effective_from.desc()).limit(1))
    return session.scalars(stmt).first()


def fee_for(session: Session, *, settings: Settings, profile: str, on: dt.date) -> int:
    """Return the annual subscription fee, in cents, of a profile's certificate on a date."""
    row = None
    if profile != ALL_PROFILES:
        row = _revision_in_force(session, profile, on)
    if row is None:
        row = _revision_in_force(session, ALL_PROFILES, on)
    return row.amount_cents if row is not None else settings.ecert_subscription_fee_cents


def fee_table(session: Session, *, settings: Settings, clock: Clock) -> dict[str, object]:
    """Return the default and every revision, and the fee in force today for "*" and each profile revised."""
    on = today(clock)
    rows = list(session.scalars(select(EcertFee).order_by(EcertFee.profile, EcertFee.effective_from)))
    entries = [FeeEntry(ALL_PROFILES, settings.ecert_subscription_fee_cents, DEFAULT_SINCE, "default")]
    entries += [FeeEntry(r.profile, r.amount_cents, r.effective_from, "revision", r.created_by) for r in rows]
    profiles = sorted({ALL_PROFILES, *(r.profile for r in rows)})
    in_force = {p: fee_for(session, settings=settings, profile=p, on=on) for p in profiles}
    return {"as_of": on.isoformat(), "entries": [e.as_dict() for e in entries],
            "in_force": {p: {"amount_cents": c, "amount": format_hkd(c)} for p, c in in_force.items()}}


def revise_fee(session: Session, *, clock: Clock, profile: str, amount_cents: int, effective_from: dt.date,
               actor: str) -> EcertFee:
    """Publish a new annual fee for a profile (or "*") from a date, today or later; payments from then pay it."""
    profile = _profile(profile)
    if not 0 < amount_cents <= MAX_FEE_CENTS:
        raise InvalidInput(N_("An annual fee must be more than HK$0 and at most %(limit)s (got %(amount)s); a "
                              "certificate used free is a free-use period, not a fee of nothing."),
                           limit=format_hkd(MAX_FEE_CENTS), amount=format_hkd(max(amount_cents, 0)))
    if effective_from < today(clock):
        raise InvalidInput(
            N_("A fee cannot be revised from a past date (%(effective_from)s): payments made since then were "
               "already charged. Choose today or a later date."), effective_from=effective_from.isoformat())
    row = EcertFee(profile=profile, amount_cents=amount_cents, effective_from=effective_from, created_by=actor,
                   created_at=clock.now())
    if not add_unless_duplicate(session, row):
        raise Conflict(N_("A fee for %(profile)s from %(effective_from)s exists already."), profile=profile,
                       effective_from=effective_from.isoformat())
    audit.record(session, clock=clock, actor=actor, action="ecert.fee-revised", subject_type="ecert_fee",
                 subject_key=profile,
                 details={"amount_cents": amount_cents, "effective_from": effective_from.isoformat()})
    return row


# ---- free-use periods ---------------------------------------------------------------------------------------------

def free_periods(session: Session, *, include_withdrawn: bool = False) -> list[EcertFreePeriod]:
    stmt = select(EcertFreePeriod).order_by(EcertFreePeriod.id)
    if not include_withdrawn:
        stmt = stmt.where(EcertFreePeriod.withdrawn_at.is_(None))
    return list(session.scalars(stmt))


def matching_free_periods(session: Session, *, profile: str, issued_on: dt.date) -> list[EcertFreePeriod]:
    """The rules in force that cover a certificate of this profile issued on this date."""
    stmt = (select(EcertFreePeriod)
            .where(EcertFreePeriod.withdrawn_at.is_(None),
                   EcertFreePeriod.profile.in_((profile, ALL_PROFILES)),
                   or_(EcertFreePeriod.issued_from.is_(None), EcertFreePeriod.issued_from <= issued_on),
                   or_(EcertFreePeriod.issued_until.is_(None), EcertFreePeriod.issued_until >= issued_on))
            .order_by(EcertFreePeriod.id))
    return list(session.scalars(stmt))


def add_free_period(session: Session, *, clock: Clock, profile: str, kind: str, months: int | None = None,
                    issued_from: dt.date | None = None, issued_until: dt.date | None = None,
                    note: str | None = None, actor: str) -> EcertFreePeriod:
    """Add a free-use rule; it applies to subscriptions that start from now on."""
    profile = _profile(profile)
    if kind not in FREE_KINDS:
        raise InvalidInput(N_("'%(kind)s' is not a kind of free-use period; use validity (free until the "
                              "certificate's validity ends) or months (free for a number of months from issue)."),
                           kind=kind)
    if kind == "months" and (months is None or not 1 <= months <= 120):
        raise InvalidInput(N_("A free-use period in months needs a number of months from 1 to 120."))
    if kind == "validity" and months is not None:
        raise InvalidInput(N_("A free-use period until the end of the validity takes no number of months."))
    if issued_from is not None and issued_until is not None and issued_from > issued_until:
        raise InvalidInput(N_("The issue dates of a free-use period are the wrong way round (%(issued_from)s is "
                              "after %(issued_until)s)."),
                           issued_from=issued_from.isoformat(), issued_until=issued_until.isoformat())
    if note is not None and len(note) > 200:
        raise InvalidInput(N_("A note may have at most %(limit)s characters."), limit=200)
    row = EcertFreePeriod(profile=profile, kind=kind, months=months, issued_from=issued_from,
                          issued_until=issued_until, note=note, created_by=actor, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="ecert.free-period-added",
                 subject_type="ecert_free_period", subject_key=str(row.id),
                 details={"profile": profile, "kind": kind, "months": months,
                          "issued_from": issued_from.isoformat() if issued_from else None,
                          "issued_until": issued_until.isoformat() if issued_until else None})
    return row


def withdraw_free_period(session: Session, *, clock: Clock, period_id: int, actor: str) -> EcertFreePeriod:
    """Stop a free-use rule for subscriptions that start from now on (those started keep their free period)."""
    row = session.get(EcertFreePeriod, period_id)
    if row is None:
        raise NotFound(N_("There is no free-use period %(id)s."), id=period_id)
    if row.withdrawn_at is not None:
        raise Conflict(N_("Free-use period %(id)s was withdrawn already."), id=period_id)
    row.withdrawn_at = clock.now()
    row.withdrawn_by = actor
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="ecert.free-period-withdrawn",
                 subject_type="ecert_free_period", subject_key=str(row.id), details={})
    return row
