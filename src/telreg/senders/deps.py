"""FastAPI dependencies of the senders context: the signed-in sender.

A sender's web session holds the token of a server-side session (core/sessions.py: idle and absolute limits,
revocable) and the account id under ``sender_account`` (the signed cookie of core.security, with its CSRF token). The sign-in pages call :func:`start_sender_session` after checking the password (and CAPTCHA);
every request then re-asks :func:`telreg.senders.lifecycle.access`, so an account cancelled since signing in is
signed out at once.

While the account's password is an officer's one-time password, the session may only change it:
:data:`CurrentSender` (and the session path of :data:`SenderCallerDep`) answer 403 ``password_change_required``;
:data:`SignedInSender` is the one dependency that lets such a session through (the change-password endpoint).
The plain function :func:`current_sender` does not enforce it, so pages can redirect to their own form instead.

The dependencies declare how they authenticate for the OpenAPI document: the session cookie
(``core.security.SESSION_SCHEME``) and, for :data:`SenderCallerDep`, the API key (:data:`API_KEY_SCHEME`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from telreg.core import sessions
from telreg.core.db import unit_of_work
from telreg.core.access import SENDER, SENDER_SESSION, declares
from telreg.core.errors import NotAuthenticated
from telreg.core.i18n import N_
from telreg.core.security import (
    SESSION_SCHEME,
    bearer_token,
    csrf_token,
    end_server_session,
    session_token,
    sign_out,
    start_server_session,
    verify_csrf,
)
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders import lifecycle, signin
from telreg.senders.check_cache import TtlCache, generation
from telreg.senders.errors import AccountNotFound, PasswordChangeRequired

__all__ = [
    "API_KEY_SCHEME",
    "CheckCallerDep",
    "CurrentSender",
    "SignedInSender",
    "SENDER_KEY",
    "SenderCaller",
    "SenderCallerDep",
    "check_caller",
    "current_sender",
    "require_sender",
    "end_sender_session",
    "sender_caller",
    "start_sender_session",
]

SENDER_KEY = "sender_account"
# Set in a request's ASGI scope only by the mutual-TLS listener (telreg.ecert.mtls), from the verified client
# certificate: the SenderCaller it resolved. No header can set it; the public listener never does.
CLIENT_CERTIFICATE = "telreg.client_certificate"

API_KEY_SCHEME = HTTPBearer(
    scheme_name="senderApiKey", bearerFormat="tr_<prefix>.<secret>", auto_error=False,
    description="A sender's API key (automation by arrangement: an officer enables API access, the "
                "sender creates keys at /senders/api-keys). Sent as `Authorization: Bearer tr_…`; no cookie, "
                "no CSRF token. Accepted by the account profile, downloads, online check, own lists and "
                "washing.",
)
"""Declares the API key in the OpenAPI document; :func:`sender_caller` reads the header itself."""
SessionCookie = Annotated[str | None, Depends(SESSION_SCHEME)]
ApiKey = Annotated[HTTPAuthorizationCredentials | None, Depends(API_KEY_SCHEME)]


def start_sender_session(request: Request, session: Session, runtime: Runtime, account_id: int, *,
                         keep_csrf: bool = False) -> None:
    """Start a fresh session (a new server-side session, new CSRF token) for a sender whose credentials were just
    checked; a session the browser held before is revoked. KEEP_CSRF: the same browser, signed in again after
    changing its password, keeps its CSRF token (its open forms still work)."""
    start_server_session(request, session, runtime, kind=sessions.SENDER, principal=str(account_id),
                         keep_csrf=keep_csrf)
    request.session[SENDER_KEY] = account_id
    csrf_token(request)


def end_sender_session(request: Request, session: Session, runtime: Runtime, *, reason: str = "logout") -> None:
    """Log out: the server-side session ends (a copy of the cookie is useless from now on), the cookie empties."""
    end_server_session(request, session, runtime, reason=reason)


def current_sender(request: Request, session: DbSession, runtime: RuntimeDep) -> lifecycle.AccountAccess:
    """Return what the signed-in sender may do now; an ended or revoked session, or a cancelled or unknown
    account, counts as signed out."""
    account_id = request.session.get(SENDER_KEY)
    if not account_id:
        raise NotAuthenticated(N_("Please log in to your subscription account."))
    live = sessions.resolve(session, clock=runtime.clock, settings=runtime.settings, kind=sessions.SENDER,
                            token=session_token(request))
    if live is None or live.principal != str(account_id):
        sign_out(request)
        raise NotAuthenticated(N_("Your session has ended; please log in again."))
    try:
        allowed = lifecycle.access(session, clock=runtime.clock, settings=runtime.settings,
                                   account_id=int(account_id))
    except AccountNotFound:
        sign_out(request)
        raise NotAuthenticated(N_("Your session has ended; please log in again.")) from None
    if not allowed.can_log_in:
        sign_out(request)
        raise NotAuthenticated(allowed.reason)
    return allowed


def require_sender(request: Request, session: DbSession, runtime: RuntimeDep) -> lifecycle.AccountAccess:
    """:func:`current_sender`, refused while a one-time password has not been replaced yet."""
    allowed = current_sender(request, session, runtime)
    _refuse_pending_password_change(session, allowed.account_id)
    return allowed


def _refuse_pending_password_change(session: DbSession, account_id: int) -> None:
    if signin.must_change_password(session, account_id=account_id):
        raise PasswordChangeRequired(N_("You signed in with a one-time password: change your password first "
                                        "(POST /api/v1/senders/me/password)."))


@declares(SENDER_SESSION)
def _required_sender(request: Request, session: DbSession, runtime: RuntimeDep,
                     _cookie: SessionCookie) -> lifecycle.AccountAccess:
    return require_sender(request, session, runtime)


@declares(SENDER_SESSION)  # also while a one-time password waits to be changed
def _signed_in_sender(request: Request, session: DbSession, runtime: RuntimeDep,
                      _cookie: SessionCookie) -> lifecycle.AccountAccess:
    return current_sender(request, session, runtime)


CurrentSender = Annotated[lifecycle.AccountAccess, Depends(_required_sender)]
SignedInSender = Annotated[lifecycle.AccountAccess, Depends(_signed_in_sender)]


@dataclass(frozen=True)
class SenderCaller:
    """Who is downloading or checking: a signed-in sender, or a script holding one of the account's API keys.

    ``scope`` is the API key's register scope (None for a browser session: every register the account holds).
    """

    access: lifecycle.AccountAccess
    api_key_id: int | None = None
    scope: frozenset[str] | None = None

    @property
    def account_id(self) -> int:
        return self.access.account_id

    @property
    def registers(self) -> frozenset[str]:
        """Registers this caller may use now: held and active, and within the key's scope."""
        return self.access.registers if self.scope is None else self.access.registers & self.scope

    def may_use(self, register: str) -> bool:
        return register in self.registers


