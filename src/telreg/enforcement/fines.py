"""The fine scale: effective-dated penalties per offence, a revisable table (never constants in code).

The row in force for an offence on a day is the one with the latest ``effective_from`` on or before that day. A
revision is a new row (:func:`add_rate`), never an edit, dated today or later — so a referral made under the
old scale keeps the amounts it was made with (they are copied into the notice's ``referral`` as well).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.enforcement.errors import StepRefused
from telreg.enforcement.models import FineRate
from telreg.enforcement.vocabulary import OFFENCES

__all__ = ["UNITS", "add_rate", "list_rates", "rate_on", "rate_view", "scale_on"]

# The unit each offence is counted in (a per-day rate multiplies the days the offence continued).
UNITS = {"notice-first": "fixed", "notice-subsequent": "fixed", "notice-continuing": "per-day",
         "register-misuse": "fixed"}


def rate_on(session: Session, offence: str, day: dt.date) -> FineRate | None:
    """The row of OFFENCE in force on DAY (None before the scale begins)."""
    return session.scalar(select(FineRate).where(FineRate.offence == offence, FineRate.effective_from <= day)
                          .order_by(FineRate.effective_from.desc()).limit(1))


def scale_on(session: Session, day: dt.date) -> dict[str, FineRate]:
    """Every offence's row in force on DAY."""
    found = {offence: rate_on(session, offence, day) for offence in OFFENCES}
    return {offence: row for offence, row in found.items() if row is not None}


def list_rates(session: Session) -> list[FineRate]:
    """Every row, current and past: by offence, newest first."""
    return list(session.scalars(select(FineRate).order_by(FineRate.offence, FineRate.effective_from.desc())))


def rate_view(row: FineRate) -> dict[str, Any]:
    return {"offence": row.offence, "amount_cents": row.amount_cents, "unit": row.unit, "level": row.level,
            "imprisonment_years": row.imprisonment_years, "effective_from": row.effective_from.isoformat(),
            "legal_reference": row.legal_reference, "created_by": row.created_by}


def add_rate(session: Session, *, clock: Clock, offence: str, amount_cents: int, effective_from: dt.date,
             legal_reference: str, officer: str, level: int | None = None,
             imprisonment_years: int | None = None) -> FineRate:
    """Add a revision of OFFENCE's penalty from EFFECTIVE_FROM (today or later; one row per offence and day)."""
    if offence not in OFFENCES:
        raise InvalidInput(N_("Unknown offence %(offence)s; choose one of %(known)s."), offence=offence,
                           known=", ".join(OFFENCES))
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput(N_("The amount must be a positive number of Hong Kong dollars."), amount=amount_cents)
    if effective_from < today(clock):
        raise InvalidInput(N_("A revision takes effect today or later, not on %(effective_from)s: the scale "
                              "as it stood in the past is kept."), effective_from=effective_from.isoformat())
    legal_reference = (legal_reference or "").strip()
    if not legal_reference or len(legal_reference) > 200:
        raise InvalidInput(N_("Give the legal reference of the revision (at most 200 characters)."))
    if level is not None and not 1 <= level <= 6:
        raise InvalidInput(N_("A level on the standard scale of fines is from 1 to 6."), level=level)
    row = FineRate(offence=offence, amount_cents=amount_cents, unit=UNITS[offence], level=level,
                   imprisonment_years=imprisonment_years, effective_from=effective_from,
                   legal_reference=legal_reference, created_by=officer, created_at=clock.now())
    if not add_unless_duplicate(session, row):
        raise StepRefused(N_("The scale already has a row for %(offence)s from %(effective_from)s."),
                          offence=offence, effective_from=effective_from.isoformat())
    audit.record(session, clock=clock, actor=officer, action="enforcement-fine-rate-added",
                 subject_type="enforcement-fine-scale", subject_key=offence, details=rate_view(row))
    return row
