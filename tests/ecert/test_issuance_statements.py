"""What issuance asks of the database (issue 15's throughput): the caller's transaction gets the row's UPDATE and
the audit INSERT and nothing else — no SELECT reading back the intent — and the row handed back is complete, so
reading it costs no statement either. Counts, never timings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from telreg.core.audit import AuditEvent
from telreg.core.db import unit_of_work
from telreg.ecert.issuance import IssueRequest, issue_certificates
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.runtime import Runtime

from .helpers import default_subject, issue_test_certificate, make_key


@contextmanager
def _statements() -> Iterator[list[str]]:
    """Every statement run inside the block, on any engine (the intents have one of their own, issuance.py's
    _intent_engine; the test runs alone in its process), as its verb and table ("UPDATE
    ecert_certificates"); SQLite's BEGIN IMMEDIATE (core/db.py) left out, PostgreSQL's BEGIN is the driver's."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        words = statement.split()
        if words[0].upper() != "BEGIN":
            table = words[2] if words[0].upper() == "INSERT" else words[1] if words[0].upper() == "UPDATE" else ""
            seen.append(f"{words[0].upper()} {table}".strip())

    event.listen(Engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", listen)


def test_one_issuance_runs_three_statements_and_the_row_needs_no_reload(runtime: Runtime,
                                                                          hierarchy: Hierarchy) -> None:
    session = runtime.session_factory()
    try:
        with _statements() as seen:
            row, cert, _ = issue_test_certificate(runtime, hierarchy, session=session, actor="t")
            # every column is loaded: none of these reads may go back to the database
            values = {column.key: getattr(row, column.key) for column in Certificate.__table__.columns}
        session.commit()
    finally:
        session.close()
    assert sorted(seen) == ["INSERT audit_events", "INSERT ecert_certificates", "UPDATE ecert_certificates"]
    assert values["state"] == "good" and values["revoked_at"] is None and values["serial"] == f"{cert.serial_number:x}"
    with unit_of_work(runtime.session_factory) as check:
        stored = check.scalars(select(Certificate).where(Certificate.id == values["id"])).one()
        events = check.scalars(select(AuditEvent).where(AuditEvent.subject_key == stored.serial)).all()
        assert (stored.state, stored.der, stored.fingerprint_sha256) == ("good", values["der"],
                                                                         values["fingerprint_sha256"])
        assert [(e.action, e.actor, e.details["profile"]) for e in events] == [("ecert.issue", "t", "personal")]


def test_a_batch_writes_its_audit_events_in_one_statement(runtime: Runtime, hierarchy: Hierarchy) -> None:
    subject, _ = default_subject("personal")
    requests = [IssueRequest(profile="personal", subject=subject, public_key=make_key("ec-p256").public_key(),
                             subject_kind="person") for _ in range(4)]
    with _statements() as seen, unit_of_work(runtime.session_factory) as session:
        issued = issue_certificates(session, runtime=runtime, hierarchy=hierarchy, requests=requests, actor="batch")
    assert not [s for s in seen if s.startswith("SELECT")]  # nothing read back
    assert seen.count("INSERT audit_events") == 1  # all four events in one statement
    # the intents: one statement on PostgreSQL; SQLite, whose RETURNING order is not guaranteed, gets one per row
    assert seen.count("INSERT ecert_certificates") == (1 if runtime.engine.dialect.name == "postgresql" else 4)
    serials = sorted(row.serial for row, _ in issued)
    with unit_of_work(runtime.session_factory) as check:
        audited = check.scalars(select(AuditEvent.subject_key).where(AuditEvent.action == "ecert.issue",
                                                                     AuditEvent.actor == "batch")).all()
        good = check.scalars(select(Certificate.serial).where(Certificate.state == "good",
                                                              Certificate.subject_kind == "person")).all()
    assert sorted(audited) == serials == sorted(good)  # one event per certificate, about that certificate


def test_issuance_survives_a_server_side_disconnect(runtime: Runtime, hierarchy: Hierarchy) -> None:
    """The intents' connections are not pinged before use (issuance.py, _intent_engine): one the server closed
    must be replaced, not fail the issuance. On PostgreSQL every other connection to the database is terminated
    between two issuances; SQLite has no server to lose."""
    first, _, _ = issue_test_certificate(runtime, hierarchy, actor="t")
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.connect() as admin:
            killed = admin.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert killed >= 1  # the pooled intent connection at least
    second, _, _ = issue_test_certificate(runtime, hierarchy, actor="t")
    with unit_of_work(runtime.session_factory) as check:
        states = check.scalars(select(Certificate.state).where(Certificate.id.in_([first.id, second.id]))).all()
    assert states == ["good", "good"]
