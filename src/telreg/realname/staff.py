"""Who may act for which operator: each operator's staff register and see its own numbers, the regulator sees
the whole (issue 5). The one rule of the real-name context about it; the API and the pages call it.

Administrators and the regulator act for every operator. An ``operator-staff`` account acts only for the
operator named on it (``User.operator_code``); an account without one (created before operators were named)
acts for none until an administrator attaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from telreg.core.errors import PermissionDenied
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.realname import operators
from telreg.realname.errors import NumberNotFound
from telreg.realname.lookup import repository as lookup_repository
from telreg.realname.models import Operator

__all__ = ["READER_ROLES", "STAFF_ROLE", "acts_for_every_operator", "ensure_acts_for", "ensure_acts_for_flag",
           "number_for_reader", "operator_scope", "visible_operators"]

STAFF_ROLE = "operator-staff"
WHOLE_VIEW_ROLES = frozenset({"admin", "regulator"})
READER_ROLES = frozenset({STAFF_ROLE, *WHOLE_VIEW_ROLES})  # who may read numbers, flags and queues at all


def acts_for_every_operator(user: User) -> bool:
    """Tell whether the user sees and acts for every operator (administrator, regulator)."""
    return not WHOLE_VIEW_ROLES.isdisjoint(user.roles)


def operator_scope(user: User) -> str | None:
    """Return the one operator code the user is limited to, or None when the user acts for every operator.

    A staff account without an operator is limited to the empty code, which matches no operator.
    """
    return None if acts_for_every_operator(user) else (user.operator_code or "")


def ensure_acts_for(user: User, operator_code: str | None) -> None:
    """Refuse (PermissionDenied) unless the user may act for the operator with this code."""
    scope = operator_scope(user)
    if scope is None or (scope and scope == operator_code):
        return
    # The error's values stay those of the API's answer (username, acts_for, operator): one sentence for a
    # known operator and one for none.
    if not scope:
        template = (N_("%(username)s acts for no operator, so not for %(operator)s; an administrator must "
                       "attach the account to its operator.") if operator_code else
                    N_("%(username)s acts for no operator, so not for an unknown operator; an administrator "
                       "must attach the account to its operator."))
        raise PermissionDenied(template, username=user.username, operator=operator_code)
    template = (N_("%(username)s acts for %(acts_for)s, not %(operator)s.") if operator_code else
                N_("%(username)s acts for %(acts_for)s, not an unknown operator."))
    raise PermissionDenied(template, username=user.username, acts_for=scope, operator=operator_code)


def number_for_reader(user: User, number: str, look: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Return ``look()`` (a number's view, raising NumberNotFound when no operator has it) if the user may see it.

    Staff limited to one operator get the same 404 for another operator's number as for an unknown one: a 403
    there would tell them which numbers exist elsewhere and that they are registered.
    """
    scope = operator_scope(user)
    if scope == "":
        ensure_acts_for(user, None)  # an account attached to no operator reads nothing (403, whatever the number)
    try:
        view = look()
    except NumberNotFound:
        if scope is None:
            raise
        view = None
    if scope is not None and (view is None or view["operator"] != scope):
        raise NumberNotFound(N_("Number %(number)s is not one of %(scope)s's numbers."), number=number,
                             scope=scope)
    assert view is not None
    return view


def visible_operators(session: Session, user: User) -> list[Operator]:
    """Return the operators the user may act for, by code: every one, or the staff member's own."""
    scope = operator_scope(user)
    return [row for row in operators.list_operators(session) if scope is None or row.code == scope]


def ensure_acts_for_flag(session: Session, user: User, flag_id: int) -> None:
    """Refuse unless the user may act for the operator of this lookup flag; an unknown flag is left to the
    caller (closing it answers 404)."""
    if operator_scope(user) is None:
        return
    flag = lookup_repository.flag_row(session, flag_id)
    if flag is None:
        return
    operator = session.get(Operator, flag.operator_id)
    ensure_acts_for(user, operator.code if operator else None)
