"""HTTP API of the retention report: ``GET /api/v1/realname/retention?from=&to=&format=json|csv``.

Roles ``regulator`` (every identity) and ``operator-compliance`` (the people its operator registered;
realname/staff.py's operator scope); administrators too. Reading needs no CSRF token. retention_report.py
defines every figure; no name or document number is in it, not even masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from telreg.core.access import Access, declares
from telreg.core.clock import today
from telreg.core.errors import PermissionDenied
from telreg.core.exports import attachment
from telreg.core.i18n import N_, Message
from telreg.core.models import User
from telreg.core.security import CurrentUser
from telreg.core.users import COMPLIANCE_ROLE, ROLE_NAMES
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import retention_report
from telreg.realname.staff import ensure_acts_for, operator_scope
from telreg.runtime import Runtime

__all__ = ["READER_ROLES", "RetentionReader", "build_report", "router"]

router = APIRouter(prefix="/api/v1/realname/retention", tags=["real-name retention"],
                   responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})

READER_ROLES = ("regulator", COMPLIANCE_ROLE, "admin")
DEFAULT_DAYS = 30


@declares(Access.staff(*READER_ROLES))
def _reader(user: CurrentUser) -> User:
    if set(READER_ROLES).isdisjoint(user.roles):
        raise PermissionDenied(N_("This needs the '%(role)s' role."),
                               role=Message.term("regulator", ROLE_NAMES["regulator"]))
    return user


RetentionReader = Annotated[User, Depends(_reader)]


def build_report(session: Session, runtime: Runtime, user: User, *, date_from: dt.date | None,
                 date_to: dt.date | None) -> dict[str, Any]:
    """The report for this user: every identity, or those of the compliance officer's operator."""
    scope = operator_scope(user)
    if scope == "":
        ensure_acts_for(user, None)  # an account attached to no operator reads nothing
    end = date_to or today(runtime.clock)
    start = date_from or end - dt.timedelta(days=DEFAULT_DAYS)
    operator_id = retention_report.operator_id(session, scope) if scope else None
    return retention_report.report(session, clock=runtime.clock, settings=runtime.settings, date_from=start,
                                   date_to=end, operator_id=operator_id)


@router.get("", response_model=None)
def retention_report_route(
    session: DbSession,
    runtime: RuntimeDep,
    user: RetentionReader,
    date_from: Annotated[dt.date | None, Query(alias="from", description="First day of the erasures listed "
                                                                          "(default: 30 days ago)")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="Last day (default: today)")] = None,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv (a download)")] = "json",
) -> dict[str, Any] | Response:
    """Personal data due for erasure, held by lawful access, kept for an e-Cert, and erased in the period."""
    data = build_report(session, runtime, user, date_from=date_from, date_to=date_to)
    if format == "csv":
        return Response(retention_report.report_csv(data), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": attachment(
                            f"realname-retention-{data['from']}-{data['to']}.csv")})
    return data
