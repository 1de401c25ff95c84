"""A per-process cache of resolved staff sign-ins: the cookie's session and its user, for at most one second.

Every staff API request checks its sign-in (core/security.py ``current_user``): the server-side session by its
token, then the user it names. That was two statements and an ORM load per request, more than a fifth of a
registration's work over HTTP (issue 18 §4). A sign-in resolved once is kept here for :data:`TTL_SECONDS` of wall
time AND of business time (the injected clock: a test that moves the clock gets a fresh answer at once).

What a cached answer still checks on every request, against the request's own clock, exactly as the database
answer does: the session's absolute end (``expires_at``), its idle end (``last_seen_at`` + the idle limit), the
account's lock (``locked_until``). A session due for its once-a-minute ``last_seen_at`` note is not answered from
here: the database answer writes the note (core/sessions.py ``resolve``).

Bound: a change made in ANOTHER process (a sign-out, a revocation, a deactivation, a lock, a role change) is seen
here within 1 second. A change committed in THIS process empties the cache at its commit (a listener on every
session watches writes to ``users`` and ``auth_sessions``), so the very next request sees it. Refusals are never
cached: an ended session or an unknown user asks the database every time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, make_transient_to_detached

from telreg.core.clock import Clock
from telreg.core.commit_watch import on_committed_write

__all__ = ["TTL_SECONDS", "WATCHED_TABLES", "Entry", "clear", "forget", "generation", "lookup", "store"]

TTL_SECONDS = 1.0
MAX_ENTRIES = 10_000  # staff sign-ins are few; a flood of distinct tokens empties the cache rather than grows it
WATCHED_TABLES = frozenset({"users", "auth_sessions"})
_monotonic = time.monotonic  # the wall-time bound (tests replace it to step past the second)
_lock = threading.Lock()
_state = {"generation": 0}


@dataclass(frozen=True)
class Entry:
    """A live session and a detached copy of its user's row, as the database gave them."""

    principal: str
    expires_at: dt.datetime
    last_seen_at: dt.datetime
    user: Any  # a detached User: merged into each request's session, never handed out itself
    wall: float
    business: float
    generation: int


_entries: dict[tuple[int, str], Entry] = {}


def generation() -> int:
    return _state["generation"]


def invalidate() -> None:
    """Forget every cached sign-in in this process."""
    with _lock:
        _state["generation"] += 1
        _entries.clear()


clear = invalidate


def lookup(owner: object, session_id: str, clock: Clock) -> Entry | None:
    """The cached sign-in of SESSION_ID (within OWNER, the runtime: tests build many apps in one process), or None
    when there is none, it is older than TTL_SECONDS, or a watched table changed since it was read."""
    entry = _entries.get((id(owner), session_id))
    if entry is None:
        return None
    age = clock.now().timestamp() - entry.business
    if (entry.generation != _state["generation"] or not 0 <= age <= TTL_SECONDS
            or _monotonic() - entry.wall > TTL_SECONDS):
        _entries.pop((id(owner), session_id), None)
        return None
    return entry


def store(owner: object, session_id: str, clock: Clock, *, principal: str, expires_at: dt.datetime,
          last_seen_at: dt.datetime, user: Any, since: int) -> None:
    """Keep a resolved sign-in. SINCE is the generation read before the database was asked: a change committed
    meanwhile wins (the entry is born stale)."""
    copy = _detached_copy(user)
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[(id(owner), session_id)] = Entry(principal, expires_at, last_seen_at, copy, _monotonic(),
                                              clock.now().timestamp(), since)


def forget(owner: object, session_id: str) -> None:
    _entries.pop((id(owner), session_id), None)


def attach(session: Session, entry: Entry) -> Any:
    """The entry's user as an instance of SESSION (no statement): each request gets its own copy."""
    return session.merge(entry.user, load=False)


def _detached_copy(user: Any) -> Any:
    """A new instance holding USER's column values, detached (so ``merge(load=False)`` accepts it): the cache never
    shares an instance with a request, which may change it."""
    from sqlalchemy import inspect as sa_inspect

    mapper = sa_inspect(type(user))
    copy = type(user)()
    for attr in mapper.column_attrs:
        value = getattr(user, attr.key)
        setattr(copy, attr.key, list(value) if isinstance(value, list) else value)
    make_transient_to_detached(copy)
    return copy


# ---- a committed write to a watched table in this process empties the cache ------------------------------------

on_committed_write("signed_in_cache", WATCHED_TABLES, invalidate)

