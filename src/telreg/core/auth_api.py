"""Staff sign-in for API clients: the same session cookie and CSRF token as the pages, as JSON.

A client signs in, keeps the ``telreg_session`` cookie, and sends the returned ``csrf_token`` in the
``X-CSRF-Token`` header with every change.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from telreg.core import rate_limits, sessions, two_factor_signin, users
from telreg.core.access import Access, Public, declares
from telreg.core.clock import to_hk
from telreg.core.i18n import language_from_header
from telreg.core.models import User
from telreg.core.schema_types import Instant
from telreg.core.security import (
    CsrfChecked,
    CurrentUser,
    StaffSignedIn,
    bearer_challenge,
    complete_staff_sign_in,
    csrf_token,
    end_server_session,
    session_token,
    sign_in,
    sign_out,
)
from telreg.core.two_factor_api import SecondFactorPending, pending_response
from telreg.core.users import authenticate, require_role, unlock_user
from telreg.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/api/v1/auth", tags=["staff sign-in"])


class LoginRequest(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1000)


class SignedIn(BaseModel):
    username: str
    roles: list[str]
    csrf_token: str = Field(description="Send it as the X-CSRF-Token header with every change")




@router.post(
    "/login", response_model=SignedIn, dependencies=[Public],
    responses={202: {"model": SecondFactorPending,
                     "description": "Password accepted; the sign-in completes after a second factor"},
               401: {"description": "Wrong password or locked account"}, **rate_limits.SIGNIN_LIMITED},  # type: ignore[dict-item]
)
def login(
    body: LoginRequest, request: Request, session: DbSession, runtime: RuntimeDep
) -> Response | SignedIn:
    """Sign in with a username and password; the session cookie carries the sign-in."""
    rate_limits.limit_signin(request, session, scope="staff-login")
    outcome = authenticate(session, clock=runtime.clock, username=body.username, password=body.password,
                           settings=runtime.settings)
    if outcome.user is None:
        # Returned, not raised: raising would roll back the failure counter that locks the account.
        lang = language_from_header(request.headers.get("accept-language", ""))
        extra = {"locked_until": to_hk(outcome.locked_until).isoformat()} if outcome.locked_until is not None \
            and outcome.locked_until.year < dt.MAXYEAR else {}
        return JSONResponse({"error": "not_authenticated", "detail": outcome.message_in(lang), **extra},
                            status_code=401, headers={"WWW-Authenticate": bearer_challenge(request),
                                                      "Content-Language": lang})
    if second := two_factor_signin.start(request, session, runtime=runtime, user=outcome.user, next_url="/staff/home"):
        return pending_response(request, second)  # 202: password accepted, second factor pending
    complete_staff_sign_in(request, session, runtime, outcome.user)
    return SignedIn(username=outcome.user.username, roles=outcome.user.roles, csrf_token=csrf_token(request))


@router.get("/me", response_model=SignedIn)
def me(request: Request, user: CurrentUser) -> SignedIn:
    """Tell who is signed in, with the session's CSRF token."""
    return SignedIn(username=user.username, roles=user.roles, csrf_token=csrf_token(request))


@router.post("/logout", status_code=204, dependencies=[Public, CsrfChecked])
def logout(request: Request, session: DbSession, runtime: RuntimeDep) -> Response:
    """Sign out (needs the CSRF token); the session ends on the server too, so a copy of the cookie is useless."""
    end_server_session(request, session, runtime)
    return Response(status_code=204)


class SessionOut(BaseModel):
    id: str = Field(description="The first characters of the session's stored id (enough to tell them apart)")
    created_at: Instant
    last_seen_at: Instant = Field(description="Noted at most once a minute")
    expires_at: Instant = Field(description="When it ends unless used again (or at its absolute end)")
    client_address: str | None
    user_agent: str | None
    current: bool = Field(description="The session asking")


class SessionsEnded(BaseModel):
    ended: int = Field(description="How many sessions were ended")


