"""Importing a list file in bounded batches — an edge helper: it owns its transactions, as a CLI command does.

A 400,000-line import in one transaction held SQLite's writer lock for 14 s: every other sender's write and every
staff sign-in queued behind it (then "database is locked"). Here the file is validated whole first, with no
database write (a bad line refuses it, nothing recorded); then a :class:`SenderListImport` record is committed
(``applying``, the line count), and the lines are applied ``batch_rows`` at a time, each batch with its record's
progress in one short transaction. Others write between batches. Only after the last batch is the record
``complete`` and the import audited. A failing batch marks the record ``failed`` with how far it got; a process
killed mid-way leaves it ``applying`` with an old ``updated_at`` — the list says so (:func:`imports` shows it
``interrupted``), and importing the same file again finishes it: the lines already recorded are skipped
(instructions are recorded once, see models).

The caller passes a session whose transaction it is content to see committed (a request's, a command's): the
helper commits it before the first batch, so whatever the caller did before (an API key's last use) is kept.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.senders.lists import service
from telreg.senders.lists.import_models import SenderListImport

__all__ = ["INTERRUPTED_AFTER", "import_in_batches", "imports", "shown_state"]

INTERRUPTED_AFTER = dt.timedelta(minutes=10)  # an "applying" import not moved this long has lost its process
SQLITE_PAUSE_SECONDS = 0.15  # between batches on SQLite (see import_in_batches): 20 batches cost 3 s


def import_in_batches(session: Session, *, clock: Clock, key: service.ListKey, data: bytes, source: str,
                      recorded_by: str, default_how: str = "not-stated",
                      batch_rows: int = 20_000) -> service.ImportResult:
    """Validate the whole file, then append its lines ``batch_rows`` per transaction (see the module)."""
    rows = service.validated_rows(clock=clock, key=key, data=data, source=source, recorded_by=recorded_by,
                                  default_how=default_how)
    now = clock.now()
    record = SenderListImport(account_id=key.account_id, client_ref=key.client_ref, register=key.register,
                              source=source[:200], state="applying", total_rows=len(rows), applied_rows=0,
                              recorded=0, consents=0, batch_rows=batch_rows, recorded_by=recorded_by,
                              created_at=now, updated_at=now)
    session.add(record)
    session.commit()
    sqlite = session.get_bind().dialect.name == "sqlite"
    try:
        for start in range(0, len(rows), batch_rows):
            batch = rows[start:start + batch_rows]
            added = service.apply_rows(session, batch)
            record.applied_rows += len(batch)
            record.recorded += len(added)
            record.consents += sum(kind == "consent" for _, kind in added)
            record.updated_at = clock.now()
            session.commit()  # the writer lock is let go here: others' writes run between batches
            if sqlite:
                # SQLite hands its lock to no one in particular: a waiting writer polls (every 100 ms at most)
                # and would miss a lock taken again at once. A pause lets every waiter in before the next batch.
                time.sleep(SQLITE_PAUSE_SECONDS)
        record.state, record.finished_at = "complete", clock.now()
        record.updated_at = record.finished_at
        already = record.total_rows - record.recorded
        audit.record(session, clock=clock, actor=recorded_by, action="sender-instructions-imported",
                     subject_type="sender", subject_key=str(key.account_id), register=key.register,
                     details={"client_ref": key.client_ref, "source": source, "lines": record.total_rows,
                              "recorded": record.recorded, "already_recorded": already, "import": record.id,
                              "batches": -(-record.total_rows // batch_rows) if record.total_rows else 0})
        session.commit()
    except BaseException as exc:
        session.rollback()
        _mark_failed(session, record.id, clock=clock, error=type(exc).__name__)
        raise
    return service.ImportResult(key, record.recorded, record.consents, record.recorded - record.consents,
                                record.total_rows - record.recorded, import_id=record.id)


def _mark_failed(session: Session, import_id: int, *, clock: Clock, error: str) -> None:
    try:
        record = session.get(SenderListImport, import_id, populate_existing=True)
        if record is not None and record.state == "applying":
            record.state, record.error = "failed", error[:200]
            record.updated_at = record.finished_at = clock.now()
            session.commit()
    except Exception:  # noqa: BLE001 - the database failed too: the record stays "applying", read "interrupted"
        session.rollback()


def shown_state(record: SenderListImport, *, now: dt.datetime) -> str:
    """The record's state as a reader should take it: an ``applying`` one long untouched was interrupted."""
    if record.state == "applying" and record.updated_at < now - INTERRUPTED_AFTER:
        return "interrupted"
    return record.state


def imports(session: Session, *, key: service.ListKey, limit: int = 20) -> list[SenderListImport]:
    """The list's latest imports, newest first."""
    query = (select(SenderListImport)
             .where(SenderListImport.account_id == key.account_id, SenderListImport.register == key.register,
                    SenderListImport.client_ref == key.client_ref)
             .order_by(SenderListImport.created_at.desc(), SenderListImport.id.desc()).limit(limit))
    return list(session.scalars(query))
