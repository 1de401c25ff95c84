"""HTTP API of the regulator's real-name reports (role ``regulator``; administrators pass every role check).

``GET /api/v1/realname/reports/compliance?from=&to=`` gives the stored daily rows (reports.py defines every
figure) and today's live figures; ``GET /api/v1/realname/reports/non-compliance`` the findings of seed 003's
four kinds with counts per operator. Both take ``format=csv`` for a download. Reading needs no CSRF token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from telreg.core.access import Access, declares
from telreg.core.clock import today
from telreg.core.exports import attachment
from telreg.core.models import User
from telreg.core.security import CurrentUser
from telreg.core.users import require_role
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import noncompliance, operators, reports
from telreg.realname.policy import get_policy

router = APIRouter(prefix="/api/v1/realname/reports", tags=["real-name reports"],
                   responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})

REGULATOR_ROLE = "regulator"
DEFAULT_DAYS = 30


@declares(Access.staff(REGULATOR_ROLE, "admin"))
def _regulator(user: CurrentUser) -> User:
    require_role(user, REGULATOR_ROLE)
    return user


Regulator = Annotated[User, Depends(_regulator)]
Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv (a download)")]


def _csv(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(filename)})


@router.get("/compliance", response_model=None)
def compliance(
    session: DbSession,
    runtime: RuntimeDep,
    user: Regulator,
    date_from: Annotated[dt.date | None, Query(alias="from", description="First day (default: 30 days ago)")]
    = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="Last day (default: today)")] = None,
    operator: Annotated[str | None, Query(description="One operator's code")] = None,
    format: Format = "json",
) -> dict[str, Any] | Response:
    """Real-name rate per operator and day against the policy's target, lifecycle steps and refusals."""
    policy = get_policy(runtime.settings)
    end = date_to or today(runtime.clock)
    start = date_from or end - dt.timedelta(days=DEFAULT_DAYS)
    rows = reports.compliance(session, date_from=start, date_to=end, operator=operator)
    if format == "csv":
        return _csv(reports.compliance_csv(rows), f"realname-compliance-{start}-{end}.csv")
    live = [row for row in reports.live_figures(session, policy=policy)
            if operator in (None, row["operator"])]
    return {"from": start.isoformat(), "to": end.isoformat(),
            "target_percent": policy.real_name_target_percent, "live": live, "days": rows}


@router.get("/non-compliance", response_model=None)
def non_compliance(session: DbSession, runtime: RuntimeDep, user: Regulator,
                   format: Format = "json") -> dict[str, Any] | Response:
    """Registrations of seed 003's four non-compliant kinds, with counts per operator (names masked)."""
    findings = noncompliance.find(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                                  settings=runtime.settings)
    if format == "csv":
        filename = f"realname-non-compliance-{today(runtime.clock)}.csv"
        return _csv(noncompliance.findings_csv(findings), filename)
    codes = [row.code for row in operators.list_operators(session)]
    return {"as_of": today(runtime.clock).isoformat(), "kinds": list(noncompliance.KINDS),
            "counts": noncompliance.count_by_operator(findings, operators=codes),
            "findings": [vars(finding) for finding in findings]}
