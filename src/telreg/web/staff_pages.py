"""Staff sign-in and sign-out, the officer dashboard and a number's history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from telreg.core.errors import InvalidNumber
from telreg.core.security import CsrfChecked, DncOfficer, sign_in, sign_out, signed_in_username
from telreg.core.users import authenticate
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc import paper
from telreg.dnc.repository import count_listings
from telreg.dnc.service import listing_history, number_status
from telreg.dnc.vocabulary import Register
from telreg.web import i18n
from telreg.web.render import redirect, render

router = APIRouter(prefix="/staff")


def _safe_next(value: str | None) -> str:
    # Only a path on this site: "//host" or "/\host" would send a freshly signed-in officer elsewhere.
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/staff"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    """Show the sign-in form (or go straight on when already signed in)."""
    if signed_in_username(request):
        return redirect(_safe_next(next))
    return render(request, "staff/login.html", {"next_url": _safe_next(next)})


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfChecked])
def login(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the password; a failure is shown on the form and its counter is committed (towards lockout)."""
    outcome = authenticate(session, clock=runtime.clock, username=username, password=password)
    if outcome.user is None:
        t = i18n.translator(i18n.choose_language(request))
        error = t("login_locked") if "locked" in outcome.message else t("login_wrong")
        return render(
            request,
            "staff/login.html",
            {"error": error, "username_value": username, "next_url": _safe_next(next)},
            status_code=401,
        )
    sign_in(request, outcome.user)
    return redirect(_safe_next(next))


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    """Sign out and return to the public page."""
    sign_out(request)
    return redirect("/")


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, user: DncOfficer) -> HTMLResponse:
    """Show how many numbers each register holds and the paper applications waiting for a decision."""
    counts = count_listings(session)
    return render(
        request,
        "staff/dashboard.html",
        {
            "counts": {register.value: counts.get(register.value, 0) for register in Register},
            "pending": len(paper.list_applications(session, status="pending")),
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
    return render(request, "staff/number.html", {"number": number, "status": status, "history": history})
