"""The audit trail is append-only in the database itself, and history reads back in time order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.runtime import Runtime


def _record(runtime: Runtime, key: str = "21234567", action: str = "registered", **extra: object) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return audit.record(
            session,
            clock=runtime.clock,
            actor="ivr",
            action=action,
            subject_type="number",
            subject_key=key,
            **extra,
        ).id  # type: ignore[arg-type]


def _count(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(actor="someone-else"),
        delete(AuditEvent),
        text("UPDATE audit_events SET details = '{}'"),
        text("DELETE FROM audit_events WHERE actor = 'ivr'"),
    ],
    ids=["orm-update", "orm-delete", "sql-update", "sql-delete"],
)
def test_the_database_refuses_to_change_or_remove_events(runtime: Runtime, statement) -> None:  # type: ignore[no-untyped-def]
    event_id = _record(runtime, register="fax", details={"channel": "caller-id"})

    with (
        pytest.raises(DBAPIError, match="audit_events is append-only"),
        unit_of_work(runtime.session_factory) as s,
    ):
        s.execute(statement)

    with unit_of_work(runtime.session_factory) as session:
        event = session.get(AuditEvent, event_id)
        assert event is not None
        assert (event.actor, event.register, event.details) == ("ivr", "fax", {"channel": "caller-id"})


def test_orm_changes_to_a_loaded_event_are_refused(runtime: Runtime) -> None:
    event_id = _record(runtime)
    with pytest.raises(DBAPIError, match="append-only"), unit_of_work(runtime.session_factory) as session:
        session.get(AuditEvent, event_id).action = "deregistered"  # type: ignore[union-attr]
    with pytest.raises(DBAPIError, match="append-only"), unit_of_work(runtime.session_factory) as session:
        session.delete(session.get(AuditEvent, event_id))
    assert _count(runtime) == 1


def test_appending_still_works_after_a_refusal(runtime: Runtime) -> None:
    _record(runtime)
    with pytest.raises(DBAPIError), unit_of_work(runtime.session_factory) as session:
        session.execute(delete(AuditEvent))
    _record(runtime, action="deregistered")
    assert _count(runtime) == 2


def test_history_is_oldest_first_and_about_one_subject(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    _record(runtime, action="second")  # 10:00
    clock.advance(hours=-1)
    _record(runtime, action="first")  # 09:00, written later
    clock.advance(hours=2)
    _record(runtime, action="third-a")  # 11:00
    _record(runtime, action="third-b")  # 11:00 as well: insertion order breaks the tie
    _record(runtime, key="31234567", action="other-number")

    with unit_of_work(runtime.session_factory) as session:
        events = audit.history(session, subject_type="number", subject_key="21234567")
        assert [e.action for e in events] == ["first", "second", "third-a", "third-b"]
        assert events[0].occurred_at == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 HK, back as UTC
        assert audit.history(session, subject_type="user", subject_key="21234567") == []

        window = audit.events_between(
            session, start=clock.now() - dt.timedelta(hours=1, minutes=30), end=clock.now()
        )
        assert [e.action for e in window] == ["second"]


def test_record_many_appends_in_one_statement(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.session_factory) as session:
        written = audit.record_many(
            session,
            clock=clock,
            events=[
                {
                    "actor": "feed:pccw",
                    "action": "removed-terminated",
                    "subject_type": "number",
                    "subject_key": key,
                    "register": "sms",
                }
                for key in ("21234567", "31234567")
            ],
        )
        assert audit.record_many(session, clock=clock, events=[]) == 0
    assert written == 2
    with unit_of_work(runtime.session_factory) as session:
        [event] = audit.history(session, subject_type="number", subject_key="31234567")
        assert (event.actor, event.register, event.details, event.occurred_at) == (
            "feed:pccw",
            "sms",
            {},
            clock.now(),
        )