@router.get("/sessions", response_model=list[SessionOut])
def my_sessions(request: Request, user: CurrentUser, session: DbSession, runtime: RuntimeDep) -> Any:
    """The signed-in user's live sessions (browsers and clients signed in), most recently used first."""
    return [SessionOut(**vars(view)) for view in sessions.active_sessions(
        session, clock=runtime.clock, settings=runtime.settings, kind=sessions.STAFF, principal=user.username,
        current_token=session_token(request))]


# The sign-in check is listed before CSRF (as for unlock below): no session, "sign in", not "the form expired".
@router.post("/sessions/revoke-all", response_model=SessionsEnded,
             dependencies=[StaffSignedIn, CsrfChecked])
def sign_out_everywhere(request: Request, user: CurrentUser, session: DbSession, runtime: RuntimeDep) -> Any:
    """Sign out everywhere: end every session of the signed-in user, this one included (audited)."""
    ended = sessions.revoke_all(session, clock=runtime.clock, kind=sessions.STAFF, principal=user.username,
                                reason="signed-out-everywhere", actor=f"user:{user.username}")
    sign_out(request)
    return SessionsEnded(ended=ended)


class PasswordChangeRequest(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


def _limit_password_change(request: Request, session: DbSession) -> None:
    rate_limits.limit_signin(request, session, scope="staff-password-change")  # the current password is a guess too


# The limit is listed first: it must count before the sign-in check writes (last seen), or on SQLite the count
# would join the request's transaction and vanish with a refused guess (core.rate_limits: call hit() first).
@router.post("/me/password", response_model=SignedIn,
             dependencies=[Depends(_limit_password_change), StaffSignedIn, CsrfChecked])
def change_password(body: PasswordChangeRequest, request: Request, user: CurrentUser, session: DbSession,
                    runtime: RuntimeDep) -> Any:
    """Change the password: every session of the user ends; this client gets a new one (and a new CSRF token)."""
    users.change_password(session, clock=runtime.clock, username=user.username,
                          current_password=body.current_password, new_password=body.new_password)
    sign_in(request, user, session=session, runtime=runtime)
    return SignedIn(username=user.username, roles=user.roles, csrf_token=csrf_token(request))


@declares(Access.staff("admin"))
def _admin(user: CurrentUser) -> User:
    require_role(user, "admin")
    return user


class UnlockOutcome(BaseModel):
    username: str
    unlocked: bool = Field(description="False when the account was not locked (nothing changed)")


# The admin check is listed before CSRF so a client that is not signed in hears "sign in" (401), not "the form
# expired" (403): with no session there is no token to compare yet. FastAPI caches it for the parameter below.
@router.post("/users/{username}/unlock", response_model=UnlockOutcome, dependencies=[Depends(_admin), CsrfChecked])
def unlock(
    username: str, session: DbSession, runtime: RuntimeDep, admin: Annotated[User, Depends(_admin)]
) -> UnlockOutcome:
    """Lift a staff account's lockout after repeated wrong passwords (administrators only; audited)."""
    unlocked = unlock_user(session, clock=runtime.clock, username=username, actor=f"admin:{admin.username}")
    return UnlockOutcome(username=username.strip().lower(), unlocked=unlocked)


@router.post("/users/{username}/sessions/revoke", response_model=SessionsEnded,
             dependencies=[Depends(_admin), CsrfChecked])
def revoke_user_sessions(
    username: str, session: DbSession, runtime: RuntimeDep, admin: Annotated[User, Depends(_admin)]
) -> Any:
    """End every session of a staff user at once (administrators only; audited)."""
    user = users.get_user(session, username)
    ended = sessions.revoke_all(session, clock=runtime.clock, kind=sessions.STAFF, principal=user.username,
                                reason="revoked-by-admin", actor=f"admin:{admin.username}")
    return SessionsEnded(ended=ended)
