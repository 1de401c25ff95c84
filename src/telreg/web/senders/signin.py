"""Sender portal, signing in: log-in with the CAPTCHA (a picture, and the same characters spoken), log-out,
the password change forced after a one-time password, and "forgotten password" with the security question."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core import captcha, rate_limits, sessions
from telreg.core.access import Public
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_
from telreg.core.security import CsrfChecked, session_token, sign_out
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders import signin
from telreg.senders.deps import end_sender_session, start_sender_session
from telreg.senders.signin_api import audio_url
from telreg.web import i18n
from telreg.web.render import flash, redirect, render
from telreg.web.senders.common import SENDER_NAME_KEY, MaybeSender, SenderPage, detour, error_field, explain

router = APIRouter(prefix="/senders")


def _safe_next(value: str | None) -> str:
    # Only a page of the portal: anything else could send a freshly logged-in sender to another site.
    if value and value.startswith("/senders/") and not value.startswith(("//", "/\\")):
        return value
    return "/senders/profile"


def _problem(request: Request, exc: DomainError) -> dict[str, Any]:
    message, original = explain(exc, i18n.choose_language(request))
    return {"error": message, "error_original": original, "error_field": error_field(exc)}


def _login_page(request: Request, session: Session, runtime: Runtime, *, username: str = "", next_url: str = "",
                problem: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    # Every showing of the form gets a fresh picture: a challenge answers one guess only.
    token, png = captcha.issue(session, runtime.clock, answers=captcha.answer_source(runtime),
                               audio_key=captcha.audio_key_for(runtime))
    picture = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return render(request, "senders/login.html",
                  {"captcha_token": token, "captcha_picture": picture, "captcha_audio": audio_url(token),
                   "username_value": username, "next_url": _safe_next(next_url), **(problem or {})},
                  status_code=status_code)


@router.get("/login", response_class=HTMLResponse, dependencies=[Public])
def login_form(request: Request, session: DbSession, runtime: RuntimeDep, sender: MaybeSender,
               next: str = "") -> Response:
    """Show the log-in form with a new CAPTCHA picture (or go on when already logged in)."""
    if sender is not None:
        return redirect(_safe_next(next))
    return _login_page(request, session, runtime, next_url=next)


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
    """Check the CAPTCHA, then the password; a failure is shown on the form and its counter is committed."""
    rate_limits.limit_signin(request, session, scope="sender-login-page")
    t = i18n.translator(i18n.choose_language(request))
    # The picture first: a script without the answer learns nothing about the password and locks no one out.
    if not captcha.verify(session, runtime.clock, token=captcha_token, answer=captcha_answer):
        problem = {"error": t("captcha_wrong"), "error_field": "captcha_answer"}
        return _login_page(request, session, runtime, username=username, next_url=next, problem=problem,
                           status_code=401)
    result = signin.log_in(session, clock=runtime.clock, settings=runtime.settings, username=username,
                           password=password)
    if result.error is not None or result.account_id is None:
        error = result.error or InvalidInput(N_("The username or password is not correct."))
        problem = {**_problem(request, error), "error_field": "password"}
        return _login_page(request, session, runtime, username=username, next_url=next, problem=problem,
                           status_code=error.status_code)
    start_sender_session(request, session, runtime, result.account_id)
    request.session[SENDER_NAME_KEY] = username.strip().lower()
    return redirect("/senders/password" if result.must_change_password else _safe_next(next))


@router.post("/logout", dependencies=[Public, CsrfChecked])
def logout(request: Request, session: DbSession, runtime: RuntimeDep) -> Response:
    """Log out (the session ends on the server too) and return to the log-in form."""
    end_sender_session(request, session, runtime)
    flash(request, "flash_logged_out")
    return redirect("/senders/login")


# ---- changing the password ----------------------------------------------------------------------------------

def _password_page(request: Request, forced: bool, problem: dict[str, Any] | None = None,
                   status_code: int = 200) -> HTMLResponse:
    return render(request, "senders/password.html", {"forced": forced, **(problem or {})}, status_code=status_code)


@router.get("/password", response_class=HTMLResponse, dependencies=[SenderPage])
def password_form(request: Request, sender: MaybeSender) -> Response:
    """The password change form; after a one-time password every other page leads here."""
    if (elsewhere := detour(request, sender, allow_forced=True)) is not None:
        return elsewhere
    return _password_page(request, request.state.sender_must_change)


@router.post("/password", response_class=HTMLResponse, dependencies=[SenderPage, CsrfChecked])
def change_password(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    sender: MaybeSender,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
) -> Response:
    """Replace the password (the current one, or the one-time password, is asked again)."""
    if (elsewhere := detour(request, sender, allow_forced=True)) is not None:
        return elsewhere
    assert sender is not None
    rate_limits.limit_signin(request, session, scope="sender-password-page")  # the current password is a guess too
    try:
        if new_password != new_password_again:
            raise InvalidInput(N_("The two new passwords are not the same; type the new password again in both fields."))
        with session.begin_nested():
            signin.change_password(session, clock=runtime.clock, account_id=sender.account_id,
                                   current_password=current_password, new_password=new_password)
            # Every session of the account ended with the old password; this browser goes on in a new one.
            name = request.session.get(SENDER_NAME_KEY)
            start_sender_session(request, session, runtime, sender.account_id)
            if name:
                request.session[SENDER_NAME_KEY] = name
    except DomainError as exc:
        problem = _problem(request, exc)
        problem["error_field"] = {"wrong_current_password": "current_password"}.get(exc.code, "new_password")
        return _password_page(request, request.state.sender_must_change, problem, status_code=exc.status_code)
    flash(request, "flash_password_changed")
    return redirect("/senders/profile")


# ---- forgotten password -------------------------------------------------------------------------------------

@router.get("/forgot", response_class=HTMLResponse, dependencies=[Public])
def forgot_form(request: Request) -> HTMLResponse:
    """Ask for the username; the next step asks the account's security question."""
    return render(request, "senders/forgot.html", {"username_value": ""})


