"""The effective-dated fee table: a fee per register for each plan, revisable by officers from a future date.

Decision: the defaults (HK$1,600 for 12 months, HK$425 for 3 months) are not seeded rows but settings
(``sender_fee_12_months_cents`` / ``sender_fee_3_months_cents``) that apply on any date before the first revision
of a plan. Reading fees then never writes, and a fresh database prices correctly with nothing loaded. A revision
is a row in force from its ``effective_from`` date until the next revision of that plan; it cannot start in the
past, so a price already charged or quoted is never rewritten. An order keeps the fees of the date it was made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.errors import Conflict, InvalidInput
from telreg.core.i18n import N_
from telreg.core.users import officer
from telreg.senders import repository
from telreg.senders.models import SenderFee
from telreg.senders.vocabulary import Plan, format_hkd

__all__ = ["FeeEntry", "fee_for", "fee_table", "revise_fee"]

DEFAULT_SINCE = dt.date(2007, 12, 22)  # the UEMO's Part 2 commencement; the default applies from the start


@dataclass(frozen=True)
class FeeEntry:
    plan: str
    amount_cents: int
    effective_from: dt.date
    source: str  # "default" (a setting) or "revision" (an officer's row)
    created_by: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"plan": self.plan, "amount_cents": self.amount_cents, "amount": format_hkd(self.amount_cents),
                "effective_from": self.effective_from.isoformat(), "source": self.source,
                "created_by": self.created_by}


def _default_cents(settings: Settings, plan: Plan) -> int:
    if plan is Plan.twelve_months:
        return settings.sender_fee_12_months_cents
    return settings.sender_fee_3_months_cents


def fee_for(session: Session, *, settings: Settings, plan: Plan, on: dt.date) -> int:
    """Return the fee per register, in cents, for a plan on a date."""
    row = repository.fee_in_force(session, plan.value, on)
    return row.amount_cents if row is not None else _default_cents(settings, plan)


def fee_table(session: Session, *, settings: Settings, clock: Clock) -> dict[str, object]:
    """Return every fee entry per plan (defaults and revisions), and which one is in force today."""
    on = today(clock)
    rows = repository.fee_rows(session)
    entries = [FeeEntry(plan.value, _default_cents(settings, plan), DEFAULT_SINCE, "default") for plan in Plan]
    entries += [FeeEntry(r.plan, r.amount_cents, r.effective_from, "revision", r.created_by) for r in rows]
    entries.sort(key=lambda e: (e.plan, e.effective_from))
    in_force = {plan.value: fee_for(session, settings=settings, plan=plan, on=on) for plan in Plan}
    return {"as_of": on.isoformat(), "entries": [e.as_dict() for e in entries],
            "in_force": {plan: {"amount_cents": cents, "amount": format_hkd(cents)} for plan, cents in in_force.items()}}


def revise_fee(
    session: Session, *, clock: Clock, plan: Plan, amount_cents: int, effective_from: dt.date, officer_name: str
) -> SenderFee:
    """Publish a new fee for a plan from a date (today or later); applications and renewals from then pay it."""
    clerk = officer(session, officer_name)
    if amount_cents <= 0:
        raise InvalidInput(N_("A fee must be more than HK$0."))
    if effective_from < today(clock):
        raise InvalidInput(
            N_("A fee cannot be revised from a past date (%(effective_from)s): orders made since then were "
               "already charged. Choose today or a later date."), effective_from=effective_from.isoformat())
    row = SenderFee(plan=plan.value, amount_cents=amount_cents, effective_from=effective_from,
                    created_by=clerk.username, created_at=clock.now())
    if not repository.try_add(session, row):
        raise Conflict(N_("A %(plan)s fee from %(effective_from)s already exists."),
                       plan=plan.value, effective_from=effective_from.isoformat())
    audit.record(session, clock=clock, actor=f"officer:{clerk.username}", action="sender-fee-revised",
                 subject_type="sender-fee", subject_key=plan.value,
                 details={"amount_cents": amount_cents, "effective_from": effective_from.isoformat()})
    return row
