"""Server-side sign-in sessions for staff and senders: issued at sign-in, checked on every request, revocable.

The cookie (Starlette's signed session, core/security.py) holds a random token; the table ``auth_sessions`` holds
only its SHA-256, so neither a leaked table nor a replayed old cookie signs anyone in once the row has ended.
A session ends:

- after the kind's idle time without a request (``last_seen_at`` is written at most once a minute, so a busy
  session costs one write a minute, not one per request — SQLite has one writer; the idle limit is therefore
  exact to within that minute),
- at its absolute end (``expires_at``, set at sign-in),
- when revoked: signing out, "sign out everywhere", a password change (every session of the person; the one that
  changed it is issued again), a lockout, or an officer (an administrator for staff, a do-not-call officer for
  senders). Each revocation is audited, with how many sessions it ended.

Policy (settings): staff ``staff_session_idle_minutes`` / ``staff_session_hours``, senders
``sender_session_idle_minutes`` / ``sender_session_hours``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.session_models import AuthSession

__all__ = [
    "SENDER",
    "STAFF",
    "TOUCH_EVERY",
    "AuthSession",
    "SessionView",
    "active_sessions",
    "issue",
    "policy",
    "resolve",
    "revoke",
    "revoke_all",
    "session_id",
]

STAFF = "staff"
SENDER = "sender"
TOUCH_EVERY = dt.timedelta(minutes=1)
_SUBJECT = {STAFF: "user", SENDER: "sender"}  # how the audit trail names each kind of principal


def session_id(token: str) -> str:
    """The stored id of a cookie's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def policy(settings: Settings, kind: str) -> tuple[dt.timedelta, dt.timedelta]:
    """(idle limit, absolute limit) of KIND's sessions."""
    if kind == STAFF:
        return (dt.timedelta(minutes=settings.staff_session_idle_minutes),
                dt.timedelta(hours=settings.staff_session_hours))
    return (dt.timedelta(minutes=settings.sender_session_idle_minutes),
            dt.timedelta(hours=settings.sender_session_hours))


def issue(session: Session, *, clock: Clock, settings: Settings, kind: str, principal: str,
          client_address: str | None = None, user_agent: str | None = None) -> str:
    """Start a session; return its token (for the cookie only — it is not stored)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    _, absolute = policy(settings, kind)
    row = AuthSession(id=session_id(token), kind=kind, principal=principal, created_at=now, last_seen_at=now,
                      expires_at=now + absolute, client_address=(client_address or None) and client_address[:64],
                      user_agent=(user_agent or None) and user_agent[:300])
    session.add(row)
    session.flush()
    audit.record(session, clock=clock, actor=_actor(kind, principal), action="session-started",
                 subject_type=_SUBJECT[kind], subject_key=principal,
                 details={"session": row.id[:12], "address": row.client_address})
    return token


def _live(row: AuthSession | None, *, now: dt.datetime, idle: dt.timedelta) -> bool:
    return (row is not None and row.revoked_at is None and row.expires_at > now
            and row.last_seen_at + idle > now)


def resolve(session: Session, *, clock: Clock, settings: Settings, kind: str, token: str | None) -> AuthSession | None:
    """The live session of KIND this token opens, or None; notes the request (at most once a minute)."""
    if not token:
        return None
    row = session.get(AuthSession, session_id(token))
    now = clock.now()
    idle, _ = policy(settings, kind)
    if row is None or row.kind != kind or not _live(row, now=now, idle=idle):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        # Conditional, so two requests of one session at once write once; never moves last_seen_at back.
        session.execute(update(AuthSession).where(AuthSession.id == row.id, AuthSession.last_seen_at < now)
                        .values(last_seen_at=now).execution_options(synchronize_session=False))
        session.expire(row, ["last_seen_at"])
    return row


def revoke(session: Session, *, clock: Clock, token: str | None, reason: str, actor: str | None = None) -> bool:
    """End the session this token opens (signing out); False when there was none to end."""
    if not token:
        return False
    row = session.get(AuthSession, session_id(token))
    if row is None or row.revoked_at is not None:
        return False
    now = clock.now()
    ended = session.execute(update(AuthSession).where(AuthSession.id == row.id, AuthSession.revoked_at.is_(None))
                            .values(revoked_at=now, revoked_reason=reason)
                            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    session.expire(row)
    if ended:
        audit.record(session, clock=clock, actor=actor or _actor(row.kind, row.principal), action="session-revoked",
                     subject_type=_SUBJECT[row.kind], subject_key=row.principal,
                     details={"session": row.id[:12], "reason": reason})
    return bool(ended)


def revoke_all(session: Session, *, clock: Clock, kind: str, principal: str, reason: str, actor: str,
               keep_token: str | None = None) -> int:
    """End every live session of one person (all but KEEP_TOKEN's); audited with how many ended."""
    now = clock.now()
    stmt = (update(AuthSession)
            .where(AuthSession.kind == kind, AuthSession.principal == principal, AuthSession.revoked_at.is_(None),
                   AuthSession.expires_at > now)
            .values(revoked_at=now, revoked_reason=reason).execution_options(synchronize_session=False))
    if keep_token:
        stmt = stmt.where(AuthSession.id != session_id(keep_token))
    ended = int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
    for row in list(session.identity_map.values()):
        if isinstance(row, AuthSession):
            session.expire(row)
    if ended:  # a lockout of someone not signed in anywhere ends nothing: nothing to record
        audit.record(session, clock=clock, actor=actor, action="sessions-revoked", subject_type=_SUBJECT[kind],
                     subject_key=principal, details={"reason": reason, "sessions": ended})
    return ended


@dataclass(frozen=True)
class SessionView:
    """What a person is shown about one of their sessions (never the token or its hash in full)."""

    id: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    client_address: str | None
    user_agent: str | None
    current: bool


def active_sessions(session: Session, *, clock: Clock, settings: Settings, kind: str, principal: str,
                    current_token: str | None = None) -> list[SessionView]:
    """The person's live sessions, most recently used first; ``current`` marks the one asking."""
    now = clock.now()
    idle, _ = policy(settings, kind)
    rows = session.scalars(
        select(AuthSession)
        .where(AuthSession.kind == kind, AuthSession.principal == principal, AuthSession.revoked_at.is_(None),
               AuthSession.expires_at > now, AuthSession.last_seen_at > now - idle)
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.created_at.desc())).all()
    mine = session_id(current_token) if current_token else None
    return [SessionView(id=row.id[:12], created_at=row.created_at, last_seen_at=row.last_seen_at,
                        expires_at=min(row.expires_at, row.last_seen_at + idle), client_address=row.client_address,
                        user_agent=row.user_agent, current=row.id == mine) for row in rows]


def _actor(kind: str, principal: str) -> str:
    return f"user:{principal}" if kind == STAFF else f"sender:{principal}"
