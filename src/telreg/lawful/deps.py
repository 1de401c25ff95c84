"""Who may do what in lawful access, as request dependencies (the API and the pages use the same ones).

Separation of duties is the point of this context, so here — unlike elsewhere — an administrator does **not**
pass every check: a platform administrator is neither an agency's officer, nor an operator's compliance officer,
nor the regulator, and must not be able to file, approve, release or read a request by holding ``admin``.

    le-officer, le-supervisor   file requests for their agency, attach warrants, cancel, download their results
    le-supervisor               endorses an emergency request filed by another officer of the agency
    operator-compliance         approves or rejects its operator's tasks; a second one releases (vault mode)
    regulator                   oversight: every request and its state, escalations, the transparency report
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from telreg.core.access import Access, declares
from telreg.core.i18n import N_, Message
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.core.users import COMPLIANCE_ROLE, ROLE_NAMES
from telreg.lawful.errors import SeparationOfDuties

LE_OFFICER, LE_SUPERVISOR, REGULATOR = "le-officer", "le-supervisor", "regulator"
LE_ROLES = frozenset({LE_OFFICER, LE_SUPERVISOR})


def require_exact_role(user: User, *roles: str) -> None:
    """Refuse unless the user holds one of the roles itself (``admin`` does not stand in for them here)."""
    if set(roles).isdisjoint(user.roles):
        named = Message.term(roles[0], ROLE_NAMES[roles[0]]) if roles[0] in ROLE_NAMES else roles[0]
        raise SeparationOfDuties(N_("This needs the '%(role)s' role; lawful access keeps its duties apart, so an "
                                    "administrator's role does not stand in for it."), role=named)


@declares(Access.staff(LE_OFFICER, LE_SUPERVISOR))
def _le_member(user: CurrentUser) -> User:
    require_exact_role(user, LE_OFFICER, LE_SUPERVISOR)
    return user


@declares(Access.staff(LE_SUPERVISOR))
def _le_supervisor(user: CurrentUser) -> User:
    require_exact_role(user, LE_SUPERVISOR)
    return user


@declares(Access.staff(COMPLIANCE_ROLE))
def _compliance_officer(user: CurrentUser) -> User:
    require_exact_role(user, COMPLIANCE_ROLE)
    return user


@declares(Access.staff(REGULATOR))
def _regulator(user: CurrentUser) -> User:
    require_exact_role(user, REGULATOR)
    return user


LeMember = Annotated[User, Depends(_le_member)]
LeSupervisor = Annotated[User, Depends(_le_supervisor)]
ComplianceOfficer = Annotated[User, Depends(_compliance_officer)]
Regulator = Annotated[User, Depends(_regulator)]
# The role check before CSRF, so a client that is not signed in hears "sign in" (401), not "the form expired".
LE_CHANGE = [Depends(_le_member), CsrfChecked]
SUPERVISOR_CHANGE = [Depends(_le_supervisor), CsrfChecked]
COMPLIANCE_CHANGE = [Depends(_compliance_officer), CsrfChecked]
REGULATOR_CHANGE = [Depends(_regulator), CsrfChecked]
