"""Web-session security: the session's CSRF token, signing staff in and out, the current-user dependencies.

The session is Starlette's signed cookie (SameSite=strict, set up in app.py). It holds the token of a server-side
session (core/sessions.py: revocable, with idle and absolute limits; the signed-in username beside it is only a
hint for the page header) and a random CSRF token; every state-changing form carries the CSRF token in a hidden
field (API clients: the X-CSRF-Token header) and ``CsrfChecked`` compares it in constant time. SameSite alone is not enough: older
browsers ignore it, and a token also stops a form being replayed after sign-out (signing in issues a new one).

CSRF is a danger only where a cookie signs someone in. A page form is always checked (a sign-in form too: the
token stops a forged sign-in into someone else's account). An API request is checked only when its session
holds a sign-in: with no credentials at all it goes on to the sign-in check and hears 401 "sign in", not 403
"reload the page"; a script's bearer API key is never a cookie, so it needs no token (senders.deps).

A 401 carries ``WWW-Authenticate: Bearer`` (RFC 9110 §11.6.1, RFC 6750 §3): the one HTTP authentication scheme
telreg accepts is a sender's API key; browsers and staff clients use the session cookie, which HTTP has no
challenge for. The OpenAPI document names both (``SESSION_SCHEME`` here, the API key in senders.deps).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from telreg.core import audit, sessions, signed_in_cache
from telreg.core.access import STAFF, Access, declares
from telreg.core.errors import NotAuthenticated, PermissionDenied
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.rate_limits import client_address
from telreg.core.users import is_locked, require_role
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime

__all__ = [
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "SESSION_SCHEME",
    "CsrfChecked",
    "CsrfRejected",
    "CurrentUser",
    "DncOfficer",
    "bearer_challenge",
    "bearer_token",
    "complete_staff_sign_in",
    "cookie_authenticated",
    "csrf_token",
    "end_server_session",
    "session_token",
    "sign_in",
    "sign_out",
    "start_server_session",
    "verify_csrf",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_CSRF_KEY = "csrf"
_USER_KEY = "user"
_TOKEN_KEY = "auth"  # the server-side session's token (core/sessions.py); only its SHA-256 is stored
_KEPT_ON_SIGN_IN = ("lang",)  # preferences that survive the session being renewed
# What an anonymous session may hold: its CSRF token, the language, a one-off message. Any other key (a staff
# user, a sender account, a proved lookup code...) signs someone in, so an unknown key counts as a sign-in and
# keeps the CSRF check: forgetting to list a new credential here cannot switch the check off.
_ANONYMOUS_KEYS = frozenset({_CSRF_KEY, "lang", "flash"})
_API_PREFIX = "/api/"
REALM = "telreg"
SESSION_COOKIE = "telreg_session"  # app.py's SessionMiddleware sets it under this name

SESSION_SCHEME = APIKeyCookie(
    name=SESSION_COOKIE, scheme_name="session", auto_error=False,
    description="The session cookie set by POST /api/v1/auth/login (staff) or POST /api/v1/senders/login "
                "(senders). Every change also sends the session's CSRF token as the X-CSRF-Token header.",
)
"""Declares the session cookie in the OpenAPI document; the sign-in checks read the session themselves."""


class CsrfRejected(PermissionDenied):
    code = "csrf_rejected"


def csrf_token(request: Request) -> str:
    """Return the session's CSRF token, creating one on first use."""
    token = request.session.get(_CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_KEY] = token
    return str(token)


def bearer_token(request: Request) -> str | None:
    """The credentials of an ``Authorization: Bearer`` header ("" when empty), or None without one."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials if scheme.lower() == "bearer" else None


def bearer_challenge(request: Request) -> str:
    """The ``WWW-Authenticate`` value of a 401: ``error="invalid_token"`` when a bearer token was refused."""
    if bearer_token(request) is not None:
        return f'Bearer realm="{REALM}", error="invalid_token"'
    return f'Bearer realm="{REALM}"'


def cookie_authenticated(request: Request) -> bool:
    """Whether the request's session cookie signs someone in (holds more than an anonymous session does)."""
    return any(key not in _ANONYMOUS_KEYS for key in request.session)


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form field (or header) does not carry the session's token.

    API requests whose session signs nobody in are let through: they carry no ambient authority to abuse, and
    the route's sign-in check answers them with 401.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.url.path.startswith(_API_PREFIX) and not cookie_authenticated(request):
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
        raise CsrfRejected(N_(
            "This form has expired or did not come from this site. Reload the page and try again."))


def _fresh_cookie_session(request: Request) -> None:
    kept = {key: request.session[key] for key in _KEPT_ON_SIGN_IN if key in request.session}
    request.session.clear()
    request.session.update(kept)


def session_token(request: Request) -> str | None:
    """The server-side session's token the cookie carries (core/sessions.py), or None."""
    value = request.session.get(_TOKEN_KEY)
    return str(value) if value else None


def start_server_session(request: Request, session: Session, runtime: Runtime, *, kind: str, principal: str,
                         keep_csrf: bool = False) -> str:
    """Give the browser a fresh cookie session carrying a new server-side session of KIND for PRINCIPAL.

    A session the cookie held before is revoked ("replaced"), so a planted or shared cookie cannot be reused; a
    new CSRF token is issued with it. Returns the new token.
    """
    old = session_token(request)
    if old:
        sessions.revoke(session, clock=runtime.clock, token=old, reason="replaced")
    csrf = request.session.get(_CSRF_KEY) if keep_csrf else None
    _fresh_cookie_session(request)
    token = sessions.issue(session, clock=runtime.clock, settings=runtime.settings, kind=kind, principal=principal,
                           client_address=client_address(request), user_agent=request.headers.get("user-agent"))
    request.session[_TOKEN_KEY] = token
    request.session[_CSRF_KEY] = csrf or secrets.token_urlsafe(32)
    return token


