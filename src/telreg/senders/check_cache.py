"""Per-process caches of what every online check reads: the caller, the account's seed numbers, the calendar.

A scripted sender checks many times a second; asking the database each time who the key belongs to, which seeds
its files carry and which days were weather-warning days would cost more than the check itself. Each answer is
kept for at most :data:`TTL_SECONDS` (1 s) of wall time AND of business time (the injected clock: a test or a
demo that moves the clock gets fresh answers at once), and only for the same Hong Kong day.

Bound: a change made in ANOTHER process (a key revoked, an account suspended or cancelled, API access switched
off, a subscription changed, a session ended, a seed assigned or retired, a warning recorded) is seen by this
process's checks within 1 second. A change committed in THIS process empties the caches at its commit (a
listener on every session watches writes to the tables these answers come from), so it is seen at once. Refusals
are never cached: a wrong or revoked key asks the database every time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from telreg.core.clock import Clock, today
from telreg.core.commit_watch import on_committed_write

__all__ = ["TTL_SECONDS", "WATCHED_TABLES", "TtlCache", "generation", "invalidate"]

TTL_SECONDS = 1.0
WATCHED_TABLES = frozenset({
    "sender_accounts", "sender_subscriptions", "sender_api_keys", "auth_sessions",  # who may check what
    "enf_seed_numbers", "enf_seed_assignments",  # the account's seed numbers
    "weather_warnings",  # the working-day calendar behind "protection starts on"
})
_state = {"generation": 0}
_state_lock = threading.Lock()
Value = TypeVar("Value")


def generation() -> int:
    return _state["generation"]


def invalidate() -> None:
    """Forget every cached answer in this process (a change to what they were built from was committed)."""
    with _state_lock:
        _state["generation"] += 1


class TtlCache:
    """Answers kept for TTL_SECONDS of wall and business time, within one day and one cache generation."""

    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = 100_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[Any, tuple[Any, float, float, Any, int]] = {}
        self._pending: dict[tuple[int, Any], asyncio.Task[Any]] = {}

    def get_or_load(self, key: Any, clock: Clock, load: Callable[[], Value]) -> Value:
        found = self.get(key, clock)
        if found is not None:
            return found  # type: ignore[no-any-return]
        since = generation()  # read before loading: a change committed while loading is not masked
        return self.put(key, clock, load(), since=since)

    async def get_or_load_async(self, key: Any, clock: Clock, load: Callable[[], Value]) -> Value:
        """:meth:`get_or_load` for the event loop: LOAD (blocking) runs in the thread pool, once per key however many
        requests miss at the same moment (they all wait for that one load; its refusal is theirs too)."""
        found = self.get(key, clock)
        if found is not None:
            return found  # type: ignore[no-any-return]
        loop = asyncio.get_running_loop()
        slot = (id(loop), key)
        pending = self._pending.get(slot)
        if pending is None:
            since = generation()

            async def fill() -> Value:
                return self.put(key, clock, await run_in_threadpool(load), since=since)

            pending = self._pending[slot] = loop.create_task(fill())
            pending.add_done_callback(lambda _done: self._pending.pop(slot, None))
        return await asyncio.shield(pending)  # type: ignore[no-any-return]

    def get(self, key: Any, clock: Clock) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, wall, business, day, gen = entry
        now = clock.now()
        age = (now.timestamp() - business)
        if (gen != _state["generation"] or not 0 <= age <= self._ttl or time.monotonic() - wall > self._ttl
                or today(clock) != day):
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key: Any, clock: Clock, value: Value, *, since: int | None = None) -> Value:
        """Keep VALUE; SINCE is the generation read before it was loaded (a change committed meanwhile wins)."""
        gen = generation() if since is None else since
        if len(self._entries) >= self._max:
            self._entries.clear()  # crude but bounded: a flood of distinct keys cannot grow memory
        self._entries[key] = (value, time.monotonic(), clock.now().timestamp(), today(clock), gen)
        return value

    def clear(self) -> None:
        self._entries.clear()


# ---- a committed write to a watched table in this process empties the cache ------------------------------------

on_committed_write("check_cache", WATCHED_TABLES, invalidate)

