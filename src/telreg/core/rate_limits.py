"""A rate limiter shared by every process: counters in the database, one atomic upsert per event.

    hit(session, clock=…, scope="signin", key=client_address(request), limit=5, window_seconds=300)

counts one event of (SCOPE, KEY) in the fixed window that holds ``clock.now()`` and raises :class:`RateLimited`
(429 ``rate_limited``, with ``retry_after`` — the seconds until the window ends — which the app's handler sends as
``Retry-After``) once the count passes LIMIT. The count is one statement, ``INSERT … ON CONFLICT (scope, key,
window_start) DO UPDATE SET count = count + 1 RETURNING count``, so twenty processes hitting one key at once count
exactly twenty on SQLite and on PostgreSQL.

**The count survives the request.** A refused sign-in or a 429 rolls the request's transaction back; a counter
kept there would forget the very attempts it exists to count. So :func:`hit` takes the caller's session only to
learn which database it uses, and writes through its *own* short transaction on its own small engine (same URL,
its own pool of connections — taking a second connection from the request's pool could wait for ever when every
pooled connection belongs to a request waiting for the limiter) and commits before it returns. Callers need do
nothing to keep it.

One exception, on SQLite only: a session that already holds the writer lock (it has written, or begun its
``BEGIN IMMEDIATE`` transaction) would make a second writer wait for it, for ever. Then the event is counted in
the caller's transaction instead (still atomic: nobody else can write meanwhile) and is kept only if that
transaction commits. **Call hit() first**, before the request touches its session, and the count is always kept
— the usual shape: limit, then do the work.

Old windows are swept by the limiter itself: opening a new window of a key deletes that key's ended windows, and
:func:`sweep` (run by the daily file sweeper job, core/sweeper.py) removes the rest.

:func:`client_address` names the peer to count: the connection's address, or — only when that address is one of
``settings.trusted_proxies`` — the nearest address in ``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from telreg.core.clock import Clock
from telreg.core.db import READONLY, is_sqlite, make_engine
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.core.rate_limit_models import RateLimitCounter

__all__ = ["SIGNIN_LIMITED", "RateLimited", "client_address", "hit", "limit_signin", "sweep", "window_of"]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
KEY_LENGTH = 128  # longer keys are stored as their SHA-256 (the column's width)


class RateLimited(DomainError):
    """Too many events of one kind from one address (or account) in the current window."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str = N_("Too many attempts. Try again in %(retry_after)s seconds."), *,
                 retry_after: int, **extra: Any) -> None:
        super().__init__(message, retry_after=retry_after, **extra)
        self.retry_after = retry_after


def window_of(now: dt.datetime, window_seconds: int) -> tuple[dt.datetime, dt.datetime]:
    """The fixed window holding NOW: windows are aligned on multiples of WINDOW_SECONDS since the epoch (UTC)."""
    if window_seconds < 1:
        raise ValueError("window_seconds must be at least 1")
    elapsed = (now.astimezone(dt.UTC) - EPOCH) // dt.timedelta(seconds=1)
    start = EPOCH + dt.timedelta(seconds=elapsed - elapsed % window_seconds)
    return start, start + dt.timedelta(seconds=window_seconds)


def hit(session: Session, *, clock: Clock, scope: str, key: str, limit: int, window_seconds: int,
        amount: int = 1) -> None:
    """Count one event of (SCOPE, KEY); raise RateLimited when it is more than LIMIT in the current window.

    AMOUNT counts an event as more than one (bytes uploaded against a byte budget). The count is committed
    before this returns (see the module docstring for the one SQLite exception).
    """
    now = clock.now()
    start, end = window_of(now, window_seconds)
    key = _stored_key(key)
    bind = session.get_bind()
    if _holds_sqlite_writer_lock(session, bind):
        count = _count(session.connection(), scope=scope, key=key, start=start, end=end, now=now, amount=amount)
    else:
        with _limiter_engine(bind).begin() as connection:
            count = _count(connection, scope=scope, key=key, start=start, end=end, now=now, amount=amount)
    if count > limit:
        raise RateLimited(retry_after=max(1, math.ceil((end - now).total_seconds())))


