"""Counting wrong passwords so that the lockout holds under concurrency: *claim the attempt, then check*.

Staff users and sender accounts both carry ``failed_logins`` and ``locked_until``. A sign-in (or any other secret
check that counts: a security answer, a one-time password) goes:

1. :func:`claim` — one conditional ``UPDATE … SET failed_logins = failed_logins + 1 WHERE id = :id AND <not
   locked>``. The statement takes the row lock (PostgreSQL) or the writer lock (SQLite's ``BEGIN IMMEDIATE``), and
   PostgreSQL re-checks the WHERE clause against the row as the previous holder committed it, so of any number of
   simultaneous attempts exactly ``max_attempts`` are claimed. The claim that uses up the last attempt also sets
   ``locked_until`` at once, so nobody can slip in between the last check and its result. An unclaimed attempt
   means the account is locked: the secret is **not checked at all**.
2. The caller checks the secret (slow: argon2) while holding its claim.
3. Wrong: nothing more to count (the claim already counted it); :attr:`Claim.locks` says whether this attempt
   was the one that locked the account. Right: :func:`confirm` clears the count — again conditionally: when other
   attempts used up the remaining ones meanwhile (the account became locked), it refuses and so must the caller.

A lock runs out at ``locked_until``; the next claim then starts the count again from one. Rows locked with no
``locked_until`` (staff lockouts from before locks ran out) stay locked until someone clears them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, literal, or_, select, update
from sqlalchemy.orm import Session

from telreg.core.db import UTCDateTime

__all__ = ["Claim", "claim", "clear", "confirm", "locked_until", "state"]


@dataclass(frozen=True)
class Claim:
    """The outcome of :func:`claim`: ``attempt`` is this attempt's number in the count (None: refused, locked)."""

    attempt: int | None
    locked_until: dt.datetime | None
    max_attempts: int

    @property
    def granted(self) -> bool:
        return self.attempt is not None

    @property
    def locks(self) -> bool:
        """This attempt used up the last one: if it fails, it is the one that locked the account."""
        return self.attempt is not None and self.attempt >= self.max_attempts


def _ran_out(model: Any, now: dt.datetime) -> Any:
    return and_(model.locked_until.is_not(None), model.locked_until <= literal(now, UTCDateTime()))


def claim(session: Session, *, model: Any, row_id: int, now: dt.datetime, max_attempts: int,
          lock_for: dt.timedelta) -> Claim:
    """Count one attempt on row ROW_ID of MODEL unless it is locked; see the module docstring."""
    ran_out = _ran_out(model, now)
    until = literal(now + lock_for, UTCDateTime())
    # Every right-hand side reads the row as it was before this statement (standard SQL, both backends).
    result = session.execute(
        update(model)
        .where(model.id == row_id, or_(model.failed_logins < max_attempts, ran_out))
        .values(
            failed_logins=case((ran_out, 1), else_=model.failed_logins + 1),
            locked_until=case(
                (ran_out, until if max_attempts <= 1 else literal(None, UTCDateTime())),
                (model.failed_logins + 1 >= max_attempts, until),
                else_=model.locked_until,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    # The UPDATE holds the row lock (PostgreSQL) or the writer lock (SQLite), so this reads our own result.
    count, until_value = session.execute(
        select(model.failed_logins, model.locked_until).where(model.id == row_id)).one()
    _expire(session, model, row_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return Claim(None, until_value, max_attempts)
    return Claim(int(count), until_value, max_attempts)


def confirm(session: Session, *, model: Any, row_id: int, claimed: Claim) -> bool:
    """The secret was right: clear the count, unless the account became locked meanwhile (then False)."""
    if claimed.attempt is None:
        return False
    still_open = or_(model.failed_logins < claimed.max_attempts, model.failed_logins == claimed.attempt)
    result = session.execute(
        update(model).where(model.id == row_id, still_open)
        .values(failed_logins=0, locked_until=None).execution_options(synchronize_session=False))
    _expire(session, model, row_id)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def clear(session: Session, *, model: Any, row_id: int) -> None:
    """Clear the count and any lock (an officer's unlock, a new password set by someone trusted)."""
    session.execute(update(model).where(model.id == row_id).values(failed_logins=0, locked_until=None)
                    .execution_options(synchronize_session=False))
    _expire(session, model, row_id)


def locked_until(failed_logins: int, until: dt.datetime | None, *, now: dt.datetime,
                 max_attempts: int) -> dt.datetime | None:
    """Until when a row with these values is locked at NOW: None when it is not; ``dt.datetime.max`` (UTC) for
    a lock that does not run out."""
    if until is not None:
        return until if until > now else None
    return dt.datetime.max.replace(tzinfo=dt.UTC) if failed_logins >= max_attempts else None


def state(session: Session, *, model: Any, row_id: int) -> tuple[int, dt.datetime | None]:
    """The row's (failed_logins, locked_until) as committed or as this transaction left them."""
    count, until = session.execute(select(model.failed_logins, model.locked_until).where(model.id == row_id)).one()
    return int(count), until


def _expire(session: Session, model: Any, row_id: int) -> None:
    # The UPDATEs bypass loaded objects: make a loaded row read its counters again.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, model) and obj.id == row_id:
            session.expire(obj, ["failed_logins", "locked_until"])
