"""Who may do what in enforcement, as request dependencies (the API and the pages use the same ones).

    the public       report a message (proving the receiving number by a one-time code), see a report's state
    regulator        record reports taken by phone or on paper, every report and its assessment, cases,
                     information requests, notices, referrals, the seed-number pool, the statistics dashboard
    admin            passes, as on the platform's other staff pages (enforcement has no separation of duties to
                     keep from administrators, unlike lawful access)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from telreg.core.access import Access, declares
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.core.users import require_role

REGULATOR = "regulator"


@declares(Access.staff(REGULATOR, "admin"))
def _enforcement_officer(user: CurrentUser) -> User:
    require_role(user, REGULATOR)
    return user


EnforcementOfficer = Annotated[User, Depends(_enforcement_officer)]
# For a change: ``dependencies=OFFICER_CHANGE`` (the role check before the CSRF check, so no session hears 401).
OFFICER_CHANGE = [Depends(_enforcement_officer), CsrfChecked]
__all__ = ["OFFICER_CHANGE", "REGULATOR", "EnforcementOfficer"]