def sweep(session: Session, *, clock: Clock) -> int:
    """Delete the counters of windows that have ended; return how many went. Runs in the caller's transaction."""
    result = session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= clock.now()))
    return int(getattr(result, "rowcount", 0) or 0)


SIGNIN_LIMITED = {429: {"description": "Too many attempts from this address; see Retry-After"}}
"""The OpenAPI ``responses`` entry of a route counted by :func:`limit_signin`."""


def limit_signin(request: Any, session: Session, *, scope: str) -> None:
    """Count a sign-in-like request (log-in, security question, reset, password change, second factor) against
    its address under the sign-in limit (``signin_rate_limit`` per ``signin_rate_window_seconds``). Call it
    first, before the request writes (see the module docstring)."""
    runtime = request.app.state.runtime
    hit(session, clock=runtime.clock, scope=scope, key=client_address(request),
        limit=runtime.settings.signin_rate_limit, window_seconds=runtime.settings.signin_rate_window_seconds)


def client_address(request: Any) -> str:
    """The address to count a request against: its peer, or what a trusted proxy says the peer was."""
    peer = request.client.host if request.client else "unknown"
    settings = request.app.state.runtime.settings
    networks = _networks(tuple(settings.trusted_proxies))
    if not networks or not _within(peer, networks):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    # Right to left: each trusted proxy appended the address it received from; the first untrusted one is the
    # client as far as anyone we trust can tell. Addresses further left were written by the client itself.
    for address in reversed(forwarded):
        if not _valid(address):
            return peer  # a garbled header from a trusted proxy: count the proxy rather than guess
        if not _within(address, networks):
            return address
    return forwarded[0] if forwarded else peer


# -- the counting statement ------------------------------------------------------------------------------------

def _count(connection: Connection, *, scope: str, key: str, start: dt.datetime, end: dt.datetime,
           now: dt.datetime, amount: int) -> int:
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = RateLimitCounter.__table__
    statement = (
        insert(table)
        .values(scope=scope, key=key, window_start=start, count=amount, expires_at=end)
        .on_conflict_do_update(index_elements=[table.c.scope, table.c.key, table.c.window_start],
                               set_={"count": table.c.count + amount})
        .returning(table.c.count)
    )
    count = int(connection.execute(statement).scalar_one())
    if count == amount:  # this event opened a new window of the key: its ended windows can go
        connection.execute(delete(table).where(table.c.scope == scope, table.c.key == key,
                                               table.c.expires_at <= now))
    return count


def _stored_key(key: str) -> str:
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _holds_sqlite_writer_lock(session: Session, bind: Any) -> bool:
    if not isinstance(bind, Engine) or not is_sqlite(bind):
        return False
    if bind.get_execution_options().get(READONLY, False):
        return False  # BEGIN DEFERRED: a reader does not block the limiter's writer
    return session.in_transaction()


# -- the limiter's own engine, one per application engine ------------------------------------------------------

_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_engines_lock = threading.Lock()


def _limiter_engine(bind: Any) -> Engine:
    engine: Engine = bind.engine if isinstance(bind, Engine) else bind
    with _engines_lock:
        found = _engines.get(engine)
        if found is None:
            found = _make_limiter_engine(engine)
            _engines[engine] = found
            weakref.finalize(engine, found.dispose)
    return found


def _make_limiter_engine(engine: Engine) -> Engine:
    url = engine.url
    if is_sqlite(engine) and (url.database or ":memory:") == ":memory:":
        return engine  # an in-memory database exists only inside its own engine
    rendered = url.render_as_string(hide_password=False)
    if is_sqlite(engine):  # SQLite connections are cheap; no pool to keep between tests' files
        return make_engine(rendered, poolclass=NullPool)
    return make_engine(rendered, pool_size=5, max_overflow=15, pool_timeout=30)


# -- addresses ---------------------------------------------------------------------------------------------------

_network_cache: dict[tuple[str, ...], tuple[Any, ...]] = {}


def _networks(entries: tuple[str, ...]) -> tuple[Any, ...]:
    found = _network_cache.get(entries)
    if found is None:
        found = tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())
        _network_cache[entries] = found
    return found


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _within(address: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)
