"""Senders signing in: password log-in with lockout, reset by security question, officers' one-time passwords.

Rules (FAQ Q2.1, Q4.1, Q4.2, Q4.6):

- An unknown username and a wrong password get the same answer (:class:`LoginFailed`) and cost the same argon2
  work, so the log-in form cannot be used to probe usernames.
- ``MAX_FAILURES`` consecutive wrong passwords (or wrong security answers) lock the account for ``LOCK_MINUTES``;
  the answer says until when. A locked account is refused before its password is checked. When the lock has run
  out the count starts again from zero. A successful log-in or reset clears the count.
- Each attempt is *claimed* before its secret is checked (core/lockout.py: one conditional ``UPDATE … SET
  failed_logins = failed_logins + 1 WHERE … not locked``), so however many attempts arrive at once, only
  ``MAX_FAILURES`` are ever checked, and a right password that comes after the others locked the account is
  refused. The same holds for security answers (and for one-time passwords, which are passwords).
- A password change, a reset, a one-time password and a lockout end every session of the account
  (core/sessions.py); an officer can end them too (:func:`revoke_sessions`).
- Failures are *returned* (``SignInResult.error``), not raised: the edge must commit the raised counter, and
  raising would roll it back.
- An expired (grace) or pending account may log in; a cancelled one may not (apply again as a new applicant).
- An officer's one-time password replaces the password, must be changed at the next log-in and lapses after
  ``OTP_VALID_DAYS``; issuing one also unlocks the account.

Every event is an audit event about ``("sender", account id)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, lockout, passwords, sessions
from telreg.core.clock import Clock, to_hk
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.core.passwords import PasswordUnchanged
from telreg.core.users import officer as staff_officer
from telreg.senders import credentials, lifecycle, repository
from telreg.senders.errors import (
    AccountCancelled,
    AccountLocked,
    AccountNotFound,
    LoginFailed,
    OneTimePasswordExpired,
    ResetFailed,
    WrongCurrentPassword,
)
from telreg.senders.models import SenderAccount
from telreg.senders.vocabulary import AccountState

__all__ = [
    "LOCK_MINUTES",
    "MAX_FAILURES",
    "OTP_VALID_DAYS",
    "SignInResult",
    "change_password",
    "issue_one_time_password",
    "log_in",
    "must_change_password",
    "reset_with_security_answer",
    "resolve_account",
    "revoke_sessions",
    "security_question",
    "sign_in_status",
    "unlock",
]

# Candidates for Settings fields (config.py belongs to the lead); kept here as named policy until then.
MAX_FAILURES = 5
LOCK_MINUTES = 30
OTP_VALID_DAYS = 7

_OTP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # read out by phone or faxed: no 0/O, 1/I/L
_WRONG_LOGIN = N_("The username or password is not correct.")
_WRONG_RESET = N_("The username or the answer to the security question is not correct.")
_CANCELLED = "This account is cancelled; to use the registers again, apply for a new account."


@dataclass(frozen=True)
class SignInResult:
    """What a log-in or reset attempt came to. ``error`` is None on success; the edge renders it otherwise."""

    account_id: int | None
    error: DomainError | None = None
    must_change_password: bool = False
    state: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        if self.error is not None:
            return self.error.message
        if self.must_change_password:
            return "Signed in with a one-time password: choose a new password now."
        return "Signed in."


# ---- queries of this module -------------------------------------------------------------------------------------

def _cancelled_account(session: Session, username: str) -> SenderAccount | None:
    """The latest cancelled account that had this username (its login name was freed on cancellation)."""
    stmt = (select(SenderAccount)
            .where(SenderAccount.username == username, SenderAccount.state == AccountState.cancelled.value)
            .order_by(SenderAccount.id.desc()).limit(1))
    return session.scalars(stmt).first()


def _claim(session: Session, *, clock: Clock, account_id: int) -> lockout.Claim:
    """Claim one attempt before the secret is checked (core/lockout.py); not granted: the account is locked."""
    return lockout.claim(session, model=SenderAccount, row_id=account_id, now=clock.now(), max_attempts=MAX_FAILURES,
                         lock_for=dt.timedelta(minutes=LOCK_MINUTES))


# ---- helpers ----------------------------------------------------------------------------------------------------

def _hk_parts(at: dt.datetime) -> dict[str, str]:
    # Time and day apart, so each language orders them its own way (10:30 on 2026-03-02 / 2026-03-02 10:30).
    local = to_hk(at)
    return {"time": local.strftime("%H:%M"), "day": local.strftime("%Y-%m-%d")}


def _locked_error(until: dt.datetime) -> AccountLocked:
    return AccountLocked(N_(
        "Too many wrong attempts: this account is locked until %(time)s on %(day)s (Hong Kong time). "
        "Try again then, or ask OFCA to unlock it."), **_hk_parts(until),
        locked_until=to_hk(until).isoformat(),
    )


def _refused_while_locked(session: Session, *, clock: Clock, account: SenderAccount, claimed: lockout.Claim,
                          what: str) -> SignInResult:
    """The attempt was not claimed (or a right secret came after the others locked the account): say until when."""
    now = clock.now()
    count, until = lockout.state(session, model=SenderAccount, row_id=account.id)
    until = lockout.locked_until(count, until, now=now, max_attempts=MAX_FAILURES) or claimed.locked_until or now
    if until.year == dt.MAXYEAR:  # a count at the limit with no end recorded: say the usual lock length
        until = now + dt.timedelta(minutes=LOCK_MINUTES)
    audit.record(session, clock=clock, actor="sender-login", action=f"sender-{what}-refused", subject_type="sender",
                 subject_key=str(account.id), details={"reason": "locked"})
    return SignInResult(account.id, _locked_error(until))


def _failure(session: Session, *, clock: Clock, account: SenderAccount, claimed: lockout.Claim, error: DomainError,
             what: str) -> SignInResult:
    """A wrong secret: its claim already counted it; audit it, and the lock when this attempt was the last."""
    audit.record(session, clock=clock, actor="sender-login", action=f"sender-{what}-failed", subject_type="sender",
                 subject_key=str(account.id), details={"failed_logins": claimed.attempt})
    if claimed.locks and claimed.locked_until is not None:
        audit.record(session, clock=clock, actor="sender-login", action="sender-locked", subject_type="sender",
                     subject_key=str(account.id),
                     details={"locked_until": claimed.locked_until.isoformat(), "failed_logins": claimed.attempt})
        sessions.revoke_all(session, clock=clock, kind=sessions.SENDER, principal=str(account.id), reason="locked",
                            actor="sender-login")
        return SignInResult(account.id, _locked_error(claimed.locked_until))
    return SignInResult(account.id, error)


def _checked(session: Session, *, clock: Clock, account: SenderAccount, what: str, error: DomainError,
             check: Callable[[], bool]) -> SignInResult | None:
    """Claim an attempt, run CHECK (the slow secret comparison), settle the count; None when the secret was right
    and the count is cleared, else the refusal to return."""
    claimed = _claim(session, clock=clock, account_id=account.id)
    if not claimed.granted:
        return _refused_while_locked(session, clock=clock, account=account, claimed=claimed, what=what)
    if not check():
        return _failure(session, clock=clock, account=account, claimed=claimed, error=error, what=what)
    if not lockout.confirm(session, model=SenderAccount, row_id=account.id, claimed=claimed):
        return _refused_while_locked(session, clock=clock, account=account, claimed=claimed, what=what)
    return None


def _username(username: str) -> str:
    return username.strip().lower()


# ---- logging in -------------------------------------------------------------------------------------------------

def log_in(session: Session, *, clock: Clock, settings: Settings, username: str, password: str) -> SignInResult:
    """Check a sender's username and password; count a failure, or clear the count and say what comes next."""
    name = _username(username)
    now = clock.now()
    account = repository.account_by_login(session, name)
    if account is None:
        cancelled = _cancelled_account(session, name)
        if cancelled is not None and passwords.matches(cancelled.password_hash, password):
            return SignInResult(cancelled.id, AccountCancelled(_CANCELLED), state=AccountState.cancelled.value)
        if cancelled is None:
            passwords.hash_secret(password)  # spend the time a real check takes, so usernames cannot be probed by timing
        return SignInResult(None, LoginFailed(_WRONG_LOGIN))
    refused = _checked(session, clock=clock, account=account, what="login", error=LoginFailed(_WRONG_LOGIN),
                       check=lambda: credentials.check_password(session, username=name, password=password) is not None)
    if refused is not None:
        return refused
    access = lifecycle.access(session, clock=clock, settings=settings, account_id=account.id)
    if not access.can_log_in:
        return SignInResult(account.id, AccountCancelled(_CANCELLED), state=access.state.value)
    if account.must_change_password and account.otp_expires_at is not None and account.otp_expires_at <= now:
        return SignInResult(account.id, OneTimePasswordExpired(N_(
            "The one-time password expired at %(time)s on %(day)s (Hong Kong time). Ask OFCA for a new one, or "
            "reset your password with your security question."), **_hk_parts(account.otp_expires_at)))
    audit.record(session, clock=clock, actor=f"sender:{account.id}", action="sender-logged-in", subject_type="sender",
                 subject_key=str(account.id), details={"one_time_password": bool(account.must_change_password)})
    return SignInResult(account.id, must_change_password=bool(account.must_change_password), state=access.state.value)


