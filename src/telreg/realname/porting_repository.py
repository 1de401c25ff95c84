"""Every query of number porting. Adds and flushes; never commits.

The number's row lock (repository.number_row(..., for_update=True)) serialises every change of one number; a
port request is read again under that lock (``for_update``, refreshing what the session already holds), so a
decision committed meanwhile by another clerk is seen, not overwritten.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telreg.core.db import insert_unless_duplicate, locked
from telreg.realname.models import Operator, Registration
from telreg.realname.porting_models import PortRequest

__all__ = ["add_port", "count_ports", "open_port", "operators_by_id", "port_row", "ports", "registration"]


def port_row(session: Session, port_id: int, *, for_update: bool = False) -> PortRequest | None:
    stmt = select(PortRequest).where(PortRequest.id == port_id)
    if for_update:
        stmt = locked(session, stmt).execution_options(populate_existing=True)
    return session.scalar(stmt)


def open_port(session: Session, number_id: int) -> PortRequest | None:
    """Return the number's open (``requested``) port request, if any."""
    return session.scalar(select(PortRequest).where(PortRequest.number_id == number_id,
                                                    PortRequest.state == "requested"))


def add_port(session: Session, row: PortRequest) -> PortRequest | None:
    """Insert a port request; None when the number has an open one already (the partial unique index)."""
    return insert_unless_duplicate(session, row)


def _which(stmt: Any, *, operator_id: int | None, state: str | None, side: str | None, decided: bool) -> Any:
    if operator_id is not None:
        donor, recipient = (PortRequest.donor_operator_id == operator_id,
                            PortRequest.recipient_operator_id == operator_id)
        stmt = stmt.where({"donor": donor, "recipient": recipient}.get(side or "", or_(donor, recipient)))
    if state is not None:
        stmt = stmt.where(PortRequest.state == state)
    if decided:
        stmt = stmt.where(PortRequest.state != "requested")
    return stmt


def ports(session: Session, *, operator_id: int | None = None, state: str | None = None,
          limit: int | None = 200, offset: int = 0, side: str | None = None,
          decided: bool = False) -> list[PortRequest]:
    """Return port requests, newest first: those where the operator is donor or recipient (None: all), or
    only one SIDE ("donor", "recipient"); only DECIDED ones (no longer "requested"); a page with OFFSET."""
    stmt = _which(select(PortRequest), operator_id=operator_id, state=state, side=side, decided=decided)
    stmt = (stmt.order_by(PortRequest.requested_at.desc(), PortRequest.id.desc())
            .offset(offset or None).limit(limit))
    return list(session.scalars(stmt))


def count_ports(session: Session, *, operator_id: int | None = None, state: str | None = None,
                side: str | None = None, decided: bool = False) -> int:
    """How many port requests ``ports`` finds in all."""
    stmt = _which(select(func.count()).select_from(PortRequest), operator_id=operator_id, state=state,
                  side=side, decided=decided)
    return int(session.scalar(stmt) or 0)


def registration(session: Session, registration_id: int) -> Registration | None:
    return session.get(Registration, registration_id)


def operators_by_id(session: Session) -> dict[int, Operator]:
    return {row.id: row for row in session.scalars(select(Operator))}
