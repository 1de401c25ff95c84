"""Staff two-factor sign-in: an authenticator app's codes (RFC 6238 TOTP) and single-use recovery codes.

**Enrolment.** :func:`start_enrolment` draws a random base32 secret (160 bits), stores it sealed by the vault
(never in clear) and gives the ``otpauth://`` URI an authenticator app reads from a QR code (issuer "telreg",
the username as the account). Nothing is required of the user until :func:`confirm_enrolment` has seen a first
correct code: only then is the authenticator enrolled, and ten recovery codes are handed out, once.

**Verification** (:func:`verify`): a 6-digit code of the current 30-second step, or of the step before or
after (clocks drift), or a recovery code. A code is never accepted twice: the newest accepted step is stored,
and a conditional UPDATE (``… WHERE last_step < :step``) lets exactly one of two concurrent submissions of the
same code through. A recovery code is spent the same way (``… WHERE used_at IS NULL``).

**Lockout.** Wrong codes count toward the account's lockout like wrong passwords (core.users, core.lockout):
the attempt is claimed atomically *before* the code is checked, so parallel guesses cannot exceed the limit;
a correct code clears the count; the attempt that uses up the last one locks the account for
``staff_lock_minutes`` and ends its sessions. Failures are returned, not raised,
so the edge commits the counter (raising would roll it back).

**Policy.** :func:`required_roles`: the roles that must enrol (TELREG_TWO_FACTOR_REQUIRED_ROLES; unset: admin
and operator-staff in production, the two roles that see personal data, and none in development and test).
Anyone enrolled is asked for a code whatever the policy.

Every change is audited (core.audit); codes and secrets never appear in an audit event.

    TwoFactorError (DomainError)
    ├── WrongCode (422 two_factor_wrong_code)           enrolment not confirmed: the code does not match
    ├── NotEnrolled (409 two_factor_not_enrolled)       no authenticator to verify against or regenerate for
    └── AlreadyEnrolled (409 two_factor_already_enrolled)
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, lockout, passwords
from telreg.core.clock import Clock, to_hk
from telreg.core.errors import Conflict, InvalidInput
from telreg.core.i18n import N_, Message, Msgid, format_message
from telreg.core.models import User
from telreg.core.two_factor_models import RecoveryCode, TwoFactor
from telreg.core.users import MAX_FAILED_LOGINS, get_user, lock_duration
from telreg.core.vault import Vault

__all__ = [
    "DEFAULT_REQUIRED_ROLES", "AlreadyEnrolled", "Enrolment", "NotEnrolled", "Verdict", "WrongCode",
    "code_at", "confirm_enrolment", "current_step", "group_secret", "is_enrolled", "is_required",
    "regenerate_recovery_codes", "remaining_recovery_codes", "required_roles", "reset", "start_enrolment",
    "verify",
]

ISSUER = "telreg"
STEP_SECONDS = 30
WINDOW_STEPS = 1  # a code of the step before or after the current one is accepted too
DIGITS = 6
SECRET_FIELD = "staff_two_factor.secret"  # the vault's associated data: the token opens only in this column
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are copied from paper
RECOVERY_LENGTH = 10  # 31^10, about 2^49.5: out of reach of five guesses before lockout
DEFAULT_REQUIRED_ROLES = frozenset({"admin", "operator-staff"})
ALREADY = N_("Two-factor sign-in is already set up for '%(username)s'.")


class TwoFactorError(Conflict):
    code = "two_factor"


class WrongCode(InvalidInput):
    code = "two_factor_wrong_code"


class NotEnrolled(TwoFactorError):
    code = "two_factor_not_enrolled"


class AlreadyEnrolled(TwoFactorError):
    code = "two_factor_already_enrolled"


# ---- policy ----------------------------------------------------------------------------------------------


def required_roles(settings: Settings) -> frozenset[str]:
    """The roles that must sign in with a second factor under these settings."""
    if settings.two_factor_required_roles is not None:
        return frozenset(settings.two_factor_required_roles)
    return DEFAULT_REQUIRED_ROLES if settings.is_production else frozenset()


def is_required(settings: Settings, roles: Collection[str]) -> bool:
    return not required_roles(settings).isdisjoint(roles)


# ---- codes -----------------------------------------------------------------------------------------------


def current_step(clock: Clock) -> int:
    """The RFC 6238 time step of the clock's now (Unix time // 30): the injected clock, never wall time."""
    return int(clock.now().timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The 6-digit code of SECRET for a time step (what the authenticator app shows then)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def group_secret(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _is_totp(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def _matching_step(secret: str, code: str, now_step: int) -> int | None:
    """The newest step of the window whose code is CODE (compared in constant time), or None."""
    found = None
    for step in range(now_step - WINDOW_STEPS, now_step + WINDOW_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            found = step
    return found


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


# ---- enrolment -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing in by hand
    uri: str  # otpauth://totp/telreg:<username>?secret=…&issuer=telreg, for the QR code

    @property
    def grouped(self) -> str:
        return group_secret(self.secret)


def _row(session: Session, user_id: int) -> TwoFactor | None:
    return session.get(TwoFactor, user_id, populate_existing=True)


def is_enrolled(session: Session, user: User) -> bool:
    row = _row(session, user.id)
    return row is not None and row.confirmed_at is not None


def start_enrolment(session: Session, *, vault: Vault, clock: Clock, user: User) -> Enrolment:
    """Give the user a secret to enrol (the same one until it is confirmed, so a reloaded page shows one QR)."""
    row = _row(session, user.id)
    if row is not None and row.confirmed_at is not None:
        raise AlreadyEnrolled(ALREADY, username=user.username)
    if row is None:
        secret = pyotp.random_base32()
        row = TwoFactor(user_id=user.id, secret_sealed=vault.seal(SECRET_FIELD, secret), confirmed_at=None,
                        last_step=None, created_at=clock.now())
        session.add(row)
        session.flush()
        audit.record(session, clock=clock, actor=f"user:{user.username}", action="two-factor-enrolment-started",
                     subject_type="user", subject_key=user.username)
    else:
        secret = vault.open(SECRET_FIELD, row.secret_sealed)
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def confirm_enrolment(session: Session, *, vault: Vault, clock: Clock, user: User, code: str) -> list[str]:
    """Enrol the authenticator once a first correct code proves the app holds the secret; return the ten
    recovery codes, in clear this once (only their hashes are kept)."""
    row = _row(session, user.id)
    if row is None:
        raise NotEnrolled(N_("Start setting up two-factor sign-in first: the page shows the code to scan."),
                          username=user.username)
    if row.confirmed_at is not None:
        raise AlreadyEnrolled(ALREADY, username=user.username)
    given = _normalise(code)
    step = _matching_step(vault.open(SECRET_FIELD, row.secret_sealed), given, current_step(clock)) \
        if _is_totp(given) else None
    if step is None:
        raise WrongCode(N_("That code is not the one your authenticator app shows now. Check the app's time "
                           "and type the current 6-digit code."))
    confirmed = session.execute(
        update(TwoFactor).where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_(None))
        .values(confirmed_at=clock.now(), last_step=step).execution_options(synchronize_session=False)
    ).rowcount
    if confirmed != 1:  # a concurrent confirmation won
        raise AlreadyEnrolled(ALREADY, username=user.username)
    codes = _replace_recovery_codes(session, clock=clock, user=user)
    audit.record(session, clock=clock, actor=f"user:{user.username}", action="two-factor-enrolled",
                 subject_type="user", subject_key=user.username, details={"recovery_codes": len(codes)})
    return codes


def _replace_recovery_codes(session: Session, *, clock: Clock, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                    .execution_options(synchronize_session=False))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    now = clock.now()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=passwords.hash_secret(_normalise(code)),
                                 created_at=now, used_at=None) for code in codes)
    session.flush()
    return codes


def regenerate_recovery_codes(session: Session, *, clock: Clock, user: User) -> list[str]:
    """Replace every recovery code (used or not) with ten new ones, shown this once."""
    if not is_enrolled(session, user):
        raise NotEnrolled(N_("Two-factor sign-in is not set up for '%(username)s'."), username=user.username)
    codes = _replace_recovery_codes(session, clock=clock, user=user)
    audit.record(session, clock=clock, actor=f"user:{user.username}", action="two-factor-recovery-regenerated",
                 subject_type="user", subject_key=user.username, details={"recovery_codes": len(codes)})
    return codes


def remaining_recovery_codes(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode)
                          .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def reset(session: Session, *, clock: Clock, username: str, actor: str) -> bool:
    """Remove a user's authenticator and recovery codes (a lost phone): the user must enrol again. Return False
    when nothing was set up. Audited with the administrator who did it."""
    user = get_user(session, username)
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                    .execution_options(synchronize_session=False))
    removed = session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id)
                              .execution_options(synchronize_session=False)).rowcount
    session.flush()
    if not removed:
        return False
    audit.record(session, clock=clock, actor=actor, action="two-factor-reset", subject_type="user",
                 subject_key=user.username)
    return True


