"""Read a number's registration as staff see it: personal data masked."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from telreg.core.clock import HK
from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.realname import identities, repository
from telreg.realname.errors import NumberNotFound
from telreg.realname.models import Operator, Registration
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.policy import Policy

__all__ = ["number_view"]


def number_view(session: Session, *, vault: Vault, policy: Policy, number: str) -> dict[str, Any]:
    """Return the number, its operator, state and current registration (None when unregistered), masked."""
    national = parse_subscriber_number(number, jurisdiction=policy.jurisdiction)
    row = repository.number_row(session, national)
    if row is None:
        raise NumberNotFound(N_("Number %(number)s is not known to any operator."), number=national)
    operator = session.get(Operator, row.operator_id)
    current = repository.current_registration(session, row.id)
    return {
        "number": row.number,
        "operator": operator.code if operator else None,
        "service": row.service,
        "line": row.line,
        "state": row.state,
        "legacy": row.legacy,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "registration": _registration(session, vault, current) if current else None,
    }


def _registration(session: Session, vault: Vault, registration: Registration) -> dict[str, Any]:
    def party(identity_id: int | None) -> dict[str, Any] | None:
        return identities.masked(vault, repository.identity(session, identity_id)) if identity_id else None

    return {
        "id": registration.id,
        "registered_at": registration.registered_at.astimezone(HK).isoformat(),
        "holder": party(registration.holder_id),
        "guardian": party(registration.guardian_id),
        "agent": party(registration.agent_id),
        "handler": party(registration.handler_id),
        "authorisation_letter": registration.authorisation_letter_sealed is not None,
        "capture_method": registration.capture_method,
        "verified_by": registration.verified_by,
    }
