"""The retention page: personal data due for erasure, held by lawful access, kept for an e-Cert, erased.

``/staff/realname/retention?from=&to=`` for the ``regulator`` (every identity) and ``operator-compliance`` (the
people its operator registered) roles, administrators too — the same report as the API
(realname/retention_api.py builds it for the user), with a link to its CSV. Identities are shown by id and
document type only.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.realname.retention_api import RetentionReader, build_report
from telreg.web.query import optional_day
from telreg.web.render import render

router = APIRouter(prefix="/staff/realname")


@router.get("/retention", response_class=HTMLResponse)
def retention_page(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: RetentionReader,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """Show what personal data is due for erasure, held, kept, and what was erased in the period."""
    data = build_report(session, runtime, user, date_from=optional_day(date_from, what=N_("From")),
                        date_to=optional_day(date_to, what=N_("To")))
    period = urlencode({"from": data["from"], "to": data["to"]})
    context: dict[str, Any] = {"report": data, "csv_url": f"/api/v1/realname/retention?{period}&format=csv"}
    return render(request, "realname/retention.html", context)

