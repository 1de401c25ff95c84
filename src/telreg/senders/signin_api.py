"""HTTP API of senders signing in: CAPTCHA, log-in/out, password change and reset, one-time passwords, API keys.

A refused log-in or reset is *returned* as its error document (401, or 422 for a wrong CAPTCHA), not raised, so
the transaction still commits what the attempt changed: the failure count, the used-up CAPTCHA.

Sender endpoints use the browser session (cookie + ``X-CSRF-Token`` on changes); API keys are for reading the
profile and for the download, check, list and washing endpoints (senders.deps.SenderCallerDep), never for
managing keys or passwords.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from telreg.core import captcha, rate_limits, sessions
from telreg.core.access import Public
from telreg.core.auth_api import SessionOut, SessionsEnded
from telreg.core.errors import DomainError
from telreg.core.i18n import N_, language_from_header
from telreg.core.security import (
    CsrfChecked,
    DncOfficer,
    bearer_challenge,
    csrf_token,
    session_token,
    sign_out,
)
from telreg.deps import DbSession, ReadSession, RuntimeDep
from telreg.senders import api_keys, signin
from telreg.senders.deps import CurrentSender, SignedInSender, end_sender_session, start_sender_session
from telreg.senders.errors import LoginFailed
from telreg.senders.schemas import (
    AccountUnlockedOut,
    ApiAccessChange,
    ApiAccessOut,
    ApiKeyCreate,
    ApiKeyCreatedOut,
    ApiKeyOut,
    CaptchaOut,
    MessageOut,
    OneTimePasswordOut,
    PasswordChange,
    PasswordReset,
    SecurityQuestionOut,
    SenderLogin,
    SenderSignedIn,
)

__all__ = ["audio_url", "captcha_router", "router"]

router = APIRouter(prefix="/api/v1/senders", tags=["senders: signing in"])
captcha_router = APIRouter(prefix="/api/v1", tags=["senders: signing in"], dependencies=[Public])

_REFUSED = {401: {"description": "Wrong username/password, locked, expired one-time password"},
            409: {"description": "Cancelled account"}, 422: {"description": "Wrong or used-up CAPTCHA"},
            429: {"description": "Too many attempts from this address; see Retry-After"}}




def _refusal(error: DomainError, request: Request) -> JSONResponse:
    # Returned, not raised (the failure counter must be committed): answered like the one handler would, in the
    # request's Accept-Language.
    lang = language_from_header(request.headers.get("accept-language", ""))
    headers = {"Content-Language": lang}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = bearer_challenge(request)
    return JSONResponse({**error.to_dict(), "detail": error.message_in(lang)}, status_code=error.status_code,
                        headers=headers)


@captcha_router.get("/captcha", response_model=CaptchaOut)
def new_captcha(session: DbSession, runtime: RuntimeDep, response: Response) -> Any:
    """A new CAPTCHA for a log-in or reset form, to see or to hear: one try, valid for a few minutes."""
    token, png = captcha.issue(session, runtime.clock, answers=captcha.answer_source(runtime),
                               audio_key=captcha.audio_key_for(runtime))
    response.headers["Cache-Control"] = "no-store"
    return CaptchaOut(token=token, image="data:image/png;base64," + base64.b64encode(png).decode(),
                      audio=audio_url(token), expires_in_seconds=int(captcha.TTL.total_seconds()))


def audio_url(token: str) -> str:
    """Where a CAPTCHA's characters are spoken (the pages link to it beside the picture)."""
    return f"{captcha_router.prefix}/captcha/{token}/audio"


@captcha_router.get("/captcha/{token}/audio", response_class=Response,
                    responses={200: {"content": {"audio/wav": {}}, "description": "The characters, spoken"},
                               404: {"description": "captcha_not_found: unknown, used or expired"}})
def captcha_audio(token: Annotated[str, Path(max_length=64)], session: ReadSession,
                  runtime: RuntimeDep) -> Any:
    """The same CAPTCHA's characters spoken, one by one over noise (WAV), for people who cannot see the
    picture. Listening does not use the CAPTCHA up; typing the answer does."""
    wav = captcha.speak(session, runtime.clock, token=token, audio_key=captcha.audio_key_for(runtime))
    return Response(wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})


# ---- signing in and out -----------------------------------------------------------------------------------------