async def _csrf_unless_api_key(request: Request) -> None:
    # Async because reading a form body is; kept apart from the database work below, which must not run on the
    # event loop: a request blocked there on a row or SQLite lock would stop the holder from ever committing.
    if bearer_token(request) is None and CLIENT_CERTIFICATE not in request.scope:
        await verify_csrf(request)


@declares(SENDER)
def sender_caller(
    request: Request, session: DbSession, runtime: RuntimeDep,
    _csrf: Annotated[None, Depends(_csrf_unless_api_key)], _key: ApiKey, _cookie: SessionCookie,
) -> SenderCaller:
    """Accept an API key (``Authorization: Bearer tr_…``) or a browser session.

    A key involves no cookie, so no CSRF token either; a bad, revoked or switched-off key is a 401 that says
    which. Without the header, the browser session is checked as :data:`CurrentSender` does, with its CSRF token
    on anything that changes or costs.
    """
    certified = request.scope.get(CLIENT_CERTIFICATE)
    if isinstance(certified, SenderCaller):  # the mutual-TLS listener checked the certificate on this request
        return certified
    bearer = bearer_token(request)
    if bearer is not None:
        # Imported here: api_keys imports SenderCaller from this module.
        from telreg.senders import api_keys

        return api_keys.authenticate(session, clock=runtime.clock, settings=runtime.settings, bearer=bearer)
    return SenderCaller(require_sender(request, session, runtime))


SenderCallerDep = Annotated[SenderCaller, Depends(sender_caller)]


# ---- the online check's caller: the same checks, cached for at most a second (issue 18) ----------------------

_CALLERS = TtlCache()


def _resolve_key(runtime: Runtime, bearer: str) -> SenderCaller:
    from telreg.senders import api_keys  # api_keys imports SenderCaller from this module

    with unit_of_work(runtime.read_session_factory) as session:
        return api_keys.resolve_key(session, clock=runtime.clock, settings=runtime.settings, bearer=bearer)


def _resolve_session(request: Request, runtime: Runtime) -> SenderCaller:
    with unit_of_work(runtime.session_factory) as session:  # may note the session's use (core/sessions.resolve)
        return SenderCaller(require_sender(request, session, runtime))


@declares(SENDER)
async def check_caller(request: Request, _key: ApiKey, _cookie: SessionCookie) -> SenderCaller:
    """:func:`sender_caller` for the online check: the same credentials and the same refusals, but a caller
    accepted in the last second is taken from this process's cache (senders/check_cache.py: a revocation, a
    suspension or a key change is seen within 1 s, at once when made by this process), so a scripted check
    costs no database round trip. Async: a cached caller needs no thread; a miss is resolved in the thread pool.
    The key's last use is noted with the check's record (senders/check_records.py). Refusals are never cached.
    """
    certified = request.scope.get(CLIENT_CERTIFICATE)
    if isinstance(certified, SenderCaller):
        return certified
    runtime: Runtime = request.app.state.runtime  # not RuntimeDep: a plain-def dependency costs a thread hop
    clock = runtime.clock
    bearer = bearer_token(request)
    if bearer is not None:
        key: tuple[object, ...] = ("key", hashlib.sha256(bearer.encode()).digest())
        return await _CALLERS.get_or_load_async(key, clock, lambda: _resolve_key(runtime, bearer))
    await verify_csrf(request)
    token, account_id = session_token(request), request.session.get(SENDER_KEY)
    key = ("session", token, account_id)
    found = _CALLERS.get(key, clock) if token and account_id else None
    if found is None:
        since = generation()
        found = await run_in_threadpool(_resolve_session, request, runtime)
        if token and account_id:
            _CALLERS.put(key, clock, found, since=since)
    return found  # type: ignore[no-any-return]


CheckCallerDep = Annotated[SenderCaller, Depends(check_caller)]
