"""Every query of the sender's lists. Adds and flushes, never commits; never updates or deletes a row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core.db import dialect_insert
from telreg.senders.lists.models import SAME_INSTRUCTION, SenderInstruction

__all__ = ["LATEST_FIRST", "add_new", "count_history", "current", "current_counts", "find_same", "history",
           "number_latest_first"]


def add_new(session: Session, rows: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert the rows not already recorded; return the id and kind of each row added, skipping the others.

    ON CONFLICT DO NOTHING leaves the unique index to decide, which also holds when two imports race: the
    second waits for the first's rows and then skips them. A row repeated within ``rows`` is added once.
    """
    if not rows:
        return []
    table = SenderInstruction.__table__
    statement = dialect_insert(session, table).on_conflict_do_nothing().returning(table.c.id, table.c.instruction)
    return [(row.id, row.instruction) for row in session.execute(statement, list(rows))]


def find_same(session: Session, values: dict[str, Any]) -> SenderInstruction | None:
    """The recorded instruction the same as ``values`` (see models.SAME_INSTRUCTION), if any."""
    same = [getattr(SenderInstruction, name) == values[name] for name in SAME_INSTRUCTION]
    reference = func.coalesce(SenderInstruction.reference, "") == (values.get("reference") or "")
    query = select(SenderInstruction).where(*same, reference).order_by(SenderInstruction.id).limit(1)
    return session.scalar(query)


def _one_list(account_id: int, client_ref: str, register: str) -> tuple[Any, ...]:
    return (SenderInstruction.account_id == account_id, SenderInstruction.client_ref == client_ref,
            SenderInstruction.register == register)


# The order in which a number's instructions supersede one another, the one in force first: latest = greatest
# given_at; at the same given_at 'unsubscribe' sorts after 'consent' and wins (the rule of
# senders.scrub.instructions); the id only breaks ties between identical instructions.
LATEST_FIRST = (SenderInstruction.given_at.desc(), SenderInstruction.instruction.desc(), SenderInstruction.id.desc())


def _latest(account_id: int, client_ref: str, register: str) -> Any:
    """The ids of each number's latest instruction (LATEST_FIRST), as a subquery (column ``id``)."""
    rank = func.row_number().over(partition_by=SenderInstruction.number, order_by=LATEST_FIRST).label("rank")
    ranked = select(SenderInstruction.id, rank).where(*_one_list(account_id, client_ref, register)).subquery()
    return select(ranked.c.id).where(ranked.c.rank == 1).subquery()


def current(session: Session, *, account_id: int, client_ref: str, register: str, limit: int | None = None,
            offset: int = 0) -> list[SenderInstruction]:
    """Each number's latest instruction, by number (a page of them with LIMIT and OFFSET)."""
    latest = _latest(account_id, client_ref, register)
    query = (select(SenderInstruction).join(latest, latest.c.id == SenderInstruction.id)
             .order_by(SenderInstruction.number).offset(offset or None).limit(limit))
    return list(session.scalars(query))


def current_counts(session: Session, *, account_id: int, client_ref: str, register: str) -> dict[str, int]:
    """How many numbers' latest instruction is each kind ({"consent": n, "unsubscribe": m}), in SQL."""
    latest = _latest(account_id, client_ref, register)
    query = (select(SenderInstruction.instruction, func.count())
             .join(latest, latest.c.id == SenderInstruction.id).group_by(SenderInstruction.instruction))
    return {instruction: count for instruction, count in session.execute(query)}


def history(session: Session, *, account_id: int, client_ref: str, register: str,
            number: str | None = None, limit: int | None = None, offset: int = 0) -> list[SenderInstruction]:
    """Every instruction of a list (or of one number), oldest first, in the order the current-state rule uses
    (a page of them with LIMIT and OFFSET)."""
    query = select(SenderInstruction).where(*_one_list(account_id, client_ref, register))
    if number is not None:
        query = query.where(SenderInstruction.number == number)
    order = (SenderInstruction.number, SenderInstruction.given_at, SenderInstruction.instruction, SenderInstruction.id)
    return list(session.scalars(query.order_by(*order).offset(offset or None).limit(limit)))


def count_history(session: Session, *, account_id: int, client_ref: str, register: str,
                  number: str | None = None) -> int:
    """How many instructions the list (or one number of it) holds."""
    query = (select(func.count()).select_from(SenderInstruction)
             .where(*_one_list(account_id, client_ref, register)))
    if number is not None:
        query = query.where(SenderInstruction.number == number)
    return int(session.scalar(query) or 0)


def number_latest_first(session: Session, *, account_ids: Sequence[int], registers: Sequence[str], number: str,
                        at: dt.datetime) -> list[SenderInstruction]:
    """One number's instructions given at or before ``at`` on any list of the accounts (any client_ref) for the
    registers, the one in force first (LATEST_FIRST) — enforcement's assessment reads them (issue 17)."""
    query = select(SenderInstruction).where(
        SenderInstruction.account_id.in_(list(account_ids)), SenderInstruction.register.in_(list(registers)),
        SenderInstruction.number == number, SenderInstruction.given_at <= at)
    return list(session.scalars(query.order_by(*LATEST_FIRST)))