def must_change_password(session: Session, *, account_id: int) -> bool:
    """True while the account's password is an officer's one-time password not yet replaced."""
    account = repository.get_account(session, account_id)
    return bool(account is not None and account.must_change_password)


def _clear_one_time_password(session: Session, account: SenderAccount) -> None:
    account.must_change_password = False
    account.otp_expires_at = None
    account.failed_logins = 0
    account.locked_until = None
    session.flush()


def change_password(session: Session, *, clock: Clock, account_id: int, current_password: str,
                    new_password: str) -> None:
    """A signed-in sender replaces the password (required after a one-time password); raises on bad input."""
    account = repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if not passwords.matches(account.password_hash, current_password):
        raise WrongCurrentPassword(N_("The current password is not correct."))
    if new_password == current_password:
        raise PasswordUnchanged(N_("The new password must be different from the current one."))
    credentials.change_password(session, clock=clock, account_id=account_id, new_password=new_password,
                                actor=f"sender:{account_id}")
    _clear_one_time_password(session, account)
    # Every session ends; the edge that changed it signs its own browser in again.
    sessions.revoke_all(session, clock=clock, kind=sessions.SENDER, principal=str(account_id),
                        reason="password-changed", actor=f"sender:{account_id}")


# ---- "forgot password": the security question ---------------------------------------------------------------------

