"""Every query of the one-identity lookup. Adds and flushes; never commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from telreg.core.db import locked
from telreg.realname.lookup.models import LookupChallenge, NumberFlag
from telreg.realname.models import Number, Registration


# ---- challenges ------------------------------------------------------------------------------------------


def add_challenge(session: Session, row: LookupChallenge) -> LookupChallenge:
    session.add(row)
    session.flush()
    return row


def challenge_by_token(session: Session, token_hash: str) -> LookupChallenge | None:
    stmt = select(LookupChallenge).where(LookupChallenge.token_hash == token_hash)
    return session.scalar(locked(session, stmt))


def challenge_by_access(session: Session, access_hash: str) -> LookupChallenge | None:
    return session.scalar(select(LookupChallenge).where(LookupChallenge.access_hash == access_hash))


def lock_request_keys(session: Session, *, document_index: str, number: str) -> None:
    """Serialise code requests for this document and this number until the transaction ends.

    The limits are "count the recent requests, then record one": two requests counted side by side would both
    see room. PostgreSQL takes a transaction advisory lock per key (in a fixed order, so two requests cannot
    deadlock); SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted((f"realname-lookup:document:{document_index}", f"realname-lookup:number:{number}")):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def requests_since(session: Session, *, since: dt.datetime, document_index: str | None = None,
                   number: str | None = None) -> list[dt.datetime]:
    """When each code request for this document (or number) since SINCE was made, oldest first."""
    stmt = select(LookupChallenge.created_at).where(LookupChallenge.created_at > since)
    if document_index is not None:
        stmt = stmt.where(LookupChallenge.document_index == document_index)
    if number is not None:
        stmt = stmt.where(LookupChallenge.number == number)
    return list(session.scalars(stmt.order_by(LookupChallenge.created_at)))


def supersede_pending(session: Session, *, number: str) -> None:
    """Retire the codes still waiting for this number: only the newest code sent to a number works."""
    session.execute(
        update(LookupChallenge)
        .where(LookupChallenge.number == number, LookupChallenge.state == "pending")
        .values(state="superseded")
        .execution_options(synchronize_session=False)
    )


# ---- holdings --------------------------------------------------------------------------------------------


def holdings_by_operator(session: Session, identity_id: int) -> dict[int, int]:
    """How many numbers the identity holds now, per operator id."""
    stmt = (select(Registration.operator_id, func.count())
            .where(Registration.holder_id == identity_id, Registration.ended_at.is_(None))
            .group_by(Registration.operator_id))
    return {operator_id: count for operator_id, count in session.execute(stmt)}


def held_numbers(session: Session, *, identity_id: int, operator_id: int) -> list[Number]:
    """The numbers the identity holds now with one operator, by number (the order positions refer to)."""
    stmt = (select(Number).join(Registration, Registration.number_id == Number.id)
            .where(Registration.holder_id == identity_id, Registration.operator_id == operator_id,
                   Registration.ended_at.is_(None))
            .order_by(Number.number))
    return list(session.scalars(stmt))


# ---- flags -----------------------------------------------------------------------------------------------


def open_flag(session: Session, *, number_id: int, identity_id: int) -> NumberFlag | None:
    return session.scalar(select(NumberFlag).where(NumberFlag.number_id == number_id,
                                                   NumberFlag.identity_id == identity_id,
                                                   NumberFlag.status == "open"))


def open_flagged_number_ids(session: Session, identity_id: int) -> set[int]:
    stmt = select(NumberFlag.number_id).where(NumberFlag.identity_id == identity_id,
                                              NumberFlag.status == "open")
    return set(session.scalars(stmt))


def flag_row(session: Session, flag_id: int) -> NumberFlag | None:
    return session.scalar(locked(session, select(NumberFlag).where(NumberFlag.id == flag_id)))


def flags_of_operator(session: Session, *, operator_id: int, status: str, limit: int,
                      offset: int = 0) -> list[NumberFlag]:
    """The operator's flags in one status, oldest first for open ones (work them in order), else newest."""
    order = NumberFlag.at.asc() if status == "open" else NumberFlag.closed_at.desc()
    stmt = (select(NumberFlag).where(NumberFlag.operator_id == operator_id, NumberFlag.status == status)
            .order_by(order, NumberFlag.id).offset(offset or None).limit(limit))
    return list(session.scalars(stmt))


def count_flags_of_operator(session: Session, *, operator_id: int, status: str) -> int:
    stmt = (select(func.count()).select_from(NumberFlag)
            .where(NumberFlag.operator_id == operator_id, NumberFlag.status == status))
    return int(session.scalar(stmt) or 0)