# ---- verification ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: Msgid  # the English (a Message when it has values); message_in puts it in the reader's language
    method: str | None = None  # "totp" or "recovery" when ok
    remaining_recovery_codes: int | None = None  # after a recovery code was spent

    def message_in(self, lang: str) -> str:
        if isinstance(self.message, Message):
            return self.message.in_language(lang)
        return format_message(lang, self.message)


WRONG = N_("That code is not correct. Type the 6-digit code your authenticator app shows now, or a recovery "
           "code.")
LOCKED_FOR_GOOD = N_("This account is locked; ask an administrator to unlock it.")


def _locked(until: dt.datetime | None) -> Verdict:
    if until is None or until.year == dt.MAXYEAR:
        return Verdict(False, LOCKED_FOR_GOOD)
    local = to_hk(until)
    return Verdict(False, Message(N_(
        "Too many wrong codes: this account is locked until %(time)s on %(day)s (Hong Kong time). Try again "
        "then, or ask an administrator to unlock it."), time=local.strftime("%H:%M"), day=local.strftime("%Y-%m-%d")))


def verify(session: Session, *, vault: Vault, clock: Clock, user: User, code: str,
           settings: Settings | None = None) -> Verdict:
    """Check the second factor of a sign-in: a current code (not used before) or an unused recovery code.

    The attempt is claimed toward the account's lockout first (core.lockout, as for passwords: of any number of
    simultaneous attempts at most the remaining ones are checked). A refusal is returned, never raised, so the
    edge commits the count.
    """
    row = _row(session, user.id)
    if row is None or row.confirmed_at is None:
        raise NotEnrolled(N_("Two-factor sign-in is not set up for '%(username)s'."), username=user.username)
    now = clock.now()
    claimed = lockout.claim(session, model=User, row_id=user.id, now=now, max_attempts=MAX_FAILED_LOGINS,
                            lock_for=lock_duration(settings))
    if not claimed.granted:
        return _locked(lockout.locked_until(MAX_FAILED_LOGINS, claimed.locked_until, now=now,
                                            max_attempts=MAX_FAILED_LOGINS))
    given = _normalise(code)
    if _is_totp(given):
        verdict = _verify_totp(session, vault=vault, clock=clock, user=user, row=row, code=given)
    else:
        verdict = _verify_recovery(session, clock=clock, user=user, code=given)
    if verdict.ok:
        if not lockout.confirm(session, model=User, row_id=user.id, claimed=claimed):
            _, until = lockout.state(session, model=User, row_id=user.id)
            return _locked(until)  # other attempts locked the account meanwhile
        return verdict
    audit.record(session, clock=clock, actor="login", action="two-factor-failed", subject_type="user",
                 subject_key=user.username, details={"failed_logins": claimed.attempt})
    if claimed.locks:
        audit.record(session, clock=clock, actor="login", action="user-locked", subject_type="user",
                     subject_key=user.username,
                     details={"failed_logins": claimed.attempt, "factor": "two-factor",
                              "locked_until": claimed.locked_until.isoformat() if claimed.locked_until else None})
        from telreg.core import sessions  # imported here, as core.users does: sessions imports core.users

        sessions.revoke_all(session, clock=clock, kind=sessions.STAFF, principal=user.username,
                            reason="locked", actor="login")
        return _locked(claimed.locked_until)
    return verdict