def end_server_session(request: Request, session: Session, runtime: Runtime, *, reason: str = "logout") -> None:
    """Revoke the cookie's server-side session (if any) and empty the cookie session."""
    token = session_token(request)
    if token:
        sessions.revoke(session, clock=runtime.clock, token=token, reason=reason)
    _fresh_cookie_session(request)


def sign_in(request: Request, user: User, *, session: Session, runtime: Runtime) -> None:
    """Start a fresh session for the user: a new server-side session and CSRF token in a new cookie session."""
    start_server_session(request, session, runtime, kind=sessions.STAFF, principal=user.username)
    request.session[_USER_KEY] = user.username


def complete_staff_sign_in(request: Request, session: Session, runtime: Runtime, user: User) -> None:
    """THE place where a staff sign-in is completed: the password was accepted (core.users.authenticate), now the
    session is issued and the sign-in audited. A second step (two-factor) goes before this call."""
    sign_in(request, user, session=session, runtime=runtime)
    audit.record(session, clock=runtime.clock, actor=f"user:{user.username}", action="user-signed-in",
                 subject_type="user", subject_key=user.username, details={"address": client_address(request)})


def sign_out(request: Request) -> None:
    """Empty the cookie session (keeping the language). Revoking the server-side session: end_server_session."""
    _fresh_cookie_session(request)


def signed_in_username(request: Request) -> str | None:
    """The username the cookie names (a hint for the page header; current_user is what checks the session). A
    cookie without a server-side session (written before sessions were kept on the server) names no one."""
    value = request.session.get(_USER_KEY)
    return str(value) if value and request.session.get(_TOKEN_KEY) else None


def current_user(request: Request, session: DbSession, runtime: RuntimeDep) -> User:
    """Return the signed-in staff user; an ended or revoked session, or an unknown, deactivated or (while the
    lock lasts) locked account counts as signed out."""
    user = cached_user(request, session, runtime)
    if user is not None:
        return user
    return _resolved_user(request, session, runtime)


def _resolved_user(request: Request, session: Session, runtime: Runtime) -> User:
    """current_user's answer from the database (the sign-in cache missed), stored in the cache when it may be."""
    named, token = _named_and_token(request)
    username = str(named)
    since = signed_in_cache.generation()  # read before asking: a change committed meanwhile is not masked
    live = sessions.resolve(session, clock=runtime.clock, settings=runtime.settings, kind=sessions.STAFF,
                            token=token)
    user = session.scalar(select(User).where(User.username == username)) if live is not None else None
    now = runtime.clock.now()
    if (live is None or user is None or live.principal != user.username or not user.is_active
            or is_locked(user, now=now)):
        signed_in_cache.forget(runtime, sessions.session_id(token))
        sign_out(request)
        raise NotAuthenticated(N_("Your session has ended; please sign in again."))
    if "last_seen_at" in live.__dict__:  # not just noted (resolve expires it after writing the note)
        signed_in_cache.store(runtime, live.id, runtime.clock, principal=live.principal,
                              expires_at=live.expires_at, last_seen_at=live.last_seen_at, user=user, since=since)
    return user


def _named_and_token(request: Request) -> tuple[str, str]:
    """The username and server-side session token the cookie carries; NotAuthenticated without both."""
    named = request.session.get(_USER_KEY)
    token = session_token(request)
    if not named or token is None:
        if named:  # a cookie from before server-side sessions: it no longer signs anyone in
            sign_out(request)
        raise NotAuthenticated(N_("Please sign in to see this page."))
    return str(named), token


def cached_user(request: Request, session: Session, runtime: Runtime) -> User | None:
    """The signed-in staff user from this process's sign-in cache (core/signed_in_cache.py), or None when the
    database must be asked. Runs no statement. The cached session's limits are checked against the request's
    clock exactly as ``sessions.resolve`` checks them; a session due for its ``last_seen_at`` note is left to the
    database answer, which writes it."""
    named, token = _named_and_token(request)
    entry = signed_in_cache.lookup(runtime, sessions.session_id(token), runtime.clock)
    if entry is None or entry.principal != named:
        return None
    now = runtime.clock.now()
    idle, _ = sessions.policy(runtime.settings, sessions.STAFF)
    if not (entry.expires_at > now and entry.last_seen_at + idle > now
            and now - entry.last_seen_at < sessions.TOUCH_EVERY):
        return None
    user: User = entry.user
    if not user.is_active or is_locked(user, now=now):
        return None
    return signed_in_cache.attach(session, entry)  # type: ignore[no-any-return]


@declares(STAFF)
async def _signed_in_staff(request: Request, session: DbSession, runtime: RuntimeDep,
                           _cookie: Annotated[str | None, Depends(SESSION_SCHEME)]) -> User:
    # Async: a sign-in this process resolved within the last second is answered on the event loop, with no
    # statement and no trip through the thread pool; otherwise the database is asked in the thread pool.
    user = cached_user(request, session, runtime)
    if user is not None:
        return user
    return await run_in_threadpool(_resolved_user, request, session, runtime)


CurrentUser = Annotated[User, Depends(_signed_in_staff)]
StaffSignedIn = Depends(_signed_in_staff)
"""For a ``dependencies=[…]`` list: the sign-in check before CsrfChecked, so no session hears 401, not 403."""


@declares(Access.staff("dnc-officer", "admin"))
def dnc_officer(user: CurrentUser) -> User:
    require_role(user, "dnc-officer")
    return user


DncOfficer = Annotated[User, Depends(dnc_officer)]
CsrfChecked = Depends(verify_csrf)
