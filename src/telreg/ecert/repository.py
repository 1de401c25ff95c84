"""Queries of the certificate lifecycle (applications, certificates by serial or identity), as named functions.

Adds and flushes, never commits; the one conditional update here (``claim_application``) is how two officers
issuing one application at once end with one certificate: the UPDATE … WHERE state = 'submitted' succeeds for
one of them (PostgreSQL makes the second wait for the first and then finds no row; SQLite serialises writers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from telreg.core.db import add_unless_duplicate
from telreg.ecert.models import Application, Certificate

__all__ = [
    "add_application", "application_by_reference", "applications", "certificate_by_serial",
    "certificate_of_application", "certificates", "certificates_of_identity", "claim_application",
    "count_applications", "last_reference", "set_token",
]


# --- applications -------------------------------------------------------------------------------------------

def application_by_reference(session: Session, reference: str) -> Application | None:
    return session.scalar(select(Application).where(Application.reference == reference))


def applications(session: Session, *, state: str | None = None, limit: int = 100,
                 offset: int = 0) -> list[Application]:
    stmt = select(Application).order_by(Application.created_at.desc(), Application.id.desc())
    if state is not None:
        stmt = stmt.where(Application.state == state)
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def count_applications(session: Session, *, state: str | None = None) -> int:
    stmt = select(func.count()).select_from(Application)
    if state is not None:
        stmt = stmt.where(Application.state == state)
    return session.scalar(stmt) or 0


def last_reference(session: Session, prefix: str) -> str | None:
    """The highest reference starting with PREFIX (references are zero-padded, so text order is number order)."""
    return session.scalar(select(func.max(Application.reference)).where(Application.reference.like(f"{prefix}%")))


def add_application(session: Session, row: Application) -> bool:
    """Insert an application; False (transaction still usable) when its reference was taken meanwhile."""
    return add_unless_duplicate(session, row)


def claim_application(session: Session, application: Application, *, state: str, at: dt.datetime,
                      actor: str, reason: str | None = None) -> bool:
    """Move a submitted application to STATE; False when it was not submitted any more (someone else won)."""
    result = session.execute(
        update(Application)
        .where(Application.id == application.id, Application.state == "submitted")
        .values(state=state, decided_at=at, decided_by=actor[:100], reason=reason)
        .execution_options(synchronize_session=False)
    )
    session.expire(application)
    return (result.rowcount or 0) == 1


# --- certificates -------------------------------------------------------------------------------------------

def certificate_by_serial(session: Session, serial: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.serial == serial))


def certificate_of_application(session: Session, application_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.application_id == application_id)
                          .order_by(Certificate.id.desc()).limit(1))


def certificates(session: Session, *, serial_prefix: str | None = None, state: str | None = None,
                 identity_id: int | None = None, limit: int = 100, offset: int = 0) -> list[Certificate]:
    stmt = select(Certificate).where(Certificate.subject_kind.in_(("person", "organisation")))
    if serial_prefix:
        stmt = stmt.where(Certificate.serial.like(f"{serial_prefix}%"))
    if state is not None:
        stmt = stmt.where(Certificate.state == state)
    if identity_id is not None:
        stmt = stmt.where(Certificate.identity_id == identity_id)
    stmt = stmt.order_by(Certificate.created_at.desc(), Certificate.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def certificates_of_identity(session: Session, identity_id: int, *, states: Collection[str],
                             as_authorised_person: bool = False) -> list[Certificate]:
    """The identity's certificates in one of STATES (with AS_AUTHORISED_PERSON, also those of organisations it
    acts for), oldest first."""
    condition = Certificate.identity_id == identity_id
    if as_authorised_person:
        condition = condition | (Certificate.authorised_person_id == identity_id)
    stmt = select(Certificate).where(condition, Certificate.state.in_(tuple(states))).order_by(Certificate.id)
    return list(session.scalars(stmt))


def set_token(session: Session, certificate: Certificate, *, token_serial: str) -> bool:
    """Record the card holding the certificate; False when a card was recorded meanwhile."""
    result = session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.token_serial.is_(None))
        .values(token_serial=token_serial)
        .execution_options(synchronize_session=False)
    )
    session.expire(certificate)
    return (result.rowcount or 0) == 1
