"""core/commit_watch.py: a committed write to a watched table calls the callback once; a rolled-back one never; a
savepoint rolled back inside a transaction that commits other writes to the table still calls it."""

from __future__ import annotations

import itertools

from sqlalchemy import update

from telreg.core import users
from telreg.core.commit_watch import on_committed_write
from telreg.core.models import User
from telreg.runtime import Runtime

_NAMES = itertools.count()


def _watch(tables: frozenset[str]) -> list[int]:
    calls: list[int] = []
    on_committed_write(f"test-{next(_NAMES)}", tables, lambda: calls.append(1))  # global listeners: a fresh name each
    return calls


def _officer(runtime: Runtime, name: str) -> int:
    with runtime.session_factory() as session:
        user = users.create_user(session, clock=runtime.clock, username=name,
                                 password="correct-horse-battery-staple", roles=["dnc-officer"])
        session.commit()
        return user.id


def test_a_commit_that_wrote_a_watched_table_calls_back_once(runtime: Runtime) -> None:
    calls = _watch(frozenset({"users"}))
    _officer(runtime, "watch.one")
    assert calls == [1]
    with runtime.session_factory() as session:  # a commit writing nothing there: no call
        session.commit()
    assert calls == [1]


def test_a_bulk_statement_counts_and_a_rollback_does_not(runtime: Runtime) -> None:
    user_id = _officer(runtime, "watch.two")
    calls = _watch(frozenset({"users"}))
    with runtime.session_factory() as session:
        session.execute(update(User).where(User.id == user_id).values(display_name="x"))
        session.rollback()
        session.commit()  # the rolled-back write must not be told at the next commit
    assert calls == []
    with runtime.session_factory() as session:
        session.execute(update(User).where(User.id == user_id).values(display_name="y"))
        session.commit()
    assert calls == [1]


def test_a_savepoint_rolled_back_keeps_the_enclosing_write(runtime: Runtime) -> None:
    user_id = _officer(runtime, "watch.three")
    calls = _watch(frozenset({"users"}))
    with runtime.session_factory() as session:
        session.execute(update(User).where(User.id == user_id).values(display_name="kept"))
        savepoint = session.begin_nested()
        session.execute(update(User).where(User.id == user_id).values(display_name="undone"))
        savepoint.rollback()
        session.commit()
    assert calls == [1]


def test_other_tables_are_not_watched(runtime: Runtime) -> None:
    calls = _watch(frozenset({"auth_sessions"}))
    _officer(runtime, "watch.four")
    assert calls == []
