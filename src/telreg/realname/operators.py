"""Operators: the network operators whose numbers are registered. Created by an administrator."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.realname import repository
from telreg.realname.errors import OperatorExists
from telreg.realname.models import Operator

__all__ = ["add_operator", "list_operators"]

_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


def add_operator(session: Session, *, clock: Clock, code: str, name: str, actor: str = "system") -> Operator:
    """Create an operator; a code that exists already is a Conflict (adding is not silently repeated)."""
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise InvalidInput(
            N_("An operator code is 1-32 lower-case letters, digits, '-' or '_' (got %(given)s)."),
            code=code, given=repr(code))
    if not name.strip():
        raise InvalidInput(N_("An operator needs a name."), code=code)
    row = Operator(code=code, name=name.strip(), created_at=clock.now())
    if repository.operator_by_code(session, code) is not None or not repository.add_operator(session, row):
        raise OperatorExists(N_("operator %(code)s exists"), code=code)
    audit.record(session, clock=clock, actor=actor, action="realname-operator-added", subject_type="operator",
                 subject_key=code, details={"name": row.name})
    return row


def list_operators(session: Session) -> list[Operator]:
    """Return every operator, by code."""
    return repository.operators(session)
