"""Wait for one transaction to block on another's lock, so a race test really races."""

from __future__ import annotations

import time

from sqlalchemy import text


def wait_until_blocked(runtime, backend: str, *, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL, wait until some session of the test database waits on a lock (SQLite: its BEGIN IMMEDIATE
    already waits, so there is nothing to see); fail naming ``what`` when none does in time."""
    if backend != "postgres":
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with runtime.read_session_factory() as probe:
            waiting = probe.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND datname = current_database()"))
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError(f"{what} never waited on the first")
