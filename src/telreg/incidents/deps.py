"""Who may use the incident pages and API: an administrator, a regulator or an operator's compliance officer.

The route declares the roles (core/access.py); the service checks, per incident, that an operator's officer
handles only their own operator's (service.get_incident).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from telreg.core.access import Access, declares
from telreg.core.errors import PermissionDenied
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.incidents.service import MANAGER_ROLES

__all__ = ["INCIDENT_CHANGE", "IncidentManager"]


@declares(Access.staff(*MANAGER_ROLES))
def _incident_manager(user: CurrentUser) -> User:
    if not set(MANAGER_ROLES) & set(user.roles):
        raise PermissionDenied(N_("Only an administrator, a regulator or an operator's compliance officer may "
                                  "handle incidents."))
    return user


IncidentManager = Annotated[User, Depends(_incident_manager)]
# The role check before CSRF, so a client that is not signed in hears "sign in" (401), not "the form expired".
INCIDENT_CHANGE = [Depends(_incident_manager), CsrfChecked]
