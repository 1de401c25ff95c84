"""Every query of the washing service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.senders.washing.models import SenderWash

__all__ = ["by_reference", "count_of_account", "due_to_expire", "finished_before", "get", "of_account", "states",
           "stuck"]


def get(session: Session, wash_id: int, *, for_update: bool = False) -> SenderWash | None:
    return session.get(SenderWash, wash_id, with_for_update=for_update and _is_postgresql(session))


def by_reference(session: Session, *, account_id: int, client_reference: str) -> SenderWash | None:
    return session.scalar(select(SenderWash).where(SenderWash.account_id == account_id,
                                                   SenderWash.client_reference == client_reference))


def of_account(session: Session, *, account_id: int, limit: int = 200, offset: int = 0) -> list[SenderWash]:
    stmt = (select(SenderWash).where(SenderWash.account_id == account_id)
            .order_by(SenderWash.created_at.desc(), SenderWash.id.desc()).offset(offset or None).limit(limit))
    return list(session.scalars(stmt))


def count_of_account(session: Session, *, account_id: int) -> int:
    stmt = select(func.count()).select_from(SenderWash).where(SenderWash.account_id == account_id)
    return int(session.scalar(stmt) or 0)


def due_to_expire(session: Session, *, now: dt.datetime) -> list[SenderWash]:
    stmt = select(SenderWash).where(SenderWash.state != "expired", SenderWash.expires_at <= now)
    return list(session.scalars(stmt.order_by(SenderWash.id)))


def stuck(session: Session, *, before: dt.datetime) -> list[SenderWash]:
    """Washes queued or running since before ``before``: their job gave up (or the worker is long gone)."""
    stmt = select(SenderWash).where(SenderWash.state.in_(("queued", "running")), SenderWash.created_at < before)
    return list(session.scalars(stmt.order_by(SenderWash.id)))


def states(session: Session, *, ids: Collection[int]) -> dict[int, str]:
    """The state of each of these washes that has a row (ids without one are missing from the answer)."""
    if not ids:
        return {}
    stmt = select(SenderWash.id, SenderWash.state).where(SenderWash.id.in_(sorted(ids)))
    return {wash_id: state for wash_id, state in session.execute(stmt)}


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def finished_before(session: Session, *, before: dt.datetime, states: Collection[str]) -> list[SenderWash]:
    """Washes in one of STATES that finished (or, never started, were made) before BEFORE."""
    finished = func.coalesce(SenderWash.finished_at, SenderWash.created_at)
    query = select(SenderWash).where(SenderWash.state.in_(list(states)), finished < before).order_by(SenderWash.id)
    return list(session.scalars(query))