@router.post("/forgot", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def forgot(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    username: Annotated[str, Form()] = "",
    answer: Annotated[str | None, Form()] = None,
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
) -> Response:
    """Step 1 (username only): show the question. Step 2 (with the answer): set the new password.

    Every username is asked a question (a decoy when it has no account), so the page cannot tell which exist."""
    rate_limits.limit_signin(request, session, scope="sender-forgot-page")
    context: dict[str, Any] = {"username_value": username}
    try:
        with session.begin_nested():
            context["question"] = signin.security_question(session, username=username, settings=runtime.settings)
    except DomainError as exc:
        problem = {**_problem(request, exc), "error_field": "username"}
        return render(request, "senders/forgot.html", {**context, **problem}, status_code=exc.status_code)
    if answer is None:
        return render(request, "senders/forgot.html", context)
    try:
        if new_password != new_password_again:
            raise InvalidInput(N_("The two new passwords are not the same; type the new password again in both fields."))
        with session.begin_nested():
            result = signin.reset_with_security_answer(session, clock=runtime.clock, settings=runtime.settings,
                                                       username=username, answer=answer, new_password=new_password)
    except DomainError as exc:
        problem = {**_problem(request, exc), "error_field": "new_password"}
        return render(request, "senders/forgot.html", {**context, **problem}, status_code=exc.status_code)
    if result.error is not None:
        # A wrong answer counts towards the lockout: returning normally commits that count.
        return render(request, "senders/forgot.html", {**context, **_problem(request, result.error),
                                                       "error_field": "answer"}, status_code=result.error.status_code)
    flash(request, "flash_password_reset")
    return redirect("/senders/login")


# ---- where the account is logged in ---------------------------------------------------------------------------

@router.get("/sessions", response_class=HTMLResponse, dependencies=[SenderPage])
def sessions_page(request: Request, session: DbSession, runtime: RuntimeDep, sender: MaybeSender) -> Response:
    """The account's live sessions, with "log out everywhere"."""
    if (elsewhere := detour(request, sender, allow_forced=True)) is not None:
        return elsewhere
    assert sender is not None
    rows = sessions.active_sessions(session, clock=runtime.clock, settings=runtime.settings, kind=sessions.SENDER,
                                    principal=str(sender.account_id), current_token=session_token(request))
    return render(request, "sessions.html", {"sessions": rows, "revoke_action": "/senders/sessions/revoke-all"})


@router.post("/sessions/revoke-all", dependencies=[SenderPage, CsrfChecked])
def log_out_everywhere(request: Request, session: DbSession, runtime: RuntimeDep, sender: MaybeSender) -> Response:
    """End every session of the account, this one included, and return to the log-in form."""
    if (elsewhere := detour(request, sender, allow_forced=True)) is not None:
        return elsewhere
    assert sender is not None
    sessions.revoke_all(session, clock=runtime.clock, kind=sessions.SENDER, principal=str(sender.account_id),
                        reason="signed-out-everywhere", actor=f"sender:{sender.account_id}")
    sign_out(request)
    flash(request, "flash_logged_out")
    return redirect("/senders/login")
