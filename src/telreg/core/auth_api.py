"""Staff sign-in for API clients: the same session cookie and CSRF token as the pages, as JSON.

A client signs in, keeps the ``telreg_session`` cookie, and sends the returned ``csrf_token`` in the
``X-CSRF-Token`` header with every change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from telreg.core.i18n import format_message, language_from_header
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser, bearer_challenge, csrf_token, sign_in, sign_out
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
    "/login", response_model=SignedIn, responses={401: {"description": "Wrong password or locked account"}}
)
def login(
    body: LoginRequest, request: Request, session: DbSession, runtime: RuntimeDep
) -> Response | SignedIn:
    """Sign in with a username and password; the session cookie carries the sign-in."""
    outcome = authenticate(session, clock=runtime.clock, username=body.username, password=body.password)
    if outcome.user is None:
        # Returned, not raised: raising would roll back the failure counter that locks the account.
        lang = language_from_header(request.headers.get("accept-language", ""))
        return JSONResponse({"error": "not_authenticated", "detail": format_message(lang, outcome.message)},
                            status_code=401, headers={"WWW-Authenticate": bearer_challenge(request),
                                                      "Content-Language": lang})
    sign_in(request, outcome.user)
    return SignedIn(username=outcome.user.username, roles=outcome.user.roles, csrf_token=csrf_token(request))


@router.get("/me", response_model=SignedIn)
def me(request: Request, user: CurrentUser) -> SignedIn:
    """Tell who is signed in, with the session's CSRF token."""
    return SignedIn(username=user.username, roles=user.roles, csrf_token=csrf_token(request))


@router.post("/logout", status_code=204, dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    """Sign out (needs the CSRF token)."""
    sign_out(request)
    return Response(status_code=204)


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
