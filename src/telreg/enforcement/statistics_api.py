"""HTTP API of the enforcement statistics (statistics.py): monthly figures per register.

    GET /api/v1/enforcement/statistics?from=YYYY-MM&to=YYYY-MM   the regulator: JSON (default: the last twelve
                                                                months up to the current one, still running)
    GET /api/v1/enforcement/statistics.csv?from=&to=             the same as CSV, a row per month and register
    GET /api/v1/statistics/enforcement?from=&to=                 anyone: complete months only (a later ``to``
                                                                is brought back to last month), counts only

The figures are counts: no reference, no number, no sender's name, so the public answer is the regulator's one
restricted to complete months.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from telreg.core.access import Public
from telreg.core.exports import attachment
from telreg.core.i18n import N_
from telreg.deps import DbSession, ReadSession, RuntimeDep
from telreg.enforcement import statistics
from telreg.enforcement.deps import EnforcementOfficer

__all__ = ["router"]

router = APIRouter(tags=["enforcement statistics"])

From = Annotated[str | None, Query(alias="from", description="First month, YYYY-MM")]
To = Annotated[str | None, Query(alias="to", description="Last month, YYYY-MM (included)")]


def _months(runtime: Any, date_from: str | None, date_to: str | None, *,
            public: bool = False) -> tuple[Any, Any]:
    start = statistics.parse_month(date_from, what=N_("From"))
    end = statistics.parse_month(date_to, what=N_("To"))
    pick = statistics.public_range if public else statistics.staff_range
    return pick(runtime.clock, start, end)


@router.get("/api/v1/enforcement/statistics")
def enforcement_statistics(session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
                           date_from: From = None, date_to: To = None) -> dict[str, Any]:
    """Monthly figures per register (fax, sms, prerecorded, unsure): reports received and their verdict
    classes, cases opened, enforcement notices served, notices referred for prosecution."""
    start, end = _months(runtime, date_from, date_to)
    return statistics.monthly_figures(session, start=start, end=end).as_dict()


@router.get("/api/v1/enforcement/statistics.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "One row per month and register"}})
def enforcement_statistics_csv(session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
                               date_from: From = None, date_to: To = None) -> Response:
    """The monthly figures as CSV: a header row, then one row per month and register."""
    start, end = _months(runtime, date_from, date_to)
    figures = statistics.monthly_figures(session, start=start, end=end)
    return Response(statistics.figures_csv(figures), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(f"enforcement-statistics-{start}-{end}.csv")})


@router.get("/api/v1/statistics/enforcement", dependencies=[Public])
def public_statistics(session: ReadSession, runtime: RuntimeDep, date_from: From = None,
                      date_to: To = None) -> dict[str, Any]:
    """The public figures: complete months only (default: the last twelve), counts per register and month."""
    start, end = _months(runtime, date_from, date_to, public=True)
    return statistics.monthly_figures(session, start=start, end=end).as_dict()
