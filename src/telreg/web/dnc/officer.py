"""The do-not-call officer's pages: the dashboard (register sizes, paper applications waiting) and a number's
history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from telreg.core.errors import InvalidNumber
from telreg.core.mail import outbox_stats
from telreg.core.security import CurrentUser, DncOfficer
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc import paper
from telreg.dnc.repository import count_listings
from telreg.dnc.service import listing_history, number_status
from telreg.dnc.vocabulary import Register
from telreg.web import i18n
from telreg.web.dnc.history import history_rows
from telreg.web.menu import HOME, may_open
from telreg.web.render import redirect, render

router = APIRouter(prefix="/staff")


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """Show how many numbers each register holds and the paper applications waiting for a decision."""
    if not may_open(user.roles, "/staff"):
        return redirect(HOME)  # /staff is where "Staff" leads: other roles go on to their own start page
    counts = count_listings(session)
    return render(
        request,
        "staff/dashboard.html",
        {
            "counts": {register.value: counts.get(register.value, 0) for register in Register},
            "pending": paper.count_applications(session, status="pending"),
            "mail": outbox_stats(session),  # failed mails need an officer: see /staff/mail
        },
    )


@router.get("/numbers", response_class=HTMLResponse)
def number_history(
    request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer, number: str = ""
) -> HTMLResponse:
    """Show a number's current status and every recorded event about it."""
    try:
        status = number_status(session, settings=runtime.settings, number=number)
        history = listing_history(session, number=number)
    except InvalidNumber as exc:
        return render(
            request, "staff/number.html", {"number": number, "error": exc}, status_code=exc.status_code
        )
    rows = history_rows(history, i18n.choose_language(request))  # who and what in words, not the trail's codes
    unverified = _unverified(session, runtime, status["number"])
    return render(request, "staff/number.html", {"number": number, "status": status, "history": rows,
                                                 "unverified": unverified})


def _unverified(session: DbSession, runtime: RuntimeDep, national: str) -> int:
    """How many of the number's events the audit log does not cover yet with a verified checkpoint (issue 14)."""
    from telreg.core import audit
    from telreg.core.tlog.service import uncovered

    events = audit.history(session, subject_type="number", subject_key=national)
    return len(uncovered(session, runtime.settings, events))
