"""The second step of a staff sign-in, in the web session: "password accepted, second factor pending".

Where a staff sign-in is completed (the password accepted, the session about to be issued), the sign-in
calls :func:`start`. When the user has an authenticator enrolled, or a role that requires one, the session is
renewed *without* a signed-in user: it holds only this module's key (the username, why, since when, where to
go next) and a new CSRF token, and :func:`start` returns the address of the second step. Nothing else reads
that key, so every staff page and API still answers "sign in" (core.security.current_user finds no user).
Only :func:`complete`, after a correct code (core.two_factor.verify) or a confirmed enrolment, signs the user
in, through core.security.complete_staff_sign_in, which renews the session again.

A pending second step lasts ``PENDING_MINUTES`` by the injected clock; an older one counts as signed out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import rate_limits, two_factor
from telreg.core.clock import Clock
from telreg.core.errors import NotAuthenticated
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.security import (
    complete_staff_sign_in,
    csrf_token,
    current_user,
    end_server_session,
    signed_in_username,
)
from telreg.core.users import is_locked
from telreg.runtime import Runtime

__all__ = ["ENROL_PAGE", "PENDING_KEY", "VERIFY_PAGE", "Pending", "complete", "enrolling_user", "limit_second_step",
           "pending", "pending_user", "second_step", "start"]

PENDING_KEY = "two_factor_pending"
PENDING_MINUTES = 10
VERIFY_PAGE = "/staff/two-factor/verify"
ENROL_PAGE = "/staff/two-factor"
Step = Literal["verify", "enrol"]


@dataclass(frozen=True)
class Pending:
    username: str
    step: Step  # "verify": enter a code; "enrol": the role requires an authenticator not yet set up
    next_url: str


def second_step(session: Session, *, settings: Settings, user: User) -> Step | None:
    """What the user must do after the password: enter a code, enrol first, or nothing."""
    if two_factor.is_enrolled(session, user):
        return "verify"
    if two_factor.is_required(settings, user.roles):
        return "enrol"
    return None


def start(request: Request, session: Session, *, runtime: Runtime, user: User, next_url: str) -> str | None:
    """Call where a password has just been accepted, instead of ``sign_in``, when this returns an address.

    Returns None when the password is enough (then sign the user in as before); else puts the session in the
    pending state and returns the page of the second step (``/staff/two-factor/verify`` or, for a required
    but not yet enrolled user, the enrolment page).
    """
    step = second_step(session, settings=runtime.settings, user=user)
    if step is None:
        return None
    # A fresh cookie session, as a sign-in makes (a session it held before is revoked): nothing planted carries over.
    end_server_session(request, session, runtime, reason="replaced")
    request.session[PENDING_KEY] = {"username": user.username, "step": step, "next": next_url,
                                    "since": runtime.clock.now().isoformat()}
    csrf_token(request)  # a new token for the second step's form
    return VERIFY_PAGE if step == "verify" else ENROL_PAGE


def pending(request: Request, *, clock: Clock) -> Pending | None:
    """The session's pending second step, or None (none, or older than PENDING_MINUTES)."""
    value = request.session.get(PENDING_KEY)
    if not isinstance(value, dict) or signed_in_username(request):
        return None
    try:
        since = dt.datetime.fromisoformat(str(value["since"]))
        entry = Pending(username=str(value["username"]), step=value["step"], next_url=str(value["next"]))
    except (KeyError, ValueError):
        request.session.pop(PENDING_KEY, None)
        return None
    if entry.step not in ("verify", "enrol") or clock.now() - since > dt.timedelta(minutes=PENDING_MINUTES):
        request.session.pop(PENDING_KEY, None)
        return None
    return entry


def pending_user(request: Request, session: Session, *, clock: Clock) -> tuple[User, Pending]:
    """The user whose password was accepted and whose second step is pending; else NotAuthenticated."""
    entry = pending(request, clock=clock)
    if entry is None:
        raise NotAuthenticated(N_("Please sign in to see this page."))
    user = session.scalar(select(User).where(User.username == entry.username))
    if user is None or not user.is_active or is_locked(user, now=clock.now()):
        request.session.pop(PENDING_KEY, None)
        raise NotAuthenticated(N_("Your session has ended; please sign in again."))
    return user, entry


def enrolling_user(request: Request, session: Session, *, runtime: Runtime) -> tuple[User, bool]:
    """Who may set up an authenticator here: the signed-in user (False), or one whose sign-in waits for the
    enrolment its role requires (True: confirming it completes the sign-in)."""
    if signed_in_username(request):
        return current_user(request, session, runtime), False
    user, entry = pending_user(request, session, clock=runtime.clock)
    if entry.step != "enrol":
        raise two_factor.AlreadyEnrolled(two_factor.ALREADY, username=user.username)
    return user, True


def limit_second_step(request: Request, session: Session, *, runtime: Runtime) -> None:
    """Count a second-step attempt against its address, as the sign-in forms are counted (429 past the limit;
    call it first). The account's own lockout counts the wrong codes themselves (core.two_factor.verify)."""
    rate_limits.limit_signin(request, session, scope="staff-two-factor")


def complete(request: Request, session: Session, runtime: Runtime, user: User) -> None:
    """Sign the user in after the second factor: the one completion of a staff sign-in
    (core.security.complete_staff_sign_in: a new server-side session; the pending key goes with the old cookie)."""
    complete_staff_sign_in(request, session, runtime, user)
