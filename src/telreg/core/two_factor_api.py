"""Staff two-factor sign-in for API clients: enrol an authenticator, confirm it, the second step of a sign-in,
recovery codes, and an administrator's reset.

After ``POST /api/v1/auth/login`` a user with an authenticator (or a role that requires one) is not signed in
yet: the answer is 202 with ``second_factor`` ("verify" or "enrol") and a CSRF token, and the client goes on
with ``/two-factor/verify`` (or ``/two-factor/enrol`` then ``/two-factor/confirm``) on the same cookie.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from telreg.core import two_factor, two_factor_signin
from telreg.core.access import STAFF, Access, Public, declares
from telreg.core.i18n import language_from_header
from telreg.core.models import User
from telreg.core.security import (
    SESSION_SCHEME,
    CsrfChecked,
    CurrentUser,
    StaffSignedIn,
    bearer_challenge,
    csrf_token,
)
from telreg.core.users import require_role
from telreg.deps import DbSession, RuntimeDep

__all__ = ["pending_response", "router"]

router = APIRouter(prefix="/api/v1/auth", tags=["staff sign-in"])


class CodeRequest(BaseModel):
    code: str = Field(max_length=40, description="The 6-digit code the authenticator app shows, or a recovery "
                                                   "code (on /verify)")


class EnrolmentOut(BaseModel):
    secret: str = Field(description="The base32 secret, for typing into an authenticator app")
    otpauth_uri: str = Field(description="otpauth://totp/telreg:<username>?secret=…&issuer=telreg (the QR code)")


class TwoFactorSignedIn(BaseModel):
    username: str
    roles: list[str]
    csrf_token: str = Field(description="Send it as the X-CSRF-Token header with every change")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Shown this once: each signs in once instead of a code")
    signed_in: TwoFactorSignedIn | None = Field(
        None, description="When the enrolment completed a pending sign-in: who is now signed in")


class RecoveryCodesLeft(BaseModel):
    enrolled: bool
    remaining: int


class SecondFactorPending(BaseModel):
    second_factor: Literal["verify", "enrol"] = Field(
        description="verify: send a code to /two-factor/verify; enrol: the role requires an authenticator, set "
                    "one up with /two-factor/enrol and /two-factor/confirm")
    csrf_token: str


class ResetOutcome(BaseModel):
    username: str
    reset: bool = Field(description="False when no authenticator was set up (nothing changed)")


def pending_response(request: Request, second_step: str) -> JSONResponse:
    """The login's answer when a second step is pending (202; the sign-in is not complete). SECOND_STEP: the
    address core.two_factor_signin.start returned."""
    step = "verify" if second_step == two_factor_signin.VERIFY_PAGE else "enrol"
    body = SecondFactorPending(second_factor=step, csrf_token=csrf_token(request))
    return JSONResponse(body.model_dump(), status_code=202)


def _signed_in(request: Request, user: User) -> TwoFactorSignedIn:
    return TwoFactorSignedIn(username=user.username, roles=user.roles, csrf_token=csrf_token(request))


@declares(STAFF)  # a signed-in staff user, or one half-way through a sign-in that requires enrolment
def enrolling_user(request: Request, session: DbSession, runtime: RuntimeDep,
                   _cookie: Annotated[str | None, Depends(SESSION_SCHEME)]) -> tuple[User, bool]:
    """The signed-in user, or one whose sign-in waits for an enrolment its role requires (then True)."""
    return two_factor_signin.enrolling_user(request, session, runtime=runtime)


Enrolling = Annotated[tuple[User, bool], Depends(enrolling_user)]


def _verifying_user(request: Request, session: DbSession, runtime: RuntimeDep,
                    _cookie: Annotated[str | None, Depends(SESSION_SCHEME)]) -> User:
    """The user whose password was accepted and whose sign-in waits for a code (the route is public: the
    password step was; this checks the state that step left in the session)."""
    user, _ = two_factor_signin.pending_user(request, session, clock=runtime.clock)
    return user


# The sign-in checks are listed before CSRF so a client with no session hears 401, not "the form expired".
@router.post("/two-factor/enrol", response_model=EnrolmentOut,
             dependencies=[Depends(enrolling_user), CsrfChecked])
def enrol(session: DbSession, runtime: RuntimeDep, enrolling: Enrolling) -> EnrolmentOut:
    """Start setting up an authenticator app: its secret and otpauth URI (the same until confirmed)."""
    enrolment = two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=enrolling[0])
    return EnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.uri)


@router.post("/two-factor/confirm", response_model=RecoveryCodesOut,
             dependencies=[Depends(enrolling_user), CsrfChecked])
def confirm(body: CodeRequest, request: Request, session: DbSession, runtime: RuntimeDep,
            enrolling: Enrolling) -> RecoveryCodesOut:
    """Confirm the authenticator with its current code; answers the ten recovery codes, once. A sign-in that
    waited for this enrolment is completed."""
    user, completes_sign_in = enrolling
    codes = two_factor.confirm_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user,
                                         code=body.code)
    if not completes_sign_in:
        return RecoveryCodesOut(recovery_codes=codes)
    two_factor_signin.complete(request, session, runtime, user)
    return RecoveryCodesOut(recovery_codes=codes, signed_in=_signed_in(request, user))


@router.post("/two-factor/verify", response_model=TwoFactorSignedIn,
             responses={401: {"description": "Wrong or reused code, or a locked account"}},
             dependencies=[Public, Depends(_verifying_user), CsrfChecked])
def verify(body: CodeRequest, request: Request, session: DbSession, runtime: RuntimeDep,
           user: Annotated[User, Depends(_verifying_user)]) -> Response | TwoFactorSignedIn:
    """The second step of a sign-in: a current code from the authenticator app, or a recovery code."""
    two_factor_signin.limit_second_step(request, session, runtime=runtime)
    verdict = two_factor.verify(session, vault=runtime.vault, clock=runtime.clock, user=user, code=body.code,
                                settings=runtime.settings)
    if not verdict.ok:
        # Returned, not raised: raising would roll back the attempt counted toward the lockout.
        lang = language_from_header(request.headers.get("accept-language", ""))
        return JSONResponse({"error": "not_authenticated", "detail": verdict.message_in(lang)},
                            status_code=401, headers={"WWW-Authenticate": bearer_challenge(request),
                                                      "Content-Language": lang})
    two_factor_signin.complete(request, session, runtime, user)
    return _signed_in(request, user)


@router.get("/two-factor/recovery-codes", response_model=RecoveryCodesLeft)
def recovery_codes_left(session: DbSession, user: CurrentUser) -> RecoveryCodesLeft:
    """Whether an authenticator is set up, and how many recovery codes are left unused."""
    return RecoveryCodesLeft(enrolled=two_factor.is_enrolled(session, user),
                             remaining=two_factor.remaining_recovery_codes(session, user))


@router.post("/two-factor/recovery-codes", response_model=RecoveryCodesOut,
             responses={409: {"description": "two_factor_not_enrolled: set up an authenticator first"}},
             dependencies=[StaffSignedIn, CsrfChecked])
def regenerate(session: DbSession, runtime: RuntimeDep, user: CurrentUser) -> RecoveryCodesOut:
    """Replace every recovery code with ten new ones, shown this once (the old ones stop working)."""
    return RecoveryCodesOut(recovery_codes=two_factor.regenerate_recovery_codes(session, clock=runtime.clock,
                                                                                user=user))


@declares(Access.staff("admin"))
def _admin(user: CurrentUser) -> User:
    require_role(user, "admin")
    return user


@router.post("/users/{username}/two-factor/reset", response_model=ResetOutcome,
             dependencies=[Depends(_admin), CsrfChecked])
def reset(username: str, session: DbSession, runtime: RuntimeDep,
          admin: Annotated[User, Depends(_admin)]) -> ResetOutcome:
    """Remove a staff user's authenticator and recovery codes (a lost phone); they must enrol again
    (administrators only; audited)."""
    done = two_factor.reset(session, clock=runtime.clock, username=username, actor=f"admin:{admin.username}")
    return ResetOutcome(username=username.strip().lower(), reset=done)
