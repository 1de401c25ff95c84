"""Issue 14: the file sweep removes stored documents no row refers to, stale uploads and the working directories
of failed and expired washes; a dry run only counts; the counts are audited. Both databases."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.files import PENDING_PREFIX, document_path
from telreg.core.models import AuditEvent
from telreg.senders import repository
from telreg.senders.file_sweep import sweep_files
from telreg.senders.washing import files as wash_files
from telreg.senders.washing.models import SenderWash

from .helpers import PDF, apply


def _age(path: Path, at: dt.datetime) -> Path:
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def _wash(session: Any, runtime: Any, account_id: int, state: str, finished: dt.datetime) -> int:
    wash = SenderWash(account_id=account_id, register="sms", client_ref="", send_date=dt.date(2026, 3, 20),
                      state=state, input_sha256="0" * 64, input_name="l.txt", input_size=1,
                      created_at=finished, finished_at=finished, expires_at=finished + dt.timedelta(days=30))
    session.add(wash)
    session.flush()
    path = wash_files.input_path(runtime.settings.data_dir, wash.id, "l.txt")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"98765432\n")
    return int(wash.id)


def test_what_no_row_needs_is_swept_and_counted(runtime: Any, cli: Any) -> None:
    data_dir = Path(runtime.settings.data_dir)
    now = runtime.clock.now()
    old, young = now - dt.timedelta(days=3), now - dt.timedelta(minutes=5)
    with unit_of_work(runtime.session_factory) as session:
        account = apply(session, runtime)
        [kept] = repository.documents(session, account.id)
        failed = _wash(session, runtime, account.id, "failed", old)
        done = _wash(session, runtime, account.id, "done", old)
        fresh_failure = _wash(session, runtime, account.id, "failed", young)
    _age(Path(kept.path), old)  # referenced: stays however old
    orphan = document_path(data_dir, "senders", "ab" * 32)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(PDF)
    _age(orphan, old)
    young_orphan = document_path(data_dir, "senders", "cd" * 32)
    young_orphan.parent.mkdir(parents=True)
    young_orphan.write_bytes(PDF)
    _age(young_orphan, young)  # a request may be relying on it right now
    stale = data_dir / "uploads" / "senders" / f"{PENDING_PREFIX}stale"
    stale.write_bytes(b"half an upload")
    _age(stale, old)

    code, out, _ = cli("senders", "sweep-files", "--dry-run", "--json")
    assert code == 0, out
    assert orphan.exists() and stale.exists()  # a dry run deletes nothing

    code, out, _ = cli("senders", "sweep-files")
    assert code == 0, out
    assert "removed 1 document(s) and 1 stale upload(s)" in out
    assert Path(kept.path).exists() and young_orphan.exists()
    assert not orphan.exists() and not stale.exists()
    assert not wash_files.wash_dir(data_dir, failed).exists()
    assert wash_files.wash_dir(data_dir, done).exists() and wash_files.wash_dir(data_dir, fresh_failure).exists()
    with unit_of_work(runtime.session_factory) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "files-swept")
                                      .order_by(AuditEvent.id)))
    assert [e.details["dry_run"] for e in events] == [True, False]
    for event in events:
        assert (event.details["documents_removed"], event.details["pending_removed"],
                event.details["wash_directories_removed"]) == (1, 1, 1)
        assert event.details["bytes_removed"] == len(PDF) + len(b"half an upload")


def test_an_upload_whose_move_failed_after_its_commit_is_recovered(runtime: Any) -> None:
    old = runtime.clock.now() - dt.timedelta(days=3)
    with unit_of_work(runtime.session_factory) as session:
        account = apply(session, runtime)
        [document] = repository.documents(session, account.id)
    target = Path(document.path)
    pending = target.parent.parent / f"{PENDING_PREFIX}lost"
    os.replace(target, pending)  # as if the move after the commit had failed
    _age(pending, old)
    with unit_of_work(runtime.session_factory) as session:
        counts = sweep_files(session, clock=runtime.clock, settings=runtime.settings)
    assert counts["pending_recovered"] == 1 and counts["pending_removed"] == 0
    assert target.read_bytes() == PDF and not pending.exists()
