"""An operator's compliance queues: its numbers per lifecycle state, counted, and one state's numbers paged.

The states are those of models.NUMBER_STATES that need the operator's attention: ``unregistered`` (legacy
numbers waiting for registration, with their deadline, and new numbers never registered), ``outgoing_barred``,
``suspended``, ``deactivated`` and ``quarantine``. The lifecycle (lifecycle.py) moves numbers between them;
this module only reads. Holders are shown masked, and only where a number has a current registration.
The few queries are kept here, beside their only use, rather than in repository.py: they are read-only and
shaped for this page.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core.clock import HK
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.realname import identities, words
from telreg.realname import repository as registrations
from telreg.realname.errors import OperatorNotFound
from telreg.realname.models import Identity, Number, Registration

__all__ = ["PAGE_SIZE", "QUEUE_STATES", "queues"]

QUEUE_STATES = ("unregistered", "outgoing_barred", "suspended", "deactivated", "quarantine")
PAGE_SIZE = 50


def queues(session: Session, *, vault: Vault, operator_code: str, state: str = "unregistered", page: int = 1,
           per_page: int = PAGE_SIZE) -> dict[str, Any]:
    """Return the operator's count per queue state and page PAGE of the numbers in STATE."""
    if state not in QUEUE_STATES:
        raise InvalidInput(N_("%(given)s is not a queue; the queues are %(known)s."), state=state,
                           given=repr(state),
                           known=words.comma_list(words.number_state(known) for known in QUEUE_STATES))
    operator = registrations.operator_by_code(session, operator_code)
    if operator is None:
        raise OperatorNotFound(N_("There is no operator with the code %(given)s."), code=operator_code,
                               given=repr(operator_code))
    counts = _counts(session, operator.id)
    total = counts.get(state, 0)
    pages = max(math.ceil(total / per_page), 1)
    page = min(max(page, 1), pages)
    rows = _numbers(session, operator_id=operator.id, state=state, offset=(page - 1) * per_page,
                    limit=per_page)
    holders = _holders(session, vault, [row.id for row in rows])
    return {
        "operator": operator.code,
        "operator_name": operator.name,
        "state": state,
        "counts": {name: counts.get(name, 0) for name in QUEUE_STATES},
        "total": total,
        "page": page,
        "pages": pages,
        "rows": [{
            "number": row.number,
            "service": row.service,
            "line": row.line,
            "legacy": row.legacy,
            "deadline": row.deadline.isoformat() if row.deadline else None,
            "since": row.state_changed_at.astimezone(HK).isoformat(),
            "holder": holders.get(row.id),
        } for row in rows],
    }


def _counts(session: Session, operator_id: int) -> dict[str, int]:
    stmt = (select(Number.state, func.count()).where(Number.operator_id == operator_id)
            .group_by(Number.state))
    return {state: count for state, count in session.execute(stmt)}


def _numbers(session: Session, *, operator_id: int, state: str, offset: int, limit: int) -> list[Number]:
    # Unregistered numbers by deadline, the nearest first (those without one last); the others by how long
    # they have been in their state, the longest first.
    order = ((Number.deadline.is_(None), Number.deadline, Number.number) if state == "unregistered"
             else (Number.state_changed_at, Number.number))
    stmt = (select(Number).where(Number.operator_id == operator_id, Number.state == state)
            .order_by(*order).offset(offset).limit(limit))
    return list(session.scalars(stmt))


def _holders(session: Session, vault: Vault, number_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not number_ids:
        return {}
    stmt = (select(Registration.number_id, Identity).join(Identity, Identity.id == Registration.holder_id)
            .where(Registration.number_id.in_(number_ids), Registration.ended_at.is_(None)))
    return {number_id: identities.masked(vault, identity) for number_id, identity in session.execute(stmt)}