def _verify_totp(session: Session, *, vault: Vault, clock: Clock, user: User, row: TwoFactor,
                 code: str) -> Verdict:
    step = _matching_step(vault.open(SECRET_FIELD, row.secret_sealed), code, current_step(clock))
    if step is None:
        return Verdict(False, WRONG)
    # The one arbiter of "never twice": of two submissions of one code, only one UPDATE finds last_step < step.
    accepted = session.execute(
        update(TwoFactor)
        .where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_not(None),
               (TwoFactor.last_step.is_(None)) | (TwoFactor.last_step < step))
        .values(last_step=step).execution_options(synchronize_session=False)
    ).rowcount
    if accepted != 1:
        audit.record(session, clock=clock, actor="login", action="two-factor-code-reused", subject_type="user",
                     subject_key=user.username, details={"step": step})
        return Verdict(False, N_("That code has already been used. Wait for the next code in your "
                                 "authenticator app."))
    return Verdict(True, N_("signed in"), method="totp")


def _verify_recovery(session: Session, *, clock: Clock, user: User, code: str) -> Verdict:
    unused = session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                        RecoveryCode.used_at.is_(None))
                             .order_by(RecoveryCode.id)).all()
    match = next((row for row in unused if passwords.matches(row.code_hash, code)), None) if code else None
    if match is None:
        return Verdict(False, WRONG)
    spent = session.execute(
        update(RecoveryCode).where(RecoveryCode.id == match.id, RecoveryCode.used_at.is_(None))
        .values(used_at=clock.now()).execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        return Verdict(False, WRONG)  # a concurrent sign-in spent it first
    remaining = remaining_recovery_codes(session, user)
    audit.record(session, clock=clock, actor="login", action="two-factor-recovery-code-used",
                 subject_type="user", subject_key=user.username, details={"remaining": remaining})
    return Verdict(True, N_("signed in"), method="recovery", remaining_recovery_codes=remaining)
