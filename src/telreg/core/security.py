"""Web-session security: the session's CSRF token, signing staff in and out, the current-user dependencies.

The session is Starlette's signed cookie (SameSite=strict, set up in app.py). It holds the signed-in username
and a random CSRF token; every state-changing form carries the token in a hidden field (API clients: the
X-CSRF-Token header) and ``CsrfChecked`` compares it in constant time. SameSite alone is not enough: older
browsers ignore it, and a token also stops a form being replayed after sign-out (signing in issues a new one).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from telreg.core.errors import NotAuthenticated, PermissionDenied
from telreg.core.models import User
from telreg.core.users import MAX_FAILED_LOGINS, require_role
from telreg.deps import DbSession

__all__ = [
    "CSRF_FIELD",
    "CsrfChecked",
    "CsrfRejected",
    "CurrentUser",
    "DncOfficer",
    "csrf_token",
    "sign_in",
    "sign_out",
    "verify_csrf",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_CSRF_KEY = "csrf"
_USER_KEY = "user"
_KEPT_ON_SIGN_IN = ("lang",)  # preferences that survive the session being renewed


class CsrfRejected(PermissionDenied):
    code = "csrf_rejected"


def csrf_token(request: Request) -> str:
    """Return the session's CSRF token, creating one on first use."""
    token = request.session.get(_CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_KEY] = token
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form field (or header) does not carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(_CSRF_KEY)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            # FastAPI caches the parsed form on the request, so the handler's Form() fields still work.
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise CsrfRejected(
            "This form has expired or did not come from this site. Reload the page and try again."
        )


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for the user: a new session and token, so a planted session cannot be reused."""
    kept = {key: request.session[key] for key in _KEPT_ON_SIGN_IN if key in request.session}
    request.session.clear()
    request.session.update(kept)
    request.session[_USER_KEY] = user.username
    request.session[_CSRF_KEY] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    kept = {key: request.session[key] for key in _KEPT_ON_SIGN_IN if key in request.session}
    request.session.clear()
    request.session.update(kept)


def signed_in_username(request: Request) -> str | None:
    value = request.session.get(_USER_KEY)
    return str(value) if value else None


def current_user(request: Request, session: DbSession) -> User:
    """Return the signed-in staff user; an unknown, deactivated or locked account counts as signed out."""
    username = signed_in_username(request)
    if username is None:
        raise NotAuthenticated("Please sign in to see this page.")
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or user.failed_logins >= MAX_FAILED_LOGINS:
        sign_out(request)
        raise NotAuthenticated("Your session has ended; please sign in again.")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def dnc_officer(user: CurrentUser) -> User:
    require_role(user, "dnc-officer")
    return user


DncOfficer = Annotated[User, Depends(dnc_officer)]
CsrfChecked = Depends(verify_csrf)