@router.post("/login", response_model=SenderSignedIn, responses=_REFUSED, dependencies=[Public])  # type: ignore[arg-type]
def login(body: SenderLogin, request: Request, session: DbSession, runtime: RuntimeDep) -> Any:
    """Log in with username, password and the CAPTCHA's characters; the session cookie carries the sign-in."""
    rate_limits.limit_signin(request, session, scope="sender-login")
    if not captcha.verify(session, runtime.clock, token=body.captcha_token, answer=body.captcha_answer):
        return _refusal(captcha.CaptchaFailed(), request)  # a wrong CAPTCHA is not a password failure
    result = signin.log_in(session, clock=runtime.clock, settings=runtime.settings, username=body.username,
                           password=body.password)
    if result.error is not None or result.account_id is None:
        return _refusal(result.error or LoginFailed(N_("The username or password is not correct.")), request)
    start_sender_session(request, session, runtime, result.account_id)
    return SenderSignedIn(account_id=result.account_id, state=result.state or "", csrf_token=csrf_token(request),
                          must_change_password=result.must_change_password, message=result.message)


@router.post("/logout", status_code=204, dependencies=[Public, CsrfChecked])
def logout(request: Request, session: DbSession, runtime: RuntimeDep) -> Response:
    """End the sender's session (needs the CSRF token); it ends on the server too."""
    end_sender_session(request, session, runtime)
    return Response(status_code=204)


def _limit_password_change(request: Request, session: DbSession) -> None:
    rate_limits.limit_signin(request, session, scope="sender-password-change")  # the current password is a guess too


# The limit is listed first: it must count before the sign-in check writes (last seen), or on SQLite the count
# would join the request's transaction and vanish with a refused guess (core.rate_limits: call hit() first).
@router.post("/me/password", response_model=MessageOut,
             dependencies=[Depends(_limit_password_change), CsrfChecked])
def change_password(body: PasswordChange, request: Request, sender: SignedInSender, session: DbSession,
                    runtime: RuntimeDep) -> Any:
    """Change the password; the only thing a session signed in with a one-time password may do. Every session of
    the account ends; this client is given a new one (the CSRF token stays)."""
    signin.change_password(session, clock=runtime.clock, account_id=sender.account_id,
                           current_password=body.current_password, new_password=body.new_password)
    start_sender_session(request, session, runtime, sender.account_id, keep_csrf=True)
    return MessageOut(message="Your password has been changed.")


@router.get("/security-question", response_model=SecurityQuestionOut, dependencies=[Public],
            responses=rate_limits.SIGNIN_LIMITED)  # type: ignore[arg-type]
def security_question(request: Request, session: DbSession, runtime: RuntimeDep,
                      username: Annotated[str, Query(max_length=100)]) -> Any:
    """The security question to answer on the "forgot password" form. Every username gets one (a name with no
    account gets a decoy, always the same), so this cannot tell which usernames exist."""
    rate_limits.limit_signin(request, session, scope="sender-security-question")
    return SecurityQuestionOut(username=username, question=signin.security_question(
        session, username=username, settings=runtime.settings))


@router.post("/reset", response_model=MessageOut, responses=_REFUSED, dependencies=[Public])  # type: ignore[arg-type]
def reset_password(body: PasswordReset, request: Request, session: DbSession, runtime: RuntimeDep) -> Any:
    """Choose a new password after answering the security question (a wrong answer counts as a failed log-in)."""
    rate_limits.limit_signin(request, session, scope="sender-reset")
    if not captcha.verify(session, runtime.clock, token=body.captcha_token, answer=body.captcha_answer):
        return _refusal(captcha.CaptchaFailed(), request)
    result = signin.reset_with_security_answer(session, clock=runtime.clock, settings=runtime.settings,
                                               username=body.username, answer=body.answer,
                                               new_password=body.new_password)
    if result.error is not None:
        return _refusal(result.error, request)
    return MessageOut(message="Your password has been changed; log in with the new password.")


# ---- officers ---------------------------------------------------------------------------------------------------

@router.post("/accounts/{account_id}/one-time-password", response_model=OneTimePasswordOut,
             dependencies=[CsrfChecked])
