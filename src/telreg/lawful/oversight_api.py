"""HTTP API of the regulator's oversight of lawful access (role ``regulator`` only: an administrator does not pass).

    GET  /api/v1/lawful/oversight/requests                      every request, its tasks' real statuses, times
    GET  /api/v1/lawful/oversight/rejections                    every refusal with its reason
    GET  /api/v1/lawful/oversight/emergencies?from=&to=         emergencies, their backing and outcome
    GET  /api/v1/lawful/oversight/transparency?from=&to=&format=json|csv   the transparency report
    POST /api/v1/lawful/oversight/tasks/{object_id}/wrong-person           record a wrong-person incident

Reading needs no CSRF token; the POST does (``X-CSRF-Token``). Instants are ISO 8601 in Hong Kong time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from telreg.core.clock import hk_iso, today
from telreg.core.exports import attachment
from telreg.deps import DbSession, RuntimeDep
from telreg.lawful import oversight, transparency
from telreg.lawful.deps import REGULATOR_CHANGE, Regulator

__all__ = ["DEFAULT_DAYS", "WrongPersonIn", "default_period", "router", "to_json"]

router = APIRouter(prefix="/api/v1/lawful/oversight", tags=["lawful access oversight"])

DEFAULT_DAYS = 30  # the period when none is given: the last 30 days up to today
MAX_PAGE = 200
From = Annotated[dt.date | None, Query(alias="from", description="First day (Hong Kong; default: 30 days ago)")]
To = Annotated[dt.date | None, Query(alias="to", description="Last day, included (default: today)")]


class WrongPersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=10_000, description="What went wrong; never the person's name or numbers")


def to_json(value: Any) -> Any:
    """A dataclass of oversight.py as JSON: instants in Hong Kong time, nested rows alike."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {item.name: to_json(getattr(value, item.name)) for item in dataclasses.fields(value)}
        for name in ("approval_hours", "release_hours"):
            if hasattr(value, name):
                data[name] = getattr(value, name)
        return data
    if isinstance(value, dt.datetime):
        return hk_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def default_period(runtime: Any, date_from: dt.date | None, date_to: dt.date | None) -> oversight.Period:
    end = date_to or today(runtime.clock)
    return oversight.Period(date_from or end - dt.timedelta(days=DEFAULT_DAYS), end)


@router.get("/requests")
def requests(
    session: DbSession,
    user: Regulator,
    status: Annotated[str | None, Query(description="An authorisation's or any of its tasks' status")] = None,
    agency: Annotated[str | None, Query(description="An agency's code")] = None,
    operator: Annotated[str | None, Query(description="An operator's code (requests with a task routed there)")]
    = None,
    legal_type: Annotated[Literal["Warrant", "Emergency"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Every authorisation, newest first, with its tasks: the real status (a refusal reads Rejected), the
    rejection's reason, approval and release times in hours, who decided. Targets by their format only."""
    found = oversight.requests_overview(session, status=status, agency=agency, operator=operator,
                                        legal_type=legal_type, limit=limit, offset=offset)
    return {"total": found.total, "limit": limit, "offset": offset, "requests": to_json(found.rows)}


@router.get("/rejections")
def rejections(session: DbSession, user: Regulator, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
               offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """Operators' rejections of tasks and supervisors' refused endorsements, with reasons, newest first."""
    return {"total": oversight.count_rejections(session), "limit": limit, "offset": offset,
            "rejections": to_json(oversight.rejections(session, limit=limit, offset=offset))}


@router.get("/emergencies")
def emergencies(session: DbSession, runtime: RuntimeDep, user: Regulator, date_from: From = None,
                date_to: To = None) -> dict[str, Any]:
    """Emergency requests filed in the period (every one when neither end is given), newest first: endorsement,
    first release, backing due and backed, outcome (backed-in-time, backed-late, revoked, not-released,
    pending), escalation to the regulator."""
    period = None if date_from is None and date_to is None else default_period(runtime, date_from, date_to)
    rows = oversight.emergencies(session, period=period)
    return {"from": period.date_from.isoformat() if period else None,
            "to": period.date_to.isoformat() if period else None, "emergencies": to_json(rows)}


@router.get("/transparency", response_model=None,
            responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})
def transparency_report(
    session: DbSession,
    runtime: RuntimeDep,
    user: Regulator,
    date_from: From = None,
    date_to: To = None,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv (a download)")] = "json",
) -> dict[str, Any] | Response:
    """The transparency report of the requests filed in the period: by legal type, agency, data asked for,
    operator and outcome; response times (median, 90th percentile); emergencies by outcome; ambiguous matches
    refused; wrong-person incidents. CSV: one row per category, value and figure."""
    period = default_period(runtime, date_from, date_to)
    report = transparency.transparency_report(session, date_from=period.date_from, date_to=period.date_to)
    if format == "csv":
        filename = f"lawful-transparency-{period.date_from}-{period.date_to}.csv"
        return Response(transparency.report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": attachment(filename)})
    return report.as_dict()


@router.post("/tasks/{object_id}/wrong-person", status_code=201, dependencies=REGULATOR_CHANGE)
def wrong_person(object_id: str, body: WrongPersonIn, session: DbSession, runtime: RuntimeDep,
                 user: Regulator) -> dict[str, Any]:
    """Record that a disclosed task concerned the wrong person (once per task; an audit event)."""
    event = oversight.report_wrong_person(session, clock=runtime.clock, user=user, task_object_id=object_id,
                                          note=body.note)
    return {"task": object_id, "event_id": event.id, "reported_at": hk_iso(event.occurred_at)}
