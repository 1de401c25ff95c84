"""Revoke, hold and release: the one place a certificate's status changes (telreg.ecert.revocation)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.jobs import Job
from telreg.core.models import AuditEvent
from telreg.ecert import revocation
from telreg.ecert.errors import BadRequestData, StatusConflict
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate, StatusEvent
from telreg.runtime import Runtime
from tests.ecert.helpers import issue_test_certificate


def _issued(runtime: Runtime, hierarchy: Hierarchy) -> int:
    row, _, _ = issue_test_certificate(runtime, hierarchy)
    return row.id


def _act(runtime: Runtime, certificate_id: int, action: str, **kwargs: object) -> Certificate:
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(Certificate, certificate_id)
        assert row is not None
        fn = getattr(revocation, action)
        return fn(session, clock=runtime.clock, certificate=row, actor="officer.lee", **kwargs)


def test_revoke_records_the_reason_an_event_an_audit_line_and_a_status_job(runtime: Runtime,
                                                                            hierarchy: Hierarchy) -> None:
    certificate_id = _issued(runtime, hierarchy)
    _act(runtime, certificate_id, "revoke", reason="keyCompromise")
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(Certificate, certificate_id)
        assert row is not None and (row.state, row.revocation_reason) == ("revoked", "keyCompromise")
        assert row.revoked_at == runtime.clock.now()
        events = session.scalars(select(StatusEvent).where(StatusEvent.certificate_id == certificate_id)).all()
        assert [(e.action, e.reason, e.actor) for e in events] == [("revoke", "keyCompromise", "officer.lee")]
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "ecert.revoke")).all()
        assert [a.subject_key for a in audit] == [row.serial]
        queued = session.scalars(select(Job).where(Job.kind == revocation.STATUS_CHANGED_JOB)).all()
        assert [j.payload for j in queued] == [{"certificate_id": certificate_id, "action": "revoke"}]


def test_revoking_twice_is_a_conflict_and_changes_nothing(runtime: Runtime, hierarchy: Hierarchy) -> None:
    certificate_id = _issued(runtime, hierarchy)
    _act(runtime, certificate_id, "revoke", reason="superseded")
    with pytest.raises(StatusConflict, match="revoked already"):
        _act(runtime, certificate_id, "revoke", reason="keyCompromise")
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(Certificate, certificate_id)
        assert row is not None and row.revocation_reason == "superseded"
        assert len(session.scalars(select(StatusEvent)).all()) == 1


@pytest.mark.parametrize("reason", ["certificateHold", "removeFromCRL", "KeyCompromise", ""])
def test_a_reason_that_is_not_one_to_revoke_for_is_refused(runtime: Runtime, hierarchy: Hierarchy,
                                                             reason: str) -> None:
    certificate_id = _issued(runtime, hierarchy)
    with pytest.raises(BadRequestData, match="not a reason to revoke"):
        _act(runtime, certificate_id, "revoke", reason=reason)


def test_hold_then_release_makes_it_good_again_and_hold_then_revoke_keeps_the_hold_date(
        runtime: Runtime, hierarchy: Hierarchy) -> None:
    first = _issued(runtime, hierarchy)
    _act(runtime, first, "hold")
    held = _act(runtime, first, "release")
    assert (held.state, held.revoked_at, held.revocation_reason) == ("good", None, None)

    second = _issued(runtime, hierarchy)
    held_at = runtime.clock.now()
    _act(runtime, second, "hold")
    runtime.clock.advance(days=3)  # type: ignore[attr-defined]
    revoked = _act(runtime, second, "revoke", reason="keyCompromise")
    assert (revoked.state, revoked.revocation_reason, revoked.revoked_at) == ("revoked", "keyCompromise", held_at)


def test_releasing_what_is_not_on_hold_and_holding_what_is_not_good_are_conflicts(
        runtime: Runtime, hierarchy: Hierarchy) -> None:
    certificate_id = _issued(runtime, hierarchy)
    with pytest.raises(StatusConflict, match="not on hold"):
        _act(runtime, certificate_id, "release")
    _act(runtime, certificate_id, "revoke", reason="affiliationChanged")
    with pytest.raises(StatusConflict, match="can be put on hold"):
        _act(runtime, certificate_id, "hold")
    with pytest.raises(StatusConflict, match="not on hold"):
        _act(runtime, certificate_id, "release")


# PostgreSQL only: SQLite serialises the two transactions (the first read takes its writer lock), so the race
# this test is about cannot happen there, and the barrier would wait for a thread that waits for the lock.
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_officers_revoking_at_once_one_wins_the_other_is_told(runtime: Runtime, hierarchy: Hierarchy) -> None:
    certificate_id = _issued(runtime, hierarchy)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def revoke(reason: str) -> None:
        session = runtime.session_factory()
        try:
            row = session.get(Certificate, certificate_id)
            assert row is not None and row.state == "good"
            barrier.wait()
            revocation.revoke(session, clock=runtime.clock, certificate=row, reason=reason, actor=reason)
            session.commit()
            outcomes.append("revoked")
        except StatusConflict:
            session.rollback()
            outcomes.append("conflict")
        finally:
            session.close()

    threads = [threading.Thread(target=revoke, args=(r,)) for r in ("keyCompromise", "superseded")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("revoked") == 1, outcomes
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(StatusEvent)).all()) == 1
