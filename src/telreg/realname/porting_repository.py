"""Every query of number porting. Adds and flushes; never commits.

The number's row lock (repository.number_row(..., for_update=True)) serialises every change of one number; a
port request is read again under that lock (``for_update``, refreshing what the session already holds), so a
decision committed meanwhile by another clerk is seen, not overwritten.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telreg.core.db import insert_unless_duplicate, locked
from telreg.realname.models import Operator, Registration
from telreg.realname.porting_models import PortRequest

__all__ = ["add_port", "open_port", "operators_by_id", "port_row", "ports", "registration"]


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


def ports(session: Session, *, operator_id: int | None = None, state: str | None = None,
          limit: int = 200) -> list[PortRequest]:
    """Return port requests, newest first: those where the operator is donor or recipient (None: all)."""
    stmt = select(PortRequest)
    if operator_id is not None:
        stmt = stmt.where(or_(PortRequest.donor_operator_id == operator_id,
                              PortRequest.recipient_operator_id == operator_id))
    if state is not None:
        stmt = stmt.where(PortRequest.state == state)
    stmt = stmt.order_by(PortRequest.requested_at.desc(), PortRequest.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def registration(session: Session, registration_id: int) -> Registration | None:
    return session.get(Registration, registration_id)


def operators_by_id(session: Session) -> dict[int, Operator]:
    return {row.id: row for row in session.scalars(select(Operator))}
