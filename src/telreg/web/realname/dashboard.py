"""The regulator's real-name compliance dashboard: the rate per operator over time, the target, the figures.

``/staff/realname/compliance?from=&to=`` for the ``regulator`` role (administrators too): a chart drawn as
inline SVG (web/realname_chart.py), today's live figures, the daily rows, and links to the CSV exports of
the reports API. English and the policy's Chinese (Traditional for Hong Kong, Simplified for the mainland).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from telreg.core.access import Access, declares
from telreg.core.clock import today
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.security import CurrentUser
from telreg.core.users import require_role
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import reports
from telreg.realname.policy import get_policy
from telreg.realname.reports_api import DEFAULT_DAYS, REGULATOR_ROLE
from telreg.realname.staff import visible_operators
from telreg.web.query import optional_day
from telreg.web.realname.chart import rate_chart
from telreg.web.render import render

router = APIRouter(prefix="/staff/realname")


@declares(Access.staff(REGULATOR_ROLE, "admin"))
def _regulator(user: CurrentUser) -> User:
    require_role(user, REGULATOR_ROLE)
    return user


Regulator = Annotated[User, Depends(_regulator)]


@router.get("/compliance", response_class=HTMLResponse)
def compliance_dashboard(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: Regulator,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """Show the real-name rate of every operator over the period, against the policy's target."""
    policy = get_policy(runtime.settings)
    end = optional_day(date_to, what=N_("To")) or today(runtime.clock)
    start = optional_day(date_from, what=N_("From")) or end - dt.timedelta(days=DEFAULT_DAYS)
    rows = reports.compliance(session, date_from=start, date_to=end)
    period = urlencode({"from": start.isoformat(), "to": end.isoformat()})
    context: dict[str, Any] = {
        "target": policy.real_name_target_percent,
        "date_from": start.isoformat(),
        "date_to": end.isoformat(),
        "live": reports.live_figures(session, policy=policy),
        "rows": sorted(rows, key=lambda row: row["day"], reverse=True),  # the latest day first, stable
        "chart": rate_chart(rows, target=policy.real_name_target_percent, first=start, last=end),
        "csv_url": f"/api/v1/realname/reports/compliance?{period}&format=csv",
        "noncompliance_csv_url": "/api/v1/realname/reports/non-compliance?format=csv",
        # People read operators' names; the codes stay in data- attributes, the CSV and the API.
        "operator_names": {operator.code: operator.name for operator in visible_operators(session, user)},
    }
    return render(request, "realname/dashboard.html", context)

