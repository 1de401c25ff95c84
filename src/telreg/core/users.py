"""Staff accounts: creation, argon2 password checks, roles. Senders, operators and others extend this later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, lockout, passwords
from telreg.core.clock import Clock, to_hk
from telreg.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from telreg.core.i18n import N_, Message, Msgid, format_message
from telreg.core.models import User
from telreg.core.passwords import PasswordUnchanged

# Role names are lower-case words joined by hyphens (migration 2026-12-06-2130 renamed operator_staff).
ROLES = frozenset({"admin", "ca-officer", "dnc-officer", "le-officer", "le-supervisor", "operator-compliance",
                   "operator-staff", "regulator"})
OPERATOR_ROLE = "operator-staff"  # the shop staff of a network operator
COMPLIANCE_ROLE = "operator-compliance"  # an operator's compliance officer: lawful-access approvals, consent
OPERATOR_ROLES = frozenset({OPERATOR_ROLE, COMPLIANCE_ROLE})  # the roles whose accounts belong to an operator
AGENCY_ROLES = frozenset({"le-officer", "le-supervisor"})  # the roles whose accounts belong to a law-enforcement agency
MAX_OPERATOR_CODE = 32
MAX_AGENCY_CODE = 32
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH  # the one password policy (core.passwords), as for senders
MAX_FAILED_LOGINS = 5
DEFAULT_LOCK_MINUTES = 15  # settings.staff_lock_minutes when the caller has settings


def create_user(
    session: Session, *, clock: Clock, username: str, password: str, roles: list[str], display_name: str | None = None,
    actor: str = "cli", operator: str | None = None, agency: str | None = None,
) -> User:
    """Create a staff account; the password is stored only as an argon2 hash.

    An ``operator-staff`` account must name the operator it acts for (``operator``, the operator's code);
    other accounts must not, so an operator given by mistake to an administrator is not silently ignored.
    The same holds for ``operator-compliance`` accounts, and for law-enforcement accounts (``le-officer``,
    ``le-supervisor``) and the agency they belong to (``agency``, the agency's code).
    """
    username = username.strip().lower()
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidInput(N_("A username may contain only letters, digits, '.', '-' and '_'."),
                           username=username)
    unknown = sorted(set(roles) - ROLES)
    if unknown or not roles:
        raise InvalidInput(N_("Unknown role(s) %(unknown)s; choose from %(choices)s."), roles=roles,
                           unknown=str(unknown), choices=str(sorted(ROLES)))
    operator_code = _operator_of(username, roles=roles, operator=operator)
    agency_code = _agency_of(username, roles=roles, agency=agency)
    validate_password(password, username=username)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(N_("A user named '%(username)s' already exists."), username=username)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=passwords.hash_secret(password),
        roles=sorted(set(roles)),
        operator_code=operator_code,
        agency_code=agency_code,
        is_active=True,
        failed_logins=0,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise Conflict(N_("A user named '%(username)s' already exists."), username=username) from None
    audit.record(session, clock=clock, actor=actor, action="user-created", subject_type="user",
                 subject_key=username,
                 details={"roles": user.roles, **({"operator": operator_code} if operator_code else {}),
                          **({"agency": agency_code} if agency_code else {})})
    return user


def validate_password(password: str, *, username: str) -> None:
    """Refuse a staff password the policy refuses (core.passwords.check_strength, shared with senders)."""
    passwords.check_strength(password, username=username)


def set_operator(session: Session, *, clock: Clock, username: str, operator: str, actor: str = "cli") -> User:
    """Attach an operator-staff account to the operator it acts for (or move it to another operator).

    Accounts created before operators were named act for none until this is done; the change is audited with
    the previous operator, so who could see which operator's numbers when can be reconstructed.
    """
    user = get_user(session, username)
    code = _operator_of(user.username, roles=list(user.roles), operator=operator)
    previous = user.operator_code
    if code == previous:
        return user
    user.operator_code = code
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="user-operator-changed", subject_type="user",
                 subject_key=user.username, details={"operator": code, "previous": previous})
    return user


def _operator_of(username: str, *, roles: list[str], operator: str | None) -> str | None:
    """Return the normalised operator code the account acts for, checking it goes with the roles."""
    code = (operator or "").strip().lower() or None
    held = OPERATOR_ROLES.intersection(roles)
    if held:
        if code is None:
            raise InvalidInput(N_("An %(role)s account acts for one operator: say which, by its code."),
                               username=username, field="operator", role=min(held))
        if len(code) > MAX_OPERATOR_CODE:
            raise InvalidInput(N_("An operator code has at most %(most)s characters (got '%(operator)s')."),
                               operator=code, most=MAX_OPERATOR_CODE)
        return code
    if code is not None:
        raise InvalidInput(N_("Only an %(role)s account acts for an operator; '%(username)s' has roles "
                              "%(roles)s."), username=username, operator=code, role=OPERATOR_ROLE,
                           roles=str(sorted(set(roles))))
    return None


def _agency_of(username: str, *, roles: list[str], agency: str | None) -> str | None:
    """Return the normalised code of the law-enforcement agency the account belongs to, checking the roles."""
    code = (agency or "").strip().lower() or None
    held = AGENCY_ROLES.intersection(roles)
    if held:
        if code is None:
            raise InvalidInput(N_("An %(role)s account belongs to one law-enforcement agency: say which, by its "
                                  "code."), username=username, field="agency", role=min(held))
        if len(code) > MAX_AGENCY_CODE:
            raise InvalidInput(N_("An agency code has at most %(most)s characters (got '%(agency)s')."),
                               agency=code, most=MAX_AGENCY_CODE)
        return code
    if code is not None:
        raise InvalidInput(N_("Only a law-enforcement account belongs to an agency; '%(username)s' has roles "
                              "%(roles)s."), username=username, agency=code, roles=str(sorted(set(roles))))
    return None


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(N_("There is no user named '%(username)s'."), username=username)
    return user


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    message: Msgid  # the English (a Message when it has values); core.i18n puts it in the reader's language
    locked_until: dt.datetime | None = None  # set when the account is (or just became) locked

    @property
    def ok(self) -> bool:
        return self.user is not None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None

    def message_in(self, lang: str) -> str:
        if isinstance(self.message, Message):
            return self.message.in_language(lang)
        return format_message(lang, self.message)


_WRONG = N_("The username or password is not correct.")
_LOCKED_FOR_GOOD = N_("This account is locked; ask an administrator to unlock it.")


def _locked_outcome(until: dt.datetime) -> LoginOutcome:
    if until.year == dt.MAXYEAR:  # locked before locks ran out: only an administrator lifts it
        return LoginOutcome(None, _LOCKED_FOR_GOOD, until)
    local = to_hk(until)
    return LoginOutcome(None, Message(N_(
        "Too many wrong passwords: this account is locked until %(time)s on %(day)s (Hong Kong time). Try again "
        "then, or ask an administrator to unlock it."), time=local.strftime("%H:%M"), day=local.strftime("%Y-%m-%d")),
        until)


def lock_duration(settings: Settings | None) -> dt.timedelta:
    return dt.timedelta(minutes=settings.staff_lock_minutes if settings is not None else DEFAULT_LOCK_MINUTES)


def authenticate(session: Session, *, clock: Clock, username: str, password: str,
                 settings: Settings | None = None) -> LoginOutcome:
    """Check a password. Failures are *returned*, not raised, so the edge commits the failure counter that
    locks an account after repeated attempts (raising would roll it back).

    The attempt is claimed before the password is checked (core/lockout.py): of any number of simultaneous
    attempts only ``MAX_FAILED_LOGINS`` are ever checked, and a right password is refused once the others have
    locked the account. The lock lasts ``settings.staff_lock_minutes``. Every outcome is audited.

    A right password only *accepts* the user: the caller completes the sign-in (core.security.complete_staff_sign_in,
    where a second step can come first).
    """
    name = username.strip().lower()
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        passwords.hash_secret(password)  # spend the same time as a real check, so usernames cannot be probed
        audit.record(session, clock=clock, actor="login", action="user-login-failed", subject_type="user",
                     subject_key=name[:100], details={"reason": "unknown-user"})
        return LoginOutcome(None, _WRONG)
    if not user.is_active:
        passwords.hash_secret(password)
        audit.record(session, clock=clock, actor="login", action="user-login-failed", subject_type="user",
                     subject_key=user.username, details={"reason": "inactive"})
        return LoginOutcome(None, _LOCKED_FOR_GOOD)
    now = clock.now()
    claimed = lockout.claim(session, model=User, row_id=user.id, now=now, max_attempts=MAX_FAILED_LOGINS,
                            lock_for=lock_duration(settings))
    if not claimed.granted:
        until = lockout.locked_until(MAX_FAILED_LOGINS, claimed.locked_until, now=now,
                                     max_attempts=MAX_FAILED_LOGINS)
        audit.record(session, clock=clock, actor="login", action="user-login-failed", subject_type="user",
                     subject_key=user.username, details={"reason": "locked"})
        return _locked_outcome(until or now)
    if not passwords.matches(user.password_hash, password):
        audit.record(session, clock=clock, actor="login", action="user-login-failed", subject_type="user",
                     subject_key=user.username, details={"failed_logins": claimed.attempt})
        if claimed.locks:
            assert claimed.locked_until is not None
            audit.record(session, clock=clock, actor="login", action="user-locked", subject_type="user",
                         subject_key=user.username,
                         details={"failed_logins": claimed.attempt, "locked_until": claimed.locked_until.isoformat()})
            from telreg.core import sessions  # imported here: sessions imports this module

            sessions.revoke_all(session, clock=clock, kind=sessions.STAFF, principal=user.username,
                                reason="locked", actor="login")
            return _locked_outcome(claimed.locked_until)
        return LoginOutcome(None, _WRONG)
    if not lockout.confirm(session, model=User, row_id=user.id, claimed=claimed):
        _, until = lockout.state(session, model=User, row_id=user.id)
        audit.record(session, clock=clock, actor="login", action="user-login-failed", subject_type="user",
                     subject_key=user.username, details={"reason": "locked-meanwhile"})
        return _locked_outcome(until or now)
    if (rehashed := passwords.upgraded(user.password_hash, password)) is not None:
        user.password_hash = rehashed
    session.flush()
    audit.record(session, clock=clock, actor=f"user:{user.username}", action="user-password-accepted",
                 subject_type="user", subject_key=user.username)
    return LoginOutcome(user, N_("signed in"))


def failed_logins(session: Session, username: str) -> int:
    """Wrong passwords in a row of the named account (0 for an unknown name)."""
    count = session.scalar(select(User.failed_logins).where(User.username == username.strip().lower()))
    return int(count or 0)


def is_locked(user: User, *, now: dt.datetime | None = None) -> bool:
    """Whether the account is locked at NOW (without NOW: whether any lock, even one that ran out, is recorded)."""
    if now is None:
        return user.failed_logins >= MAX_FAILED_LOGINS or user.locked_until is not None
    return lockout.locked_until(user.failed_logins, user.locked_until, now=now,
                                max_attempts=MAX_FAILED_LOGINS) is not None


def unlock_user(session: Session, *, clock: Clock, username: str, actor: str) -> bool:
    """Clear an account's failed sign-ins so it can sign in again; return False when it was not locked.

    Only the lockout is lifted: a deactivated account stays deactivated (that is a separate, deliberate decision).
    """
    user = get_user(session, username)
    if not is_locked(user, now=clock.now()):
        return False
    audit.record(session, clock=clock, actor=actor, action="user-unlocked", subject_type="user",
                 subject_key=user.username, details={"failed_logins": user.failed_logins})
    lockout.clear(session, model=User, row_id=user.id)
    session.flush()
    return True


def change_password(session: Session, *, clock: Clock, username: str, current_password: str, new_password: str,
                    actor: str | None = None) -> User:
    """A staff user replaces the password (the current one is asked again); every session of the user ends.

    The caller that changed it from a session signs that browser in again (core.security.reissue_staff_session).
    """
    user = get_user(session, username)
    if not passwords.matches(user.password_hash, current_password):
        raise InvalidInput(N_("The current password is not correct."), field="current_password")
    if new_password == current_password:
        raise PasswordUnchanged(N_("The new password must be different from the current one."))
    validate_password(new_password, username=user.username)
    user.password_hash = passwords.hash_secret(new_password)
    session.flush()
    audit.record(session, clock=clock, actor=actor or f"user:{user.username}", action="user-password-changed",
                 subject_type="user", subject_key=user.username)
    from telreg.core import sessions

    sessions.revoke_all(session, clock=clock, kind=sessions.STAFF, principal=user.username,
                        reason="password-changed", actor=actor or f"user:{user.username}")
    return user


# What a person calls each role (the English keeps the code, which API clients match on).
ROLE_NAMES = {"dnc-officer": N_("do-not-call officer"), "operator-staff": N_("operator staff"),
              "regulator": N_("regulator"), "admin": N_("administrator"),
              "ca-officer": N_("certification authority officer"),
              "operator-compliance": N_("operator compliance officer"),
              "le-officer": N_("law-enforcement officer"), "le-supervisor": N_("law-enforcement supervisor")}


def require_role(user: User, role: str) -> None:
    if role not in user.roles and "admin" not in user.roles:
        named = Message.term(role, ROLE_NAMES[role]) if role in ROLE_NAMES else role
        raise PermissionDenied(N_("This needs the '%(role)s' role."), role=named)


def officer(session: Session, username: str, *, role: str = "dnc-officer") -> User:
    """Return the named user if it may act as an officer of the given role."""
    user = get_user(session, username)
    if not user.is_active:
        raise PermissionDenied(N_("User '%(username)s' is not active."), username=username)
    require_role(user, role)
    return user
