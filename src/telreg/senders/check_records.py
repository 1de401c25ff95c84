"""The records of online checks, written by group commit (core/group_commit.py) before each check is answered.

Per check: one ``sender_checks`` row and one ``sender-online-check`` audit event; per API key and batch, one
UPDATE of its ``last_used_at`` (the latest check's time, never moved back). One writer per runtime (so per
process), started with the first check and drained when the app shuts down (:func:`stop_recorder`).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, or_, update
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.group_commit import GroupCommitter
from telreg.runtime import Runtime
from telreg.senders.models import SenderApiKey, SenderCheck

__all__ = ["CheckRecord", "add_records", "recorder", "stop_recorder"]

_EXTRA = "senders.check_recorder"
_CREATING = threading.Lock()


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """What is kept of one online check: who, which registers, how many numbers, from where, when."""

    account_id: int
    registers: tuple[str, ...]
    numbers_checked: int
    api_key_id: int | None
    client_address: str | None
    checked_at: dt.datetime


_CHECKS = SenderCheck.__table__
_KEYS = SenderApiKey.__table__
# Built once: one executemany per batch notes every key's last use. Per key a statement built per batch (ORM
# attributes, coercion) cost ~0.25 ms of the writer's CPU, most of a batch's (issue 18 §2).
_NOTE_LAST_USE = (update(_KEYS)
                  .where(_KEYS.c.id == bindparam("key_id"),
                         or_(_KEYS.c.last_used_at.is_(None), _KEYS.c.last_used_at < bindparam("used_at")))
                  .values(last_used_at=bindparam("used_at")))


def add_records(session: Session | Connection, records: Sequence[CheckRecord], *, clock: Clock) -> None:
    """Write the records' rows, audit events and the keys' last use in SESSION's transaction (an ORM session, or
    the group-commit writer's Core connection); the caller commits."""
    if not records:
        return
    session.execute(insert(_CHECKS), [
        {"account_id": r.account_id, "registers": ",".join(r.registers), "numbers_checked": r.numbers_checked,
         "api_key_id": r.api_key_id, "client_address": (r.client_address or None) and r.client_address[:64],
         "checked_at": r.checked_at}
        for r in records])
    audit.record_many(session, clock=clock, events=[  # type: ignore[arg-type]  # it only executes one INSERT
        {"occurred_at": r.checked_at, "actor": f"sender:{r.account_id}", "action": "sender-online-check",
         "subject_type": "sender", "subject_key": str(r.account_id),
         "details": {"registers": list(r.registers), "numbers": r.numbers_checked, "api_key_id": r.api_key_id}}
        for r in records])
    last_use: dict[int, dt.datetime] = {}
    for r in records:
        if r.api_key_id is not None and (r.api_key_id not in last_use or last_use[r.api_key_id] < r.checked_at):
            last_use[r.api_key_id] = r.checked_at
    if last_use:  # one row per key, in id order (two writers never wait on each other's keys crosswise)
        session.execute(_NOTE_LAST_USE, [{"key_id": key_id, "used_at": used_at}
                                         for key_id, used_at in sorted(last_use.items())])


def recorder(runtime: Runtime) -> GroupCommitter[CheckRecord]:
    """The runtime's check writer (created on first use)."""
    found = runtime.extras.get(_EXTRA)
    if found is None:
        with _CREATING:
            found = runtime.extras.get(_EXTRA)
            if found is None:
                found = GroupCommitter(
                    runtime.engine,
                    lambda connection, records: add_records(connection, records, clock=runtime.clock),
                    name="online-checks",
                    retry_after=runtime.settings.database_busy_retry_after_seconds,
                    lock_path=_sqlite_lock_path(runtime))
                runtime.extras[_EXTRA] = found
    return found  # type: ignore[return-value]


def _sqlite_lock_path(runtime: Runtime) -> Path | None:
    """Beside an SQLite database file, the file its group-commit writers take turns on (core/group_commit.py)."""
    url = runtime.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return None
    return Path(url.database).with_name(Path(url.database).name + ".group-commit.lock")


def stop_recorder(runtime: Runtime) -> None:
    """Write every queued check record and stop the writer (app shutdown); a later check starts a new one."""
    found = runtime.extras.pop(_EXTRA, None)
    if isinstance(found, GroupCommitter):
        found.stop()
