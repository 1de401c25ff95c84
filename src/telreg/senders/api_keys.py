"""Automation by arrangement (FAQ Q3.6): API access an officer turns on, and the API keys a sender's scripts use.

A key is ``tr_<prefix>.<secret>``: the 12-hex-digit prefix is public and finds the row; the secret (32 random bytes,
URL-safe base64) is shown once, at creation, and only its SHA-256 is stored. A fast hash is right for 256 random
bits (nothing to brute-force) and keeps every scripted request cheap; the comparison is constant-time.

A key works only while the account's API access is on, the key is not revoked and the account may log in; it
reaches only the registers in its scope that the account may use now (see ``SenderCaller.registers``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, to_hk
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.users import officer as staff_officer
from telreg.senders import lifecycle, repository
from telreg.senders.deps import SenderCaller
from telreg.senders.errors import (
    AccountCancelled,
    AccountNotFound,
    ApiAccessDisabled,
    ApiKeyNotFound,
    ApiKeyRejected,
    RegisterNotHeld,
    TooManyApiKeys,
)
from telreg.senders.models import SenderAccount, SenderApiKey
from telreg.senders.vocabulary import parse_register

__all__ = [
    "KEY_PREFIX",
    "MAX_ACTIVE_KEYS",
    "authenticate",
    "create_key",
    "key_view",
    "list_keys",
    "resolve_key",
    "revoke_key",
    "set_api_access",
]

KEY_PREFIX = "tr_"
MAX_ACTIVE_KEYS = 10  # a handful of scripts per sender; more suggests keys are being handed around
_KEY = re.compile(r"^tr_([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$")
_HELD = ("active", "grace", "not-started")  # register statuses that count as "held" for a key's scope


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_view(key: SenderApiKey) -> dict[str, Any]:
    """A key as listed to its owner: everything but the secret (which is not stored anyway)."""
    return {
        "id": key.id,
        "label": key.label,
        "key_prefix": f"{KEY_PREFIX}{key.prefix}",
        "registers": key.registers.split(","),
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "revoked_by": key.revoked_by,
        "active": key.revoked_at is None,
    }


# ---- officers ---------------------------------------------------------------------------------------------------

def set_api_access(session: Session, *, clock: Clock, settings: Settings, account_id: int, enabled: bool,
                   officer: str) -> SenderAccount:
    """Turn automation on or off for an account. Off makes every key of the account stop working at once."""
    clerk = staff_officer(session, officer)
    account = repository.lock_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if enabled and not lifecycle.access(session, clock=clock, settings=settings, account_id=account_id).can_log_in:
        raise AccountCancelled(N_("Account %(account_id)s is cancelled; API access cannot be turned on."),
                               account_id=account_id)
    if account.api_access == enabled:
        return account  # already so: nothing to record
    account.api_access = enabled
    account.api_access_changed_by = clerk.username
    account.api_access_changed_at = clock.now()
    session.flush()
    audit.record(session, clock=clock, actor=f"officer:{clerk.username}",
                 action="sender-api-access-" + ("on" if enabled else "off"), subject_type="sender",
                 subject_key=str(account.id))
    return account


# ---- the sender's keys ------------------------------------------------------------------------------------------

def _held_registers(session: Session, *, clock: Clock, settings: Settings, account_id: int) -> set[str]:
    access = lifecycle.access(session, clock=clock, settings=settings, account_id=account_id)
    return {r for r, status in access.held.items() if status.status in _HELD}


def create_key(session: Session, *, clock: Clock, settings: Settings, account_id: int, label: str,
               registers: Iterable[str] | None = None) -> tuple[SenderApiKey, str]:
    """Create a key scoped to some of the account's registers (default: all it holds); return it and its plaintext.

    The plaintext is returned only here and never stored: the caller shows it once.
    """
    account = repository.lock_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if not account.api_access:
        raise ApiAccessDisabled(N_("API access is by arrangement: ask OFCA (dnc-admin@ofca.gov.hk) to enable "
                                   "it for this account first."))
    label = " ".join(label.split())
    if not 1 <= len(label) <= 100:
        raise InvalidInput(N_("Give the key a label of 1 to 100 characters, e.g. the script that will use "
                              "it."), label=label)
    held = _held_registers(session, clock=clock, settings=settings, account_id=account_id)
    wanted = {parse_register(r).value for r in registers} if registers is not None else set(held)
    if not wanted:
        raise InvalidInput(N_("Choose at least one register for the key."), registers=sorted(wanted))
    not_held = sorted(wanted - held)
    if not_held and held:
        raise RegisterNotHeld(N_("The account does not hold the %(not_held)s register(s); a key can only "
                                 "reach registers the account holds (%(held)s)."),
                              register=not_held[0], registers=not_held, not_held=", ".join(not_held),
                              held=", ".join(sorted(held)))
    if not_held:
        raise RegisterNotHeld(N_("The account does not hold the %(not_held)s register(s); a key can only "
                                 "reach registers the account holds (none)."),
                              register=not_held[0], registers=not_held, not_held=", ".join(not_held))
    active = session.scalar(select(func.count()).select_from(SenderApiKey)
                            .where(SenderApiKey.account_id == account_id, SenderApiKey.revoked_at.is_(None)))
    if (active or 0) >= MAX_ACTIVE_KEYS:
        raise TooManyApiKeys(N_("An account may have at most %(limit)s active keys; revoke one first."),
                             limit=MAX_ACTIVE_KEYS)
    secret = secrets.token_urlsafe(32)
    while True:  # 48 random bits of prefix: a collision is all but impossible, but the constraint decides
        key = SenderApiKey(account_id=account_id, prefix=secrets.token_hex(6), secret_sha256=_sha256(secret),
                           label=label, registers=",".join(sorted(wanted)), created_at=clock.now())
        if repository.try_add(session, key):
            break
    audit.record(session, clock=clock, actor=f"sender:{account_id}", action="sender-api-key-created",
                 subject_type="sender", subject_key=str(account_id),
                 details={"key_id": key.id, "prefix": key.prefix, "registers": sorted(wanted)})
    return key, f"{KEY_PREFIX}{key.prefix}.{secret}"


def list_keys(session: Session, *, account_id: int) -> list[dict[str, Any]]:
    """The account's keys, newest first, revoked ones included; never a secret."""
    stmt = select(SenderApiKey).where(SenderApiKey.account_id == account_id).order_by(SenderApiKey.id.desc())
    return [key_view(k) for k in session.scalars(stmt)]


