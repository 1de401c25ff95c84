"""Law-enforcement agencies: created by an administrator; their officers' accounts name them (users.agency_code)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.errors import Conflict, InvalidInput
from telreg.core.i18n import N_
from telreg.lawful.errors import ObjectNotFound
from telreg.lawful.models import Agency

__all__ = ["add_agency", "agency_by_code", "list_agencies"]

_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def add_agency(session: Session, *, clock: Clock, code: str, name: str, country_code: str = "HK",
               actor: str = "system") -> Agency:
    """Create an agency; a code that exists already is a Conflict."""
    code, name, country_code = code.strip(), name.strip(), country_code.strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidInput(N_("An agency code is 1-32 lower-case letters, digits, '-' or '_' (got %(given)s)."),
                           code=code, given=repr(code))
    if not name or len(name) > 200:
        raise InvalidInput(N_("An agency needs a name of at most 200 characters."), code=code)
    if not _COUNTRY.fullmatch(country_code):
        raise InvalidInput(N_("A country code is two capital letters (ISO 3166), got %(given)s."),
                           given=repr(country_code))
    row = Agency(code=code, name=name, country_code=country_code, created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(N_("An agency with code %(code)s exists already."), code=code) from None
    audit.record(session, clock=clock, actor=actor, action="lawful-agency-added", subject_type="la-agency",
                 subject_key=code, details={"name": name, "country": country_code})
    return row


def agency_by_code(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise ObjectNotFound(N_("There is no law-enforcement agency with code %(code)s."), code=code)
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))
