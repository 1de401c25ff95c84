"""Request dependencies of the CA's HTTP API and pages: who may act as a registration (CA) officer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from telreg.core.access import Access, declares
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.core.users import require_role

CA_OFFICER_ROLE = "ca-officer"


@declares(Access.staff(CA_OFFICER_ROLE, "admin"))
def _ca_officer(user: CurrentUser) -> User:
    require_role(user, CA_OFFICER_ROLE)
    return user


CaOfficer = Annotated[User, Depends(_ca_officer)]
# The role check before CSRF, so a client that is not signed in hears "sign in" (401), not "the form expired".
CA_CHANGE = [Depends(_ca_officer), CsrfChecked]
