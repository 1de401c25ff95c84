"""The regulator's lawful-access pages (role ``regulator`` only; an administrator does not pass):

    /staff/lawful/oversight        every request and its tasks' real statuses (filters, paging), the emergencies
                                   and their backing, the rejections with reasons; "report a wrong-person
                                   incident" on a disclosed task, through a confirmation step
    /staff/lawful/transparency     the transparency report of a period as tables and bar charts, with its CSV

Each page calls the queries of telreg.lawful.oversight / transparency; nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.clock import today
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.lawful import oversight, transparency
from telreg.lawful.agencies import list_agencies
from telreg.lawful.deps import REGULATOR_CHANGE, Regulator
from telreg.lawful.hi1.dictionaries import LEGAL_TYPES
from telreg.lawful.oversight_api import DEFAULT_DAYS
from telreg.realname.operators import list_operators
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.lawful.charts import bar_chart
from telreg.web.lawful_oversight.words import namer
from telreg.web.paging import paginate
from telreg.web.query import optional_day
from telreg.web.realname.common import FormFields, form_fields
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/lawful")
OVERSIGHT = "/staff/lawful/oversight"
TRANSPARENCY = "/staff/lawful/transparency"
Form = Annotated[FormFields, Depends(form_fields)]
FILTERS = ("status", "agency", "operator", "legal_type")
SIDE_LIST = 20  # emergencies and rejections per page, under the requests


def _filters(request: Request) -> dict[str, str | None]:
    return {name: (request.query_params.get(name) or "").strip() or None for name in FILTERS}


def _oversight_page(request: Request, session: Session, *, filters: dict[str, str | None],
                    extra: dict[str, Any] | None = None, status_code: int = 200,
                    after_post: bool = False) -> HTMLResponse:
    lang = i18n.choose_language(request)
    # Re-shown after a refused POST, the pagers lead to the page's own address, not to the form's.
    where: dict[str, Any] = {"path": OVERSIGHT, "keep": {}} if after_post else {}
    requests_page = paginate(request, total=oversight.count_requests(session, **filters), **where)
    found = oversight.requests_overview(session, **filters, limit=requests_page.size, offset=requests_page.offset)
    disclosed = [task.object_id for row in found.rows for task in row.tasks if task.released_at is not None]
    emergencies_page = paginate(request, total=oversight.count_emergencies(session), param="emergency_page",
                                size=SIDE_LIST, fragment="emergencies", **where)
    rejections_page = paginate(request, total=oversight.count_rejections(session), param="rejection_page",
                               size=SIDE_LIST, fragment="rejections", **where)
    return render(request, "lawful_oversight/oversight.html", {
        "say": namer(lang), "filters": filters, "statuses": oversight.STATUSES, "legal_types": LEGAL_TYPES,
        "agencies": {agency.code: agency.name for agency in list_agencies(session)},
        "operators": {operator.code: operator.name for operator in list_operators(session)},
        "requests": found.rows, "requests_page": requests_page,
        "reported": oversight.reported_tasks(session, disclosed),
        "emergencies": oversight.emergencies(session, limit=emergencies_page.size,
                                             offset=emergencies_page.offset),
        "emergencies_page": emergencies_page,
        "rejections": oversight.rejections(session, limit=rejections_page.size, offset=rejections_page.offset),
        "rejections_page": rejections_page, "note": "", "noted_task": None,
        **(extra or {})}, status_code=status_code)


@router.get("/oversight", response_class=HTMLResponse)
def oversight_page(request: Request, session: DbSession, user: Regulator) -> HTMLResponse:
    """Show every lawful-access request with the truth of its tasks, the emergencies and the rejections."""
    return _oversight_page(request, session, filters=_filters(request))


@router.post("/oversight/tasks/{object_id}/wrong-person", response_class=HTMLResponse,
             dependencies=REGULATOR_CHANGE)
def report_wrong_person(object_id: str, request: Request, session: DbSession, runtime: RuntimeDep, user: Regulator,
                        form: Form) -> Response:
    """Record that a disclosed task concerned the wrong person (after a confirmation step)."""
    note = form.get("note", "") if isinstance(form.get("note"), str) else ""
    lang = i18n.choose_language(request)
    try:
        if note and not confirmed(form.get("confirm")):
            reference, request_reference = oversight.task_references(session, object_id)
            t = i18n.translator(lang)
            return confirm_page(request, title=t("lo_confirm_title"),
                                question=t("lo_confirm_question", reference=reference, request=request_reference),
                                details=[(t("lo_confirm_note"), note)],
                                action=f"{OVERSIGHT}/tasks/{object_id}/wrong-person", fields={"note": note},
                                button=t("lo_confirm_button"), back=OVERSIGHT)
        event = oversight.report_wrong_person(session, clock=runtime.clock, user=user, task_object_id=object_id,
                                              note=note)
    except DomainError as exc:
        session.rollback()
        return _oversight_page(request, session, filters=dict.fromkeys(FILTERS), status_code=exc.status_code,
                               after_post=True, extra={"error": i18n.error_message(exc, lang), "note": note,
                                                       "noted_task": object_id})
    flash(request, "lo_flash_reported", reference=event.details["task_reference"])
    return redirect(OVERSIGHT)



@router.get("/transparency", response_class=HTMLResponse)
def transparency_page(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: Regulator,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """Show the transparency report of a period: tables, bar charts, and the CSV to download."""
    lang = i18n.choose_language(request)
    say = namer(lang)
    end = optional_day(date_to, what=N_("To")) or today(runtime.clock)
    start = optional_day(date_from, what=N_("From")) or end - dt.timedelta(days=DEFAULT_DAYS)
    report = transparency.transparency_report(session, date_from=start, date_to=end)
    operators = {operator.code: operator.name for operator in list_operators(session)}
    no_operator = i18n.translator(lang)("lo_no_operator")

    def chart(chart_id: str, counts: dict[str, int], words: Any) -> Any:
        return bar_chart(chart_id, [(key, words(key), count) for key, count in counts.items()])

    charts = [
        (N_("By legal basis"), chart("chart-legal-type", report.by_legal_type,
                                     lambda key: say("legal_type", key))),
        (N_("By data asked for"), chart("chart-request-type", report.by_request_type,
                                        lambda key: say("request_type", key))),
        (N_("By operator"), chart("chart-operator", report.by_operator,
                                  lambda key: no_operator if key == transparency.NO_OPERATOR
                                  else operators.get(key, key))),
        (N_("By outcome"), chart("chart-outcome", report.by_outcome, lambda key: say("outcome", key))),
    ]
    period = urlencode({"from": start.isoformat(), "to": end.isoformat()})
    return render(request, "lawful_oversight/transparency.html", {
        "say": say, "report": report, "charts": charts, "date_from": start.isoformat(), "date_to": end.isoformat(),
        "agencies": {agency.code: agency.name for agency in list_agencies(session)},
        "csv_url": f"/api/v1/lawful/oversight/transparency?{period}&format=csv",
        "emergency_total": sum(report.emergencies.values())})
