"""Append-only audit events, written in the caller's transaction.

The table refuses UPDATE and DELETE (database triggers installed by the migration), so history cannot be edited
after the fact even by a buggy service. A listing's history is the audit events about its number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.models import AuditEvent


def record(
    session: Session,
    *,
    clock: Clock,
    actor: str,
    action: str,
    subject_type: str,
    subject_key: str,
    register: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event: who (a person or a channel), did what, to which subject, when."""
    event = AuditEvent(
        occurred_at=clock.now(),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_key=subject_key,
        register=register,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event


def record_many(session: Session, *, clock: Clock, events: Iterable[dict[str, Any]]) -> int:
    """Append many events in one statement (bulk paths); each dict has the keyword arguments of record()."""
    now = clock.now()
    rows = [{"occurred_at": now, "register": None, "details": {}, **event} for event in events]
    if rows:
        session.execute(insert(AuditEvent), rows)
    return len(rows)


def history(session: Session, *, subject_type: str, subject_key: str) -> list[AuditEvent]:
    """Return every event about a subject, oldest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_key == subject_key)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return list(session.scalars(stmt))


def events_between(session: Session, *, start: dt.datetime, end: dt.datetime) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.occurred_at >= start, AuditEvent.occurred_at < end)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return list(session.scalars(stmt))
