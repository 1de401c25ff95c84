"""Staff sign-in and sign-out (every staff role; each context's staff pages are in its own package), and the
start page that sends each role on to its own page (web/menu.py) or says that no page is for it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from telreg.core.security import CsrfChecked, CurrentUser, sign_in, sign_out, signed_in_username
from telreg.core.users import authenticate
from telreg.deps import DbSession, RuntimeDep
from telreg.web import i18n
from telreg.web.menu import HOME, landing_page, may_open
from telreg.web.render import flash, redirect, render

router = APIRouter(prefix="/staff")


def _safe_next(value: str | None) -> str:
    # Only a path on this site: "//host" or "/\host" would send a freshly signed-in officer elsewhere.
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return HOME


def _after_sign_in(roles: list[str], wanted: str) -> str:
    """Go on to the page asked for when it is for the user's roles, else to the user's own start page."""
    if wanted != HOME and may_open(roles, wanted.partition("?")[0]):
        return wanted
    return landing_page(roles) or HOME


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
    return redirect(_after_sign_in(list(outcome.user.roles), _safe_next(next)))


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, user: CurrentUser) -> Response:
    """Go to the signed-in user's own start page; a user whose roles have no staff page is told so."""
    landing = landing_page(user.roles)
    if landing is not None:
        return redirect(landing)
    return render(request, "staff/home.html", {"display_name": user.display_name})


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    """Sign out and return to the public page, which says so."""
    sign_out(request)
    flash(request, "flash_signed_out")
    return redirect("/")
