"""Committed writes to given tables, told to a per-process cache so that this process never answers from stale state.

The process's short-lived caches (the online check's callers and seeds, senders/check_cache.py; the staff sign-ins,
core/signed_in_cache.py) are bounded by a TTL for changes made in other processes; a change committed in THIS process
must empty them at once. :func:`on_committed_write` hangs listeners on every ORM session: a flush of a mapped row or
an ORM-enabled INSERT/UPDATE/DELETE on one of the tables marks the session, and its next commit calls the callback.

A rollback of the whole transaction drops the mark (nothing was written); a savepoint's rollback keeps it, since the
enclosing transaction may still commit other writes to those tables. Writes outside an ORM session (a Core
connection) are not seen: the callers' tables are written through sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

__all__ = ["on_committed_write"]


def on_committed_write(name: str, tables: frozenset[str], callback: Callable[[], None]) -> None:
    """Call CALLBACK after each commit of a session that wrote to TABLES (NAME keys the session's mark)."""
    mark = f"telreg_committed_write:{name}"

    @event.listens_for(Session, "after_flush")
    def _after_flush(session: Session, _context: Any) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            table = getattr(type(obj), "__table__", None)
            if table is not None and table.name in tables:
                session.info[mark] = True
                return

    @event.listens_for(Session, "do_orm_execute")
    def _on_execute(state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete or state.is_insert) and \
                getattr(getattr(state.statement, "table", None), "name", None) in tables:
            state.session.info[mark] = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(mark, False):
            callback()

    @event.listens_for(Session, "after_soft_rollback")
    def _after_rollback(session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # the whole transaction, not a savepoint
            session.info.pop(mark, None)
