"""What a proved person sees: how many numbers each operator has registered under their identity, and the
numbers held with the operator of the number they proved, masked."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from telreg.core.clock import HK
from telreg.core.masking import mask_number
from telreg.realname import repository as registrations
from telreg.realname.lookup import repository
from telreg.realname.lookup.codes import LookupAccess

__all__ = ["summary"]


def summary(session: Session, *, access: LookupAccess) -> dict[str, Any]:
    """Return the counts per operator (every operator, zeros included) and the proved operator's numbers.

    ``numbers`` are in the order their ``position`` (1-based) refers to when a number is flagged by position.
    """
    held = repository.holdings_by_operator(session, access.identity_id)
    operators = registrations.operators(session)
    own = repository.held_numbers(session, identity_id=access.identity_id, operator_id=access.operator_id)
    flagged = repository.open_flagged_number_ids(session, access.identity_id)
    proved = next(op for op in operators if op.id == access.operator_id)
    return {
        "operator": proved.code,
        "total": sum(held.values()),
        "operators": [{"code": op.code, "name": op.name, "count": held.get(op.id, 0),
                       "yours": op.id == access.operator_id} for op in operators],
        "numbers": [{"position": position, "number": mask_number(number.number), "service": number.service,
                     "line": number.line, "state": number.state, "proved": number.id == access.number_id,
                     "flagged": number.id in flagged}
                    for position, number in enumerate(own, start=1)],
        "access_expires_at": access.expires_at.astimezone(HK).isoformat(),
    }
