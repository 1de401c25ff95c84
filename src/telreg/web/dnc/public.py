"""The public page: check whether a number is on the do-not-call registers, and how to register one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from telreg.core.access import Public
from telreg.core.errors import InvalidNumber
from telreg.deps import ReadSession, RuntimeDep
from telreg.dnc.service import number_status
from telreg.web.render import render

router = APIRouter(dependencies=[Public])


@router.get("/", response_class=HTMLResponse)
@router.get("/status", response_class=HTMLResponse)
def status_page(
    request: Request, session: ReadSession, runtime: RuntimeDep, number: str | None = None
) -> HTMLResponse:
    """Show the check form and, when a number is given, its status on each register."""
    context: dict[str, object] = {
        "number": number,
        "protection_days": runtime.settings.protection_working_days,
    }
    if number is None:
        return render(request, "dnc/status.html", context)
    try:
        context["status"] = number_status(session, settings=runtime.settings, number=number)
    except InvalidNumber as exc:
        # A refused number is an answer for the person typing it: show why, on the same page.
        context["error"] = exc
        return render(request, "dnc/status.html", context, status_code=exc.status_code)
    return render(request, "dnc/status.html", context)