# What an unknown username is asked instead: questions applicants commonly choose, as they typed them (a real
# question is shown as its applicant wrote it, untranslated, so a decoy is too).
DECOY_QUESTIONS = (
    "Name of my first school?",
    "What was the name of my first pet?",
    "My mother's maiden name?",
    "In which city was I born?",
    "What was my childhood nickname?",
    "Name of the street I grew up on?",
    "What was the make of my first car?",
    "Name of my favourite teacher?",
)
_PROCESS_KEY = secrets.token_bytes(32)  # only when no settings are given (the app always passes them)


def _decoy_question(name: str, settings: Settings | None) -> str:
    if settings is not None:
        from telreg.app import _secret_key  # imported here: the app imports every context

        key = _secret_key(settings).encode()
    else:
        key = _PROCESS_KEY
    digest = hmac.new(key, b"security-question-decoy\x00" + name.encode(), hashlib.sha256).digest()
    return DECOY_QUESTIONS[int.from_bytes(digest[:8], "big") % len(DECOY_QUESTIONS)]


def security_question(session: Session, *, username: str, settings: Settings | None = None) -> str:
    """The account's security question — or, for a name with no live account, a decoy: a plausible question
    chosen from the name with an HMAC under the app's secret, so the same name always gets the same one. The
    answer has the same shape and costs the same time (an argon2 hash either way), so this step cannot be used to
    learn which usernames exist; the reset that follows refuses a decoy's answer like a wrong one."""
    name = _username(username)
    question = credentials.security_question(session, username=name)
    passwords.hash_secret(name or "-")  # the same work whether or not the name exists
    return question if question is not None else _decoy_question(name, settings)


def reset_with_security_answer(session: Session, *, clock: Clock, settings: Settings, username: str, answer: str,
                               new_password: str) -> SignInResult:
    """Set a new password after a correct answer; a wrong answer counts as a failed log-in (and can lock)."""
    name = _username(username)
    account = repository.account_by_login(session, name)
    # Raises before anything is written, for a known name or not (a weak password must not tell them apart).
    credentials.validate_password(new_password, username=account.username if account is not None else name)
    if account is None:
        passwords.hash_secret(answer)
        return SignInResult(None, ResetFailed(_WRONG_RESET))
    refused = _checked(session, clock=clock, account=account, what="reset", error=ResetFailed(_WRONG_RESET),
                       check=lambda: credentials.check_security_answer(session, account_id=account.id, answer=answer))
    if refused is not None:
        return refused
    access = lifecycle.access(session, clock=clock, settings=settings, account_id=account.id)
    if not access.can_log_in:
        return SignInResult(account.id, AccountCancelled(_CANCELLED), state=access.state.value)
    credentials.change_password(session, clock=clock, account_id=account.id, new_password=new_password,
                                actor=f"sender:{account.id}:security-answer")
    _clear_one_time_password(session, account)
    audit.record(session, clock=clock, actor=f"sender:{account.id}", action="sender-password-reset",
                 subject_type="sender", subject_key=str(account.id))
    sessions.revoke_all(session, clock=clock, kind=sessions.SENDER, principal=str(account.id),
                        reason="password-reset", actor=f"sender:{account.id}")
    return SignInResult(account.id, state=access.state.value)


