"""Every query of the incidents context (the affected-holder queries are in affected.py, beside their use)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core.db import add_unless_duplicate
from telreg.incidents.models import Incident, IncidentScope, IncidentStep

__all__ = ["add_incident", "by_reference", "incidents", "last_reference", "scope_of", "steps_of"]


def last_reference(session: Session, prefix: str) -> str | None:
    """The highest reference starting with PREFIX (zero-padded, so text order is number order)."""
    return session.scalar(select(func.max(Incident.reference)).where(Incident.reference.like(f"{prefix}%")))


def add_incident(session: Session, row: Incident) -> bool:
    """Insert an incident; False (transaction still usable) when its reference was taken meanwhile."""
    return add_unless_duplicate(session, row)


def by_reference(session: Session, reference: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.reference == reference.strip().upper()))


def incidents(session: Session, *, operator: str | None = None, state: str | None = None,
              limit: int = 100, offset: int = 0) -> list[Incident]:
    """Incidents newest first; with OPERATOR, that operator's only (an operator's officer sees no others)."""
    stmt = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit).offset(offset)
    if operator is not None:
        stmt = stmt.where(Incident.operator_code == operator)
    if state is not None:
        stmt = stmt.where(Incident.state == state)
    return list(session.scalars(stmt))


def scope_of(session: Session, incident_id: int) -> list[IncidentScope]:
    return list(session.scalars(select(IncidentScope).where(IncidentScope.incident_id == incident_id)
                                .order_by(IncidentScope.id)))


def steps_of(session: Session, incident_id: int) -> list[IncidentStep]:
    return list(session.scalars(select(IncidentStep).where(IncidentStep.incident_id == incident_id)
                                .order_by(IncidentStep.position, IncidentStep.id)))
