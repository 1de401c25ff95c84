"""Issue 14: a 400,000-line import held SQLite's writer lock for 14 s. Imports are now validated whole, then applied
in committed batches under an import record that says how far they got; another writer gets in between batches,
and a crash leaves a record that says so (and the same file imported again finishes the list)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.senders import lifecycle
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.lists import bulk, service
from telreg.senders.lists.import_models import SenderListImport
from telreg.senders.lists.models import SenderInstruction


def _file(lines: int, start: int = 91_000_000) -> bytes:
    body = "".join(f"{start + i},{'consent' if i % 3 == 0 else 'unsubscribe'},2026-02-01T09:00:00+08:00\n"
                   for i in range(lines))
    return ("number,instruction,at\n" + body).encode()


def _key(runtime: Any, account_id: int) -> service.ListKey:
    with unit_of_work(runtime.read_session_factory) as session:
        access = lifecycle.access(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id)
    return service.open_list(access, register="sms")


def _import(runtime: Any, key: service.ListKey, data: bytes, batch_rows: int = 100) -> service.ImportResult:
    with unit_of_work(runtime.session_factory) as session:
        return bulk.import_in_batches(session, clock=runtime.clock, key=key, data=data, source="big.csv",
                                      recorded_by="test", batch_rows=batch_rows)


def _counts(runtime: Any) -> tuple[int, list[tuple[str, int, int]]]:
    with unit_of_work(runtime.read_session_factory) as session:
        rows = session.scalar(select(func.count()).select_from(SenderInstruction))
        records = session.execute(select(SenderListImport.state, SenderListImport.applied_rows,
                                         SenderListImport.recorded).order_by(SenderListImport.id)).all()
    return int(rows or 0), [tuple(r) for r in records]


def test_a_file_is_applied_in_batches_and_complete_only_at_the_end(runtime: Any, account_id: int) -> None:
    key = _key(runtime, account_id)
    result = _import(runtime, key, _file(250))

    assert (result.recorded, result.consents, result.unsubscribes, result.already_recorded) == (250, 84, 166, 0)
    assert _counts(runtime) == (250, [("complete", 250, 250)])
    with unit_of_work(runtime.read_session_factory) as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "sender-instructions-imported"))
        assert event.details["batches"] == 3 and event.details["import"] == result.import_id


def test_a_bad_line_refuses_the_file_before_anything_is_written(runtime: Any, account_id: int) -> None:
    key = _key(runtime, account_id)
    with pytest.raises(InstructionsFileRefused):
        _import(runtime, key, _file(250) + b"12,consent,2026-02-01T09:00:00+08:00\n")
    assert _counts(runtime) == (0, [])


def test_a_failed_batch_leaves_a_record_of_how_far_it_got_and_a_retry_finishes(
        runtime: Any, account_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    key = _key(runtime, account_id)
    calls = []
    apply_rows = service.apply_rows

    def failing_second(session: Any, rows: Any) -> Any:
        calls.append(len(rows))
        if len(calls) == 2:
            raise OSError("the disk is full")
        return apply_rows(session, rows)

    monkeypatch.setattr(service, "apply_rows", failing_second)
    with pytest.raises(OSError):
        _import(runtime, key, _file(250))
    assert _counts(runtime) == (100, [("failed", 100, 100)])  # the first batch stays, and the record says so

    monkeypatch.setattr(service, "apply_rows", apply_rows)
    again = _import(runtime, key, _file(250))
    assert (again.recorded, again.already_recorded) == (150, 100)
    assert _counts(runtime) == (250, [("failed", 100, 100), ("complete", 250, 150)])


def test_an_import_left_applying_reads_interrupted(runtime: Any, account_id: int) -> None:
    key = _key(runtime, account_id)
    _import(runtime, key, _file(10))
    with unit_of_work(runtime.session_factory) as session:
        [record] = bulk.imports(session, key=key)
        record.state = "applying"  # as a killed process leaves it
        assert bulk.shown_state(record, now=runtime.clock.now()) == "applying"
        assert bulk.shown_state(record, now=runtime.clock.now() + bulk.INTERRUPTED_AFTER * 2) == "interrupted"


def test_another_writer_gets_in_between_batches(runtime: Any, account_id: int,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A real thread with its own session writes while the import is between batches (SQLite: it would wait for
    the importer's writer lock until its busy timeout if the import were one transaction)."""
    key = _key(runtime, account_id)
    apply_rows = service.apply_rows
    written: list[int] = []

    def other_sender_writes() -> None:
        with unit_of_work(runtime.session_factory) as session:
            row, _ = service.record(session, clock=runtime.clock, key=key, number="61234567",
                                    instruction="consent", given_at=runtime.clock.now(), how="web-form",
                                    recorded_by="someone-else")
            written.append(row.id)

    batches: list[int] = []

    def between(session: Any, rows: Any) -> Any:
        batches.append(len(rows))
        if len(batches) == 2:  # the first batch is committed; the second has not begun
            writer = threading.Thread(target=other_sender_writes)
            writer.start()
            writer.join(timeout=25)
            assert not writer.is_alive(), "the other write waited for the import"
        return apply_rows(session, rows)

    monkeypatch.setattr(service, "apply_rows", between)
    _import(runtime, key, _file(300))

    assert len(written) == 1
    assert _counts(runtime)[0] == 301
