"""Queries of the dialog state (``dnc_ivr_calls``). Adds and flushes; never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.dnc.models import IvrCall


def get_call(session: Session, call_id: str, *, for_update: bool = False) -> IvrCall | None:
    """Load a call; with for_update, turns of the same call are answered one at a time on PostgreSQL."""
    stmt = select(IvrCall).where(IvrCall.call_id == call_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def add_call(session: Session, call: IvrCall) -> IvrCall | None:
    """Insert a call; return None when a start for the same call id was stored first (a re-delivered start)."""
    try:
        with session.begin_nested():
            session.add(call)
            session.flush()
    except IntegrityError:
        return None
    return call
