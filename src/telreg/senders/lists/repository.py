"""Every query of the sender's lists. Adds and flushes, never commits; never updates or deletes a row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from telreg.senders.lists.models import SenderInstruction

__all__ = ["add", "add_many", "current", "history"]


def add(session: Session, row: SenderInstruction) -> SenderInstruction:
    session.add(row)
    session.flush()
    return row


def add_many(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    if rows:
        session.execute(insert(SenderInstruction), list(rows))
    return len(rows)


def _one_list(account_id: int, client_ref: str, register: str) -> tuple[Any, ...]:
    return (SenderInstruction.account_id == account_id, SenderInstruction.client_ref == client_ref,
            SenderInstruction.register == register)


def current(session: Session, *, account_id: int, client_ref: str, register: str) -> list[SenderInstruction]:
    """Each number's latest instruction, by number.

    Latest = greatest given_at; at the same given_at 'unsubscribe' sorts after 'consent' and wins (the rule of
    senders.scrub.instructions); the id only breaks ties between identical instructions.
    """
    rank = func.row_number().over(
        partition_by=SenderInstruction.number,
        order_by=(SenderInstruction.given_at.desc(), SenderInstruction.instruction.desc(), SenderInstruction.id.desc()),
    ).label("rank")
    ranked = select(SenderInstruction.id, rank).where(*_one_list(account_id, client_ref, register)).subquery()
    query = (select(SenderInstruction).join(ranked, ranked.c.id == SenderInstruction.id)
             .where(ranked.c.rank == 1).order_by(SenderInstruction.number))
    return list(session.scalars(query))


def history(session: Session, *, account_id: int, client_ref: str, register: str,
            number: str | None = None) -> list[SenderInstruction]:
    """Every instruction of a list (or of one number), oldest first, in the order the current-state rule uses."""
    query = select(SenderInstruction).where(*_one_list(account_id, client_ref, register))
    if number is not None:
        query = query.where(SenderInstruction.number == number)
    order = (SenderInstruction.number, SenderInstruction.given_at, SenderInstruction.instruction, SenderInstruction.id)
    return list(session.scalars(query.order_by(*order)))
