"""Staff sign-in and sign-out (every staff role; each context's staff pages are in its own package), and the
start page that sends each role on to its own page (web/menu.py) or says that no page is for it."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from telreg.core import captcha, rate_limits, sessions, two_factor_signin, users
from telreg.core.access import Public
from telreg.core.security import (
    CsrfChecked,
    CurrentUser,
    complete_staff_sign_in,
    end_server_session,
    session_token,
    sign_out,
    signed_in_username,
)
from telreg.core.users import authenticate
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders.signin_api import audio_url
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


_FAILURES_KEY = "login_failures"  # wrong sign-ins from this browser, for the CAPTCHA (the account counts too)


def _captcha_needed(request: Request, session: DbSession, runtime: Runtime, username: str = "") -> bool:
    """The CAPTCHA is asked after repeated failures: of this browser, or of the account named."""
    threshold = runtime.settings.staff_captcha_after_failures
    if int(request.session.get(_FAILURES_KEY, 0)) >= threshold:
        return True
    return bool(username) and users.failed_logins(session, username) >= threshold


def _login_page(request: Request, session: DbSession, runtime: Runtime, *, next_url: str, username: str = "",
                error: str | None = None, error_field: str | None = None, status_code: int = 200) -> Response:
    context: dict[str, Any] = {"next_url": next_url, "username_value": username, "error": error,
                               "error_field": error_field}
    if _captcha_needed(request, session, runtime, username):
        # Every showing of the form gets a fresh picture: a challenge answers one guess only.
        token, png = captcha.issue(session, runtime.clock, answers=captcha.answer_source(runtime),
                                   audio_key=captcha.audio_key_for(runtime))
        context.update(captcha_token=token, captcha_audio=audio_url(token),
                       captcha_picture="data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    return render(request, "staff/login.html", context, status_code=status_code)


@router.get("/login", response_class=HTMLResponse, dependencies=[Public])
def login_form(request: Request, session: DbSession, runtime: RuntimeDep, next: str | None = None) -> Response:
    """Show the sign-in form (or go straight on when already signed in); after repeated failures, a CAPTCHA."""
    if signed_in_username(request) and session_token(request):
        return redirect(_safe_next(next))
    return _login_page(request, session, runtime, next_url=_safe_next(next))


@router.post("/login", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def login(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    captcha_token: Annotated[str, Form()] = "",
    captcha_answer: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the password (and, after repeated failures, the CAPTCHA first); a failure is shown on the form and
    its counter is committed (towards the lockout)."""
    rate_limits.limit_signin(request, session, scope="staff-login-page")
    t = i18n.translator(i18n.choose_language(request))
    if _captcha_needed(request, session, runtime, username) and not captcha.verify(
            session, runtime.clock, token=captcha_token, answer=captcha_answer):
        # The picture first: a script without the answer learns nothing about the password and locks no one out.
        return _login_page(request, session, runtime, next_url=_safe_next(next), username=username,
                           error=t("captcha_wrong"), error_field="captcha_answer", status_code=401)
    outcome = authenticate(session, clock=runtime.clock, username=username, password=password,
                           settings=runtime.settings)
    if outcome.user is None:
        request.session[_FAILURES_KEY] = int(request.session.get(_FAILURES_KEY, 0)) + 1
        error = outcome.message_in(i18n.choose_language(request)) if outcome.locked else t("login_wrong")
        return _login_page(request, session, runtime, next_url=_safe_next(next), username=username, error=error,
                           error_field="password", status_code=401)
    if second := two_factor_signin.start(request, session, runtime=runtime, user=outcome.user,
                                         next_url=_after_sign_in(list(outcome.user.roles), _safe_next(next))):
        return redirect(second)  # password accepted, second factor pending (core.two_factor_signin)
    complete_staff_sign_in(request, session, runtime, outcome.user)
    return redirect(_after_sign_in(list(outcome.user.roles), _safe_next(next)))


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, user: CurrentUser) -> Response:
    """Go to the signed-in user's own start page; a user whose roles have no staff page is told so."""
    landing = landing_page(user.roles)
    if landing is not None:
        return redirect(landing)
    return render(request, "staff/home.html", {"display_name": user.display_name})


@router.post("/logout", dependencies=[Public, CsrfChecked])
def logout(request: Request, session: DbSession, runtime: RuntimeDep) -> Response:
    """Sign out (the session ends on the server too) and return to the public page, which says so."""
    end_server_session(request, session, runtime)
    flash(request, "flash_signed_out")
    return redirect("/")


@router.get("/sessions", response_class=HTMLResponse)
def my_sessions(request: Request, user: CurrentUser, session: DbSession, runtime: RuntimeDep) -> Response:
    """Where the signed-in user is signed in (browsers and clients), with "sign out everywhere"."""
    rows = sessions.active_sessions(session, clock=runtime.clock, settings=runtime.settings, kind=sessions.STAFF,
                                    principal=user.username, current_token=session_token(request))
    return render(request, "sessions.html", {"sessions": rows, "revoke_action": "/staff/sessions/revoke-all"})


@router.post("/sessions/revoke-all", dependencies=[CsrfChecked])
def sign_out_everywhere(request: Request, user: CurrentUser, session: DbSession, runtime: RuntimeDep) -> Response:
    """End every session of the signed-in user, this one included."""
    sessions.revoke_all(session, clock=runtime.clock, kind=sessions.STAFF, principal=user.username,
                        reason="signed-out-everywhere", actor=f"user:{user.username}")
    sign_out(request)
    flash(request, "flash_signed_out")
    return redirect("/")
