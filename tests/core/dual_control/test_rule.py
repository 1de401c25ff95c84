"""The two-person rule (core/dual_control.py): every refusal with its sentence, the audit trail, and the races."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core import dual_control
from telreg.core.db import unit_of_work
from telreg.core.dual_control import ApprovalUnusable, DualControlRefused
from telreg.core.dual_control_models import DualControlRequest
from telreg.core.errors import InvalidInput, NotFound
from telreg.core.models import AuditEvent
from telreg.core.users import get_user

from .helpers import make_people


@pytest.fixture
def people(runtime: Any) -> None:
    make_people(runtime)


def _as(session: Any, name: str) -> Any:
    return get_user(session, name)


def _ask(runtime: Any, who: str = "alice", kind: str = "key-rotation", params: dict[str, Any] | None = None,
         scope: str | None = None) -> int:
    with unit_of_work(runtime.session_factory) as session:
        row = dual_control.request(session, clock=runtime.clock, settings=runtime.settings, user=_as(session, who),
                                   kind=kind, params={"key_id": "k2"} if params is None else params,
                                   reason="yearly rotation", scope=scope)
        return row.id


def _approve(runtime: Any, request_id: int, who: str = "bob") -> DualControlRequest:
    with unit_of_work(runtime.session_factory) as session:
        return dual_control.approve(session, clock=runtime.clock, settings=runtime.settings,
                                    user=_as(session, who), request_id=request_id, reason="checked")


def _consume(runtime: Any, request_id: int, who: str = "alice", kind: str = "key-rotation",
             params: dict[str, Any] | None = None) -> DualControlRequest:
    with unit_of_work(runtime.session_factory) as session:
        return dual_control.consume(session, clock=runtime.clock, request_id=request_id, kind=kind,
                                    params={"key_id": "k2"} if params is None else params,
                                    user=_as(session, who))


def _state(runtime: Any, request_id: int) -> str:
    with unit_of_work(runtime.session_factory) as session:
        return dual_control.get_request(session, request_id).state


def test_asked_approved_used_once_and_audited(runtime: Any, people: None) -> None:
    request_id = _ask(runtime)
    assert _state(runtime, request_id) == "pending"
    approved = _approve(runtime, request_id)
    assert (approved.state, approved.decided_by, approved.decision_reason) == ("approved", "bob", "checked")
    used = _consume(runtime, request_id)
    assert used.state == "used" and used.used_at is not None
    with pytest.raises(ApprovalUnusable, match=f"Request {request_id} is used, not approved and unused"):
        _consume(runtime, request_id)
    with unit_of_work(runtime.session_factory) as session:
        trail = list(session.execute(select(AuditEvent.action, AuditEvent.actor).where(
            AuditEvent.subject_type == "dual_control_request").order_by(AuditEvent.id)))
    assert trail == [("dual-control-requested", "staff:alice"), ("dual-control-approved", "staff:bob"),
                     ("dual-control-used", "staff:alice")]


def test_the_requester_cannot_approve_their_own_request(runtime: Any, people: None) -> None:
    request_id = _ask(runtime)
    with pytest.raises(DualControlRefused, match="you asked for it, so someone else must approve it"):
        _approve(runtime, request_id, who="alice")
    assert _state(runtime, request_id) == "pending"


def test_an_approver_needs_the_role_itself_and_admin_does_not_stand_in(runtime: Any, people: None) -> None:
    key_request = _ask(runtime)
    with pytest.raises(DualControlRefused, match="needs one of the roles admin itself; rita holds none"):
        _approve(runtime, key_request, who="rita")
    export = _ask(runtime, who="carol", kind="bulk-export", params={}, scope="harbour")
    with pytest.raises(DualControlRefused, match="needs one of the roles operator-compliance itself; alice"):
        _approve(runtime, export, who="alice")
    with pytest.raises(DualControlRefused, match="Asking for 'key-rotation' needs one of the roles admin; rita"):
        _ask(runtime, who="rita")


def test_a_scoped_request_stays_with_its_operator(runtime: Any, people: None) -> None:
    export = _ask(runtime, who="carol", kind="bulk-export", params={}, scope="harbour")
    with pytest.raises(DualControlRefused, match="olga does not act for operator harbour"):
        _approve(runtime, export, who="olga")
    with pytest.raises(DualControlRefused, match="carol does not act for operator peak"):
        _ask(runtime, who="carol", kind="bulk-export", params={}, scope="peak")
    assert _approve(runtime, export, who="cody").state == "approved"
    with pytest.raises(InvalidInput, match="The export is of operator peak, but the request is for harbour"):
        _consume(runtime, export, who="carol", kind="bulk-export", params={"operator": "peak"})


def test_expired_before_a_decision_and_after_approval(runtime: Any, people: None, clock: Any) -> None:
    waiting = _ask(runtime)
    clock.advance(hours=runtime.settings.dual_control_valid_hours, seconds=1)
    with pytest.raises(ApprovalUnusable, match=f"Request {waiting} expired at .* without a decision; ask again"):
        _approve(runtime, waiting)
    approved = _ask(runtime)
    _approve(runtime, approved)
    clock.advance(hours=runtime.settings.dual_control_valid_hours - 1)
    assert _state(runtime, approved) == "approved"  # an approval is good for the hours after it was given
    clock.advance(hours=1)
    with pytest.raises(ApprovalUnusable, match=f"The approval of request {approved} expired at"):
        _consume(runtime, approved)
    with unit_of_work(runtime.session_factory) as session:
        assert dual_control.expire(session, clock=clock) == 2
        assert dual_control.expire(session, clock=clock) == 0
    assert _state(runtime, waiting) == _state(runtime, approved) == "expired"


def test_the_approval_covers_exactly_its_params_kind_and_requester(runtime: Any, people: None) -> None:
    request_id = _ask(runtime)
    _approve(runtime, request_id)
    with pytest.raises(ApprovalUnusable, match='approved {"key_id":"k2"}, not {"key_id":"k3"}'):
        _consume(runtime, request_id, params={"key_id": "k3"})
    with pytest.raises(ApprovalUnusable, match="approves 'key-rotation', not 'index-key-rotation'"):
        _consume(runtime, request_id, kind="index-key-rotation", params={})
    with pytest.raises(DualControlRefused, match="asked for by alice; the person who asked runs the operation, "
                                                 "not bob"):
        _consume(runtime, request_id, who="bob")
    assert _state(runtime, request_id) == "approved"
    assert _consume(runtime, request_id).state == "used"


def test_not_yet_approved_rejected_and_cancelled_requests_do_not_run(runtime: Any, people: None) -> None:
    pending = _ask(runtime)
    with pytest.raises(ApprovalUnusable, match=f"Request {pending} is pending, not approved and unused"):
        _consume(runtime, pending)
    with unit_of_work(runtime.session_factory) as session:
        rejected = dual_control.reject(session, clock=runtime.clock, user=_as(session, "bob"), request_id=pending,
                                       reason="not this month")
        assert (rejected.state, rejected.decision_reason) == ("rejected", "not this month")
    with pytest.raises(ApprovalUnusable, match="is rejected, not waiting for a decision"):
        _approve(runtime, pending)
    other = _ask(runtime)
    with unit_of_work(runtime.session_factory) as session, \
            pytest.raises(DualControlRefused, match=f"Only alice, who asked for request {other}, may cancel it"):
        dual_control.cancel(session, clock=runtime.clock, user=_as(session, "bob"), request_id=other)
    with unit_of_work(runtime.session_factory) as session:
        assert dual_control.cancel(session, clock=runtime.clock, user=_as(session, "alice"),
                                   request_id=other).state == "cancelled"
    with pytest.raises(ApprovalUnusable, match="is cancelled, not waiting for a decision"):
        _approve(runtime, other)


def test_bad_requests_are_refused_with_their_reason(runtime: Any, people: None) -> None:
    with pytest.raises(InvalidInput, match="There is no operation 'format-disk' under the two-person rule"):
        _ask(runtime, kind="format-disk")
    with pytest.raises(InvalidInput, match="Unknown parameter\\(s\\) colour; this operation takes key_id, retire"):
        _ask(runtime, params={"colour": "red"})
    with unit_of_work(runtime.session_factory) as session, \
            pytest.raises(InvalidInput, match="Give the reason for the request"):
        dual_control.request(session, clock=runtime.clock, settings=runtime.settings,
                             user=_as(session, "alice"), kind="key-rotation", params={}, reason="  ")
    with pytest.raises(NotFound, match="There is no two-person-rule request 4242"):
        _approve(runtime, 4242)


def test_the_requests_each_person_sees(runtime: Any, people: None) -> None:
    key = _ask(runtime)
    export = _ask(runtime, who="carol", kind="bulk-export", params={}, scope="harbour")
    with unit_of_work(runtime.session_factory) as session:
        def seen(name: str) -> set[int]:
            return {r.id for r in dual_control.visible_requests(session, user=_as(session, name))}

        assert seen("bob") == {key}
        assert seen("cody") == {export}
        assert seen("olga") == set()  # another operator's compliance officer
        assert seen("rita") == set()


# PostgreSQL only: SQLite lets one writer in at a time, so there is no race to lose
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_approvers_at_once_make_one_decision(runtime: Any, backend: str) -> None:
    make_people(runtime, "rita", "rex", "alice", "bob")
    request_id = _ask(runtime, who="rita", kind="policy-change",
                      params={"key": "retention.personal_data_days", "value": 365, "effective_from": "2030-01-01"})
    outcomes = _race(lambda who: _approve(runtime, request_id, who=who), ["rex", "bob"])
    assert sorted(outcomes) == ["approved", "refused"]
    with unit_of_work(runtime.session_factory) as session:
        assert len(list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "dual-control-approved")))) == 1


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_consumes_at_once_run_once(runtime: Any, backend: str) -> None:
    make_people(runtime, "alice", "bob")
    request_id = _ask(runtime)
    _approve(runtime, request_id)
    outcomes = _race(lambda who: _consume(runtime, request_id, who=who), ["alice", "alice"])
    assert sorted(outcomes) == ["refused", "used"]


def _race(step: Any, people: list[str]) -> list[str]:
    """Run STEP for each person in its own thread and transaction, released together."""
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def run(who: str) -> None:
        barrier.wait()
        try:
            outcomes.append(step(who).state)
        except ApprovalUnusable:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(who,)) for who in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_the_hourly_sweep_is_queued_once_an_hour_and_expires_what_ran_out(runtime: Any, people: None,
                                                                         clock: Any) -> None:
    from telreg.core import dual_control_jobs, jobs
    from telreg.core.job_handlers import load_handlers
    from telreg.core.models import Job

    load_handlers()
    assert dual_control_jobs.EXPIRE_JOB in jobs.HANDLERS and dual_control_jobs.EXPIRE_JOB in jobs.SCHEDULES
    request_id = _ask(runtime)

    def queued() -> list[str | None]:
        with unit_of_work(runtime.session_factory) as session:
            return list(session.scalars(select(Job.unique_key).where(Job.kind == dual_control_jobs.EXPIRE_JOB)
                                        .order_by(Job.id)))

    for _ in range(2):
        with unit_of_work(runtime.session_factory) as session:
            jobs.SCHEDULES[dual_control_jobs.EXPIRE_JOB](session, runtime)
    assert len(queued()) == 1
    clock.advance(hours=runtime.settings.dual_control_valid_hours + 1)
    with unit_of_work(runtime.session_factory) as session:
        jobs.SCHEDULES[dual_control_jobs.EXPIRE_JOB](session, runtime)
        jobs.HANDLERS[dual_control_jobs.EXPIRE_JOB](session, runtime, {})
    assert len(queued()) == 2
    assert _state(runtime, request_id) == "expired"
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "dual-control-expired")) == \
            "system:dual-control"
