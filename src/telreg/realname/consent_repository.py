"""Every query of consent (realname/consent.py). Adds and flushes; never commits.

The instruction in force for (holder, controller, purpose) is the first in the order ``given_at DESC,
recorded_at DESC, id DESC`` (:data:`LATEST_FIRST`): the per-holder read and the set-based marketing list use
the same order, so the per-number check and the list cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from telreg.realname.consent_models import Consent
from telreg.realname.models import Number, Operator, Registration

__all__ = ["LATEST_FIRST", "add", "consenting_numbers", "history", "latest", "lock_key", "same_instruction"]

LATEST_FIRST = (Consent.given_at.desc(), Consent.recorded_at.desc(), Consent.id.desc())


def _of(controller: str, operator_id: int | None) -> Any:
    """The WHERE clause of one controller (the CA's rows have no operator)."""
    return and_(Consent.controller == controller,
                Consent.operator_id.is_(None) if operator_id is None else Consent.operator_id == operator_id)


def lock_key(session: Session, *, identity_id: int, controller: str, operator_id: int | None,
             purpose: str) -> None:
    """Serialise the instructions of one (holder, controller, purpose) until the transaction ends.

    Two instructions recorded at once then take their ``recorded_at`` and ``id`` in the order they commit, so
    "the later recorded wins" means the one committed last. PostgreSQL takes a transaction advisory lock on
    the key; SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = f"realname-consent:{identity_id}:{controller}:{operator_id or ''}:{purpose}"
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def add(session: Session, row: Consent) -> Consent:
    session.add(row)
    session.flush()
    return row


def latest(session: Session, *, identity_id: int, controller: str, operator_id: int | None,
           purpose: str) -> Consent | None:
    """The holder's instruction in force for this controller and purpose, or None when they gave none."""
    stmt = (select(Consent)
            .where(Consent.identity_id == identity_id, Consent.purpose == purpose, _of(controller, operator_id))
            .order_by(*LATEST_FIRST).limit(1))
    return session.scalar(stmt)


def same_instruction(session: Session, *, identity_id: int, controller: str, operator_id: int | None,
                     purpose: str, decision: str, given_at: dt.datetime) -> bool:
    """Whether this very instruction (same holder, controller, purpose, decision and time) is on record."""
    stmt = select(Consent.id).where(
        Consent.identity_id == identity_id, Consent.purpose == purpose, _of(controller, operator_id),
        Consent.decision == decision, Consent.given_at == given_at).limit(1)
    return session.scalar(stmt) is not None


def history(session: Session, *, identity_id: int) -> list[tuple[Consent, str | None, str | None]]:
    """Every instruction of a holder, oldest given first, with its operator's code and name (None: the CA)."""
    stmt = (select(Consent, Operator.code, Operator.name)
            .outerjoin(Operator, Operator.id == Consent.operator_id)
            .where(Consent.identity_id == identity_id)
            .order_by(Consent.given_at, Consent.recorded_at, Consent.id))
    return [(row, code, name) for row, code, name in session.execute(stmt)]


def consenting_numbers(session: Session, *, operator_id: int, purpose: str) -> list[str]:
    """The operator's currently registered numbers whose holder's latest instruction to the operator for
    PURPOSE is a grant, in number order — one query.

    The window function ranks each holder's instructions to this operator for this purpose in the order of
    :data:`LATEST_FIRST`; the numbers are joined to the first-ranked one when it is a grant. A holder with no
    instruction has no row there, so their numbers never appear: no consent, no use.
    """
    ranked = (select(Consent.identity_id, Consent.decision,
                     func.row_number().over(partition_by=Consent.identity_id, order_by=LATEST_FIRST)
                     .label("rank"))
              .where(Consent.purpose == purpose, _of("operator", operator_id))
              .subquery("ranked"))
    stmt = (select(Number.number)
            .join(Registration, and_(Registration.number_id == Number.id, Registration.ended_at.is_(None),
                                     Registration.operator_id == operator_id))
            .join(ranked, and_(ranked.c.identity_id == Registration.holder_id, ranked.c.rank == 1,
                               ranked.c.decision == "granted"))
            .order_by(Number.number))
    return list(session.scalars(stmt))