def revoke_key(session: Session, *, clock: Clock, account_id: int, key_id: int, actor: str) -> SenderApiKey:
    """Revoke one of the account's keys; revoking a revoked key changes nothing."""
    key = session.scalar(select(SenderApiKey).where(SenderApiKey.id == key_id,
                                                    SenderApiKey.account_id == account_id))
    if key is None:
        raise ApiKeyNotFound(N_("This account has no API key %(key_id)s."), key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.revoked_by = actor
        session.flush()
        audit.record(session, clock=clock, actor=actor, action="sender-api-key-revoked", subject_type="sender",
                     subject_key=str(account_id), details={"key_id": key.id, "prefix": key.prefix})
    return key


# ---- scripts presenting a key -----------------------------------------------------------------------------------

def authenticate(session: Session, *, clock: Clock, settings: Settings, bearer: str) -> SenderCaller:
    """Turn an ``Authorization: Bearer`` key into the caller it stands for, or raise ApiKeyRejected; note the
    key's last use."""
    caller = resolve_key(session, clock=clock, settings=settings, bearer=bearer)
    session.execute(update(SenderApiKey).where(SenderApiKey.id == caller.api_key_id).values(last_used_at=clock.now())
                    .execution_options(synchronize_session=False))
    return caller


def resolve_key(session: Session, *, clock: Clock, settings: Settings, bearer: str) -> SenderCaller:
    """The caller an ``Authorization: Bearer`` key stands for, or ApiKeyRejected; reads only (the online check
    notes the key's last use with its record, core/group_commit.py)."""
    match = _KEY.match(bearer.strip())
    if match is None:
        raise ApiKeyRejected(N_("This is not a telreg API key (expected tr_<prefix>.<secret>, as shown when "
                                "it was created)."))
    prefix, secret = match.groups()
    key = session.scalar(select(SenderApiKey).where(SenderApiKey.prefix == prefix))
    presented = _sha256(secret)
    if key is None or not secrets.compare_digest(key.secret_sha256, presented):
        raise ApiKeyRejected(N_("This API key is not valid."))
    if key.revoked_at is not None:
        raise ApiKeyRejected(N_("This API key was revoked on %(revoked_on)s; create a new one."),
                             revoked_on=to_hk(key.revoked_at).date().isoformat())
    account = repository.get_account(session, key.account_id)
    if account is None or not account.api_access:
        raise ApiKeyRejected(N_("API access is not enabled for this account; ask OFCA "
                                "(dnc-admin@ofca.gov.hk)."))
    access = lifecycle.access(session, clock=clock, settings=settings, account_id=key.account_id)
    if not access.can_log_in:
        raise ApiKeyRejected(access.reason_template, **access.reason_params)
    return SenderCaller(access=access, api_key_id=key.id, scope=frozenset(key.registers.split(",")))
