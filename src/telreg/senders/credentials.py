"""The credentials a sender signs in with: username, argon2 password hash, security question and answer.

The answer to the security question is stored only as an argon2 hash of its normalised form (Unicode NFKC,
case-folded, inner whitespace collapsed), so "  Chan  Tai Man" and "chan tai man" match.

For the sign-in work (CAPTCHA, lockout, one-time passwords) these are the building blocks:
:func:`check_password`, :func:`check_security_answer`, :func:`security_question`, :func:`change_password`.
They never decide lockout and never raise on a wrong secret; they return what they found.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import Session

from telreg.core import audit, passwords
from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.senders import repository
from telreg.senders.errors import AccountNotFound
from telreg.senders.models import SenderAccount

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "change_password",
    "check_password",
    "check_security_answer",
    "hash_answer",
    "hash_password",
    "normalise_answer",
    "normalise_username",
    "security_question",
    "validate_password",
]

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH  # the one password policy (core.passwords), as for staff
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{3,31}$")


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput(N_(
            "A username has 4 to 32 characters: letters, digits, '.', '-' and '_', starting with a letter or "
            "digit."),
            username=username,
        )
    return name


def validate_password(password: str, *, username: str) -> None:
    """Refuse a sender password the policy refuses (core.passwords.check_strength, shared with staff)."""
    passwords.check_strength(password, username=username)


def hash_password(password: str) -> str:
    return passwords.hash_secret(password)


def normalise_answer(answer: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", answer).casefold().split())


def hash_answer(answer: str) -> str:
    normalised = normalise_answer(answer)
    if len(normalised) < 2:
        raise InvalidInput(N_("The answer to the security question is too short to be a secret."))
    return passwords.hash_secret(normalised)


def check_password(session: Session, *, username: str, password: str) -> SenderAccount | None:
    """Return the live account (not cancelled) whose password this is, else None; same cost either way."""
    account = repository.account_by_login(session, username.strip().lower())
    if account is None:
        passwords.hash_secret(password)  # spend the time a real check takes, so usernames cannot be probed by timing
        return None
    if not passwords.matches(account.password_hash, password):
        return None
    if (rehashed := passwords.upgraded(account.password_hash, password)) is not None:
        account.password_hash = rehashed
        session.flush()
    return account


def security_question(session: Session, *, username: str) -> str | None:
    """The question to ask on the "forgot password" page, or None for an unknown or cancelled username."""
    account = repository.account_by_login(session, username.strip().lower())
    return account.security_question if account is not None else None


def check_security_answer(session: Session, *, account_id: int, answer: str) -> bool:
    account = repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    return passwords.matches(account.security_answer_hash, normalise_answer(answer))


def change_password(session: Session, *, clock: Clock, account_id: int, new_password: str, actor: str) -> None:
    """Replace the password (after a correct security answer, or at the first login with a one-time password)."""
    account = repository.lock_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    validate_password(new_password, username=account.username)
    account.password_hash = hash_password(new_password)
    account.password_changed_at = clock.now()
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="sender-password-changed", subject_type="sender",
                 subject_key=str(account.id))
