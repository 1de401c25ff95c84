"""Staff accounts: creation, argon2 password checks, roles. Senders, operators and others extend this later."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.core import audit, passwords
from telreg.core.clock import Clock
from telreg.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from telreg.core.i18n import N_, Message, Msgid
from telreg.core.models import User

# Role names are lower-case words joined by hyphens (migration 2026-12-06-2130 renamed operator_staff).
ROLES = frozenset({"admin", "dnc-officer", "operator-staff", "regulator"})
OPERATOR_ROLE = "operator-staff"  # the one role whose accounts belong to a network operator
MAX_OPERATOR_CODE = 32
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH  # the one password policy (core.passwords), as for senders
MAX_FAILED_LOGINS = 5


def create_user(
    session: Session, *, clock: Clock, username: str, password: str, roles: list[str], display_name: str | None = None,
    actor: str = "cli", operator: str | None = None,
) -> User:
    """Create a staff account; the password is stored only as an argon2 hash.

    An ``operator-staff`` account must name the operator it acts for (``operator``, the operator's code);
    other accounts must not, so an operator given by mistake to an administrator is not silently ignored.
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
    validate_password(password, username=username)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(N_("A user named '%(username)s' already exists."), username=username)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=passwords.hash_secret(password),
        roles=sorted(set(roles)),
        operator_code=operator_code,
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
                 details={"roles": user.roles, **({"operator": operator_code} if operator_code else {})})
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
    if OPERATOR_ROLE in roles:
        if code is None:
            raise InvalidInput(N_("An %(role)s account acts for one operator: say which, by its code."),
                               username=username, field="operator", role=OPERATOR_ROLE)
        if len(code) > MAX_OPERATOR_CODE:
            raise InvalidInput(N_("An operator code has at most %(most)s characters (got '%(operator)s')."),
                               operator=code, most=MAX_OPERATOR_CODE)
        return code
    if code is not None:
        raise InvalidInput(N_("Only an %(role)s account acts for an operator; '%(username)s' has roles "
                              "%(roles)s."), username=username, operator=code, role=OPERATOR_ROLE,
                           roles=str(sorted(set(roles))))
    return None


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(N_("There is no user named '%(username)s'."), username=username)
    return user


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    message: Msgid  # the English; core.i18n.format_message puts it in the reader's language

    @property
    def ok(self) -> bool:
        return self.user is not None


def authenticate(session: Session, *, clock: Clock, username: str, password: str) -> LoginOutcome:
    """Check a password. Failures are *returned*, not raised, so the edge commits the failure counter that
    locks an account after repeated attempts (raising would roll it back)."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    wrong = LoginOutcome(None, N_("The username or password is not correct."))
    if user is None:
        passwords.hash_secret(password)  # spend the same time as a real check, so usernames cannot be probed
        return wrong
    if not user.is_active or is_locked(user):
        return LoginOutcome(None, N_("This account is locked; ask an administrator to unlock it."))
    if not passwords.matches(user.password_hash, password):
        user.failed_logins += 1
        session.flush()
        if user.failed_logins >= MAX_FAILED_LOGINS:
            audit.record(session, clock=clock, actor="login", action="user-locked", subject_type="user",
                         subject_key=user.username, details={"failed_logins": user.failed_logins})
        return wrong
    user.failed_logins = 0
    if (rehashed := passwords.upgraded(user.password_hash, password)) is not None:
        user.password_hash = rehashed
    session.flush()
    return LoginOutcome(user, N_("signed in"))


def is_locked(user: User) -> bool:
    return user.failed_logins >= MAX_FAILED_LOGINS


def unlock_user(session: Session, *, clock: Clock, username: str, actor: str) -> bool:
    """Clear an account's failed sign-ins so it can sign in again; return False when it was not locked.

    Only the lockout is lifted: a deactivated account stays deactivated (that is a separate, deliberate decision).
    """
    user = get_user(session, username)
    if not is_locked(user):
        return False
    audit.record(session, clock=clock, actor=actor, action="user-unlocked", subject_type="user",
                 subject_key=user.username, details={"failed_logins": user.failed_logins})
    user.failed_logins = 0
    session.flush()
    return True


# What a person calls each role (the English keeps the code, which API clients match on).
ROLE_NAMES = {"dnc-officer": N_("do-not-call officer"), "operator-staff": N_("operator staff"),
              "regulator": N_("regulator"), "admin": N_("administrator")}


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
