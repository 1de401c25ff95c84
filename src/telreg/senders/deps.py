"""FastAPI dependencies of the senders context: the signed-in sender.

A sender's web session holds the account id under ``sender_account`` (the signed cookie of core.security, with its
CSRF token). The sign-in pages call :func:`start_sender_session` after checking the password (and CAPTCHA);
every request then re-asks :func:`telreg.senders.lifecycle.access`, so an account cancelled since signing in is
signed out at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from telreg.core.errors import NotAuthenticated
from telreg.core.security import csrf_token, sign_out, verify_csrf
from telreg.deps import DbSession, RuntimeDep
from telreg.senders import lifecycle
from telreg.senders.errors import AccountNotFound

__all__ = [
    "CurrentSender",
    "SENDER_KEY",
    "SenderCaller",
    "SenderCallerDep",
    "current_sender",
    "end_sender_session",
    "sender_caller",
    "start_sender_session",
]

SENDER_KEY = "sender_account"


def start_sender_session(request: Request, account_id: int) -> None:
    """Start a fresh session (new CSRF token) for a sender whose credentials were just checked."""
    sign_out(request)
    request.session[SENDER_KEY] = account_id
    csrf_token(request)


def end_sender_session(request: Request) -> None:
    sign_out(request)


def current_sender(request: Request, session: DbSession, runtime: RuntimeDep) -> lifecycle.AccountAccess:
    """Return what the signed-in sender may do now; a cancelled or unknown account counts as signed out."""
    account_id = request.session.get(SENDER_KEY)
    if not account_id:
        raise NotAuthenticated("Please log in to your subscription account.")
    try:
        allowed = lifecycle.access(session, clock=runtime.clock, settings=runtime.settings,
                                   account_id=int(account_id))
    except AccountNotFound:
        end_sender_session(request)
        raise NotAuthenticated("Your session has ended; please log in again.") from None
    if not allowed.can_log_in:
        end_sender_session(request)
        raise NotAuthenticated(allowed.reason)
    return allowed


CurrentSender = Annotated[lifecycle.AccountAccess, Depends(current_sender)]


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


async def sender_caller(request: Request, session: DbSession, runtime: RuntimeDep) -> SenderCaller:
    """Accept a browser session (with its CSRF token on anything that changes or costs) or an API key.

    The API-key path (``Authorization: Bearer <key>``) is added by the sign-in work in senders/api_keys.py;
    a browser session is checked exactly as :func:`current_sender` does.
    """
    await verify_csrf(request)
    return SenderCaller(current_sender(request, session, runtime))


SenderCallerDep = Annotated[SenderCaller, Depends(sender_caller)]