# ---- officers ---------------------------------------------------------------------------------------------------

def _live_account(session: Session, *, clock: Clock, settings: Settings, account_id: int) -> SenderAccount:
    account = repository.lock_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if not lifecycle.access(session, clock=clock, settings=settings, account_id=account_id).can_log_in:
        raise AccountCancelled(N_("Account %(account_id)s is cancelled; the sender must apply again as a new applicant."),
                               account_id=account_id)
    return account


def _one_time_password() -> str:
    raw = "".join(secrets.choice(_OTP_ALPHABET) for _ in range(12))  # 12 of 31 symbols: about 59 bits
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def issue_one_time_password(session: Session, *, clock: Clock, settings: Settings, account_id: int,
                            officer: str) -> str:
    """Replace the password with a random one-time password (returned once, to be phoned or faxed) and unlock."""
    clerk = staff_officer(session, officer)
    account = _live_account(session, clock=clock, settings=settings, account_id=account_id)
    otp = _one_time_password()
    expires_at = clock.now() + dt.timedelta(days=OTP_VALID_DAYS)
    account.password_hash = credentials.hash_password(otp)
    account.password_changed_at = clock.now()
    account.must_change_password = True
    account.otp_expires_at = expires_at
    account.failed_logins = 0
    account.locked_until = None
    session.flush()
    audit.record(session, clock=clock, actor=f"officer:{clerk.username}", action="sender-one-time-password-issued",
                 subject_type="sender", subject_key=str(account.id), details={"expires_at": expires_at.isoformat()})
    sessions.revoke_all(session, clock=clock, kind=sessions.SENDER, principal=str(account.id),
                        reason="one-time-password-issued", actor=f"officer:{clerk.username}")
    return otp


def unlock(session: Session, *, clock: Clock, settings: Settings, account_id: int, officer: str) -> SenderAccount:
    """Clear the failure count and any lock now (after the officer has identified the sender)."""
    clerk = staff_officer(session, officer)
    account = _live_account(session, clock=clock, settings=settings, account_id=account_id)
    before = {"failed_logins": account.failed_logins,
              "locked_until": account.locked_until.isoformat() if account.locked_until else None}
    account.failed_logins = 0
    account.locked_until = None
    session.flush()
    audit.record(session, clock=clock, actor=f"officer:{clerk.username}", action="sender-unlocked",
                 subject_type="sender", subject_key=str(account.id), details=before)
    return account


def revoke_sessions(session: Session, *, clock: Clock, settings: Settings, account_id: int, officer: str) -> int:
    """End every session of the account at once (a do-not-call officer or an administrator); audited."""
    clerk = staff_officer(session, officer)
    account = repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    return sessions.revoke_all(session, clock=clock, kind=sessions.SENDER, principal=str(account.id),
                               reason="revoked-by-officer", actor=f"officer:{clerk.username}")


def sign_in_status(session: Session, *, account_id: int) -> dict[str, object]:
    """What an officer sees about an account's sign-in: failures, lock, pending one-time password, API access."""
    account = repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    return {"account_id": account.id, "failed_logins": account.failed_logins, "locked_until": account.locked_until,
            "must_change_password": account.must_change_password, "otp_expires_at": account.otp_expires_at,
            "api_access": account.api_access}


def resolve_account(session: Session, ref: str) -> int:
    """An account id from what an officer typed: the id, or the username of a live account."""
    ref = ref.strip()
    if ref.isdigit():
        return int(ref)
    account = repository.account_by_login(session, _username(ref))
    if account is None:
        raise AccountNotFound(N_("There is no live account with the username '%(username)s'."), username=ref)
    return account.id