def issue_one_time_password(account_id: int, session: DbSession, runtime: RuntimeDep, officer: DncOfficer) -> Any:
    """Issue a one-time password (the sender could not answer the security question); it also unlocks."""
    otp = signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=account_id, officer=officer.username)
    status = signin.sign_in_status(session, account_id=account_id)
    return OneTimePasswordOut(account_id=account_id, one_time_password=otp, expires_at=status["otp_expires_at"])


@router.post("/accounts/{account_id}/unlock", response_model=AccountUnlockedOut, dependencies=[CsrfChecked])
def unlock(account_id: int, session: DbSession, runtime: RuntimeDep, officer: DncOfficer) -> Any:
    """Clear an account's failed log-ins and lock."""
    account = signin.unlock(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                            officer=officer.username)
    return AccountUnlockedOut(account_id=account.id, failed_logins=account.failed_logins,
                              locked_until=account.locked_until)


@router.post("/accounts/{account_id}/sessions/revoke", response_model=SessionsEnded, dependencies=[CsrfChecked])
def revoke_sessions(account_id: int, session: DbSession, runtime: RuntimeDep, officer: DncOfficer) -> Any:
    """End every session of a sender account at once (do-not-call officers; audited)."""
    ended = signin.revoke_sessions(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                                   officer=officer.username)
    return SessionsEnded(ended=ended)


@router.put("/accounts/{account_id}/api-access", response_model=ApiAccessOut, dependencies=[CsrfChecked])
def set_api_access(account_id: int, body: ApiAccessChange, session: DbSession, runtime: RuntimeDep,
                   officer: DncOfficer) -> Any:
    """Turn automation (API keys) on or off for an account; off stops every key of the account at once."""
    account = api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                      account_id=account_id, enabled=body.enabled, officer=officer.username)
    return ApiAccessOut(account_id=account.id, api_access=account.api_access,
                        changed_by=account.api_access_changed_by, changed_at=account.api_access_changed_at)


# ---- the sender's sessions --------------------------------------------------------------------------------------

@router.get("/me/sessions", response_model=list[SessionOut])
def my_sessions(request: Request, sender: SignedInSender, session: DbSession, runtime: RuntimeDep) -> Any:
    """Where the account is logged in (browsers and clients), most recently used first."""
    return [SessionOut(**vars(view)) for view in sessions.active_sessions(
        session, clock=runtime.clock, settings=runtime.settings, kind=sessions.SENDER,
        principal=str(sender.account_id), current_token=session_token(request))]


@router.post("/me/sessions/revoke-all", response_model=SessionsEnded, dependencies=[CsrfChecked])
def log_out_everywhere(request: Request, sender: SignedInSender, session: DbSession, runtime: RuntimeDep) -> Any:
    """Log out everywhere: end every session of the account, this one included (audited)."""
    ended = sessions.revoke_all(session, clock=runtime.clock, kind=sessions.SENDER, principal=str(sender.account_id),
                                reason="signed-out-everywhere", actor=f"sender:{sender.account_id}")
    sign_out(request)
    return SessionsEnded(ended=ended)


# ---- the sender's API keys --------------------------------------------------------------------------------------

@router.get("/me/api-keys", response_model=list[ApiKeyOut])
def my_api_keys(sender: CurrentSender, session: DbSession) -> Any:
    """The account's API keys, newest first (never the secret)."""
    return api_keys.list_keys(session, account_id=sender.account_id)


@router.post("/me/api-keys", response_model=ApiKeyCreatedOut, status_code=201, dependencies=[CsrfChecked])
def create_api_key(body: ApiKeyCreate, sender: CurrentSender, session: DbSession, runtime: RuntimeDep) -> Any:
    """Create an API key (needs API access enabled by OFCA). The whole key is in this answer only."""
    key, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=sender.account_id, label=body.label, registers=body.registers)
    return ApiKeyCreatedOut(key=ApiKeyOut(**api_keys.key_view(key)), api_key=plaintext)


@router.delete("/me/api-keys/{key_id}", response_model=ApiKeyOut, dependencies=[CsrfChecked])
def revoke_api_key(key_id: int, sender: CurrentSender, session: DbSession, runtime: RuntimeDep) -> Any:
    """Revoke an API key: scripts using it are refused from now on."""
    key = api_keys.revoke_key(session, clock=runtime.clock, account_id=sender.account_id, key_id=key_id,
                              actor=f"sender:{sender.account_id}")
    return api_keys.key_view(key)
