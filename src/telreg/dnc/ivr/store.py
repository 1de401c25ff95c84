"""Queries of the dialog state (``dnc_ivr_calls``). Adds and flushes; never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.db import add_unless_duplicate
from telreg.dnc.models import IvrCall


def get_call(session: Session, call_id: str, *, for_update: bool = False) -> IvrCall | None:
    """Load a call; with for_update, turns of the same call are answered one at a time on PostgreSQL."""
    stmt = select(IvrCall).where(IvrCall.call_id == call_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def add_call(session: Session, call: IvrCall) -> IvrCall | None:
    """Insert a call; return None when a start for the same call id was stored first (a re-delivered start)."""
    return call if add_unless_duplicate(session, call) else None
