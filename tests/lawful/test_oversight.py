"""The regulator's oversight queries and the transparency report, on the hand-built requests of
tests/lawful/oversight_helpers.py (its docstring's table is the world every expected figure below is derived from).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.core.models import AuditEvent, User
from telreg.lawful import oversight
from telreg.lawful.errors import ObjectNotFound, SeparationOfDuties, StepConflict
from telreg.lawful.oversight import Period, emergencies, rejections, report_wrong_person, requests_overview
from telreg.lawful.transparency import percentile, transparency_report
from telreg.runtime import Runtime
from tests.lawful.helpers import make_staff
from tests.lawful.oversight_helpers import TARGET_NUMBER, at, oversight_world

MARCH = {"date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}


def _user(session: Session, username: str) -> User:
    found = session.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


@pytest.fixture
def world(session: Session, runtime: Runtime) -> dict[str, Any]:
    make_staff(runtime, "ofca.regulator", "regulator")
    make_staff(runtime, "root.admin", "admin")
    return oversight_world(session, runtime)


# ---- the requests --------------------------------------------------------------------------------------


def test_every_request_newest_first_with_its_tasks_truth(session: Session, world: dict[str, Any]) -> None:
    overview = requests_overview(session)
    assert overview.total == 11
    # Filing times, newest first: A8 04-01 00:00, A7 03-31 23:59, A11 03-26, A10 03-25, A6 03-20, A5 03-15,
    # A4 03-12, A3 03-10, A2 03-05, A1 03-02, A9 02-28.
    assert [row.reference[-3:] for row in overview.rows] == [
        "008", "007", "011", "010", "006", "005", "004", "003", "002", "001", "009"]
    a1 = next(row for row in overview.rows if row.object_id == world["A1"].object_id)
    t1a, t1b = a1.tasks
    assert (a1.agency_code, a1.legal_type, a1.status) == ("hkpf", "Warrant", "Active")
    # T1a: filed 10:00 = routed (a warrant), approved 14:00 (4 h), released 16:00 by the second officer (2 h).
    assert (t1a.operator_code, t1a.status, t1a.approval_hours, t1a.release_hours) == ("op1", "Disclosed", 4.0, 2.0)
    assert (t1a.approved_by, t1a.released_by) == ("op1.compliance1", "op1.compliance2")
    # T1b: the truth (Rejected, not the agency's "DisclosureNotAvailable"), its reason and who rejected, when.
    assert (t1b.status, t1b.reason, t1b.rejected_by) == ("Rejected", "The warrant does not name this service",
                                                         "op2.compliance1")
    assert t1b.rejected_at == at(3, 3, 10) and t1b.request_type == "RegistrationHistory"
    # The target is shown by its format only.
    assert t1a.target_format == "InternationalE164" and TARGET_NUMBER not in repr(overview)


def test_approval_time_counts_from_routing_and_the_first_approval(session: Session, world: dict[str, Any]) -> None:
    rows = {row.object_id: row for row in requests_overview(session).rows}
    # T2c: filed 03-05 09:00; first approved 10:00 (1 h), that approval expired, approved again 03-06 11:00 and
    # released at 12:00: the release time counts from the approval released (1 h), not the first (26 h).
    t2c = rows[world["A2"].object_id].tasks[2]
    assert (t2c.reference, t2c.first_approved_at, t2c.approval_hours, t2c.release_hours) == (
        "LD-2c", at(3, 5, 10), 1.0, 1.0)
    # T3, an emergency: routed when endorsed (08:30, not filed 08:00), approved and released at 09:30 at once.
    t3 = rows[world["A3"].object_id].tasks[0]
    assert (t3.routed_at, t3.approval_hours, t3.release_hours) == (at(3, 10, 8, 30), 1.0, 0.0)
    # T2a matched nothing: routed nowhere, never approved.
    t2a = rows[world["A2"].object_id].tasks[0]
    assert (t2a.operator_code, t2a.status, t2a.approval_hours) == (None, "DisclosureNotAvailable", None)


@pytest.mark.parametrize(("filters", "expected"), [
    ({"status": "Rejected"}, ["006", "002", "001"]),  # A6 refused endorsement; T2b, T1b rejected
    ({"operator": "op2"}, ["010", "004", "001", "009"]),  # T10, T4, T1b, T9
    ({"agency": "icac"}, ["005", "002", "009"]),
    ({"legal_type": "Emergency"}, ["010", "006", "005", "004", "003"]),
    ({"status": "AwaitingApproval", "operator": "op1"}, ["008", "007"]),
    ({"status": "Cancelled"}, ["011", "006"]),  # A11, and T6 withdrawn when A6 was refused endorsement
    ({"agency": "nobody"}, []),
])
def test_filters(session: Session, world: dict[str, Any], filters: dict[str, str], expected: list[str]) -> None:
    overview = requests_overview(session, **filters)
    assert [row.reference[-3:] for row in overview.rows] == expected
    assert overview.total == len(expected)


def test_paging(session: Session, world: dict[str, Any]) -> None:
    page = requests_overview(session, limit=3, offset=3)
    assert page.total == 11 and [row.reference[-3:] for row in page.rows] == ["010", "006", "005"]
    assert requests_overview(session, limit=3, offset=30).rows == []


def test_an_unknown_filter_value_is_refused_with_the_values_allowed(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        requests_overview(session, status="Approved")
    assert refused.value.message.startswith("Status: 'Approved' is not one of AwaitingApproval, Active, Rejected")
    with pytest.raises(InvalidInput, match="Legal type: 'Court order' is not one of Warrant, Emergency."):
        requests_overview(session, legal_type="Court order")


def test_rejections_with_their_reasons_newest_first(session: Session, world: dict[str, Any]) -> None:
    found = rejections(session)
    assert oversight.count_rejections(session) == 3
    # A6's refused endorsement 03-20 10:30, T2b rejected 03-05 12:00, T1b rejected 03-03 10:00.
    assert [(row.step, row.task_reference, row.operator_code, row.actor, row.reason) for row in found] == [
        ("refuse-endorsement", None, None, "le.supervisor", "No imminent threat shown"),
        ("reject", "LD-2b", "op1", "op1.compliance1", "Two holders in the window"),
        ("reject", "LD-1b", "op2", "op2.compliance1", "The warrant does not name this service")]
    assert [row.task_reference for row in rejections(session, limit=1, offset=1)] == ["LD-2b"]


# ---- emergencies ---------------------------------------------------------------------------------------


def test_each_emergency_with_its_backing_and_outcome(session: Session, world: dict[str, Any]) -> None:
    found = {row.reference: row for row in emergencies(session)}
    assert [row.reference for row in emergencies(session)] == [
        "HKPF-E-010", "HKPF-E-006", "ICAC-E-005", "HKPF-E-004", "HKPF-E-003"]
    outcomes = {reference: row.outcome for reference, row in found.items()}
    assert outcomes == {
        "HKPF-E-003": "backed-in-time",  # backed 03-11 09:00, due 03-12 09:30
        "HKPF-E-004": "revoked",  # never backed: revoked and escalated at 03-14 22:05
        "ICAC-E-005": "backed-late",  # due 03-17 11:00, the warrant came 03-18 09:00
        "HKPF-E-006": "not-released",  # endorsement refused: nothing reached an operator
        "HKPF-E-010": "pending",  # released 03-25 11:00, due 03-27 11:00, not backed yet
    }
    a4 = found["HKPF-E-004"]
    assert (a4.endorsed_at, a4.first_released_at, a4.backing_due_at, a4.escalated_at) == (
        at(3, 12, 20, 15), at(3, 12, 22), at(3, 14, 22), at(3, 14, 22, 5))
    assert found["HKPF-E-006"].first_released_at is None
    assert emergencies(session, period=Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == []
    assert [row.reference for row in emergencies(session, period=Period(dt.date(2026, 3, 12),
                                                                          dt.date(2026, 3, 15)))] == [
        "ICAC-E-005", "HKPF-E-004"]


# ---- the transparency report ---------------------------------------------------------------------------


def test_the_march_report(session: Session, runtime: Runtime, world: dict[str, Any]) -> None:
    report_wrong_person(session, clock=FixedClock(at(3, 20, 9)), user=_user(session, "ofca.regulator"),
                        task_object_id=world["T1a"].object_id, note="The number had been reassigned")
    report_wrong_person(session, clock=FixedClock(at(3, 31, 23, 59)), user=_user(session, "ofca.regulator"),
                        task_object_id=world["T4"].object_id, note="Released about a former holder")
    report_wrong_person(session, clock=FixedClock(at(4, 1)), user=_user(session, "ofca.regulator"),
                        task_object_id=world["T9"].object_id, note="Reported in April")
    report = transparency_report(session, **MARCH)
    # Filed in March: A1-A7, A10, A11 (A7 at 23:59 on the 31st is in; A8 at 00:00 on 04-01 and A9 on 02-28 not).
    assert (report.authorisations, report.tasks) == (9, 12)
    assert report.by_legal_type == {"Warrant": 4, "Emergency": 5}  # A1 A2 A7 A11 / A3 A4 A5 A6 A10
    assert report.by_agency == {"hkpf": 7, "icac": 2}  # icac: A2, A5
    assert report.by_request_type == {"SubscriberData": 11, "RegistrationHistory": 1}  # T1b
    # op1: T1a T2b T2c T3 T5 T7 T11; op2: T1b T4 T10; routed nowhere: T2a (no records), T6 (never endorsed).
    assert list(report.by_operator.items()) == [("op1", 7), ("op2", 3), ("(none)", 2)]  # the operators, then none
    assert report.by_outcome == {
        "disclosed": 5,  # T1a T2c T3 T5 T10
        "no-records": 1,  # T2a
        "rejected": 3,  # T1b T2b, and T6 (Cancelled) whose emergency was refused endorsement
        "cancelled": 1,  # T11
        "invalid": 1,  # T4, revoked
        "pending": 1,  # T7
    }
    assert report.emergencies == {"backed-in-time": 1, "backed-late": 1, "revoked": 1, "not-released": 1,
                                  "pending": 1}
    # Decided tasks, filed → release or rejection, in hours: T5 1, T10 1, T3 1.5, T4 2, T2b 3, T1a 6, T1b 24,
    # T2c 27 (T6 was never before an operator). Median of 8 = (2 + 3) / 2; 90th percentile: rank ceil(7.2) = 8.
    assert report.response_hours == [1.0, 1.0, 1.5, 2.0, 3.0, 6.0, 24.0, 27.0]
    assert (report.decided, report.median_response_hours, report.p90_response_hours) == (8, 2.5, 27.0)
    assert report.ambiguous_refused == 1  # T2b
    assert report.wrong_person_reported == 2  # T1a and T4 reported in March; T9's report came on 04-01


def test_the_period_boundaries(session: Session, world: dict[str, Any]) -> None:
    # One day: only A7, filed at 23:59 on the last day of March, still open.
    last_day = transparency_report(session, date_from=dt.date(2026, 3, 31), date_to=dt.date(2026, 3, 31))
    assert (last_day.authorisations, last_day.by_outcome["pending"], last_day.decided) == (1, 1, 0)
    assert (last_day.median_response_hours, last_day.p90_response_hours) == (None, None)
    # February: A9 alone, filed 02-28 23:59 and released 03-01 10:00: 10 h 1 min = 10.02 h.
    february = transparency_report(session, date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 2, 28))
    assert (february.authorisations, february.by_outcome["disclosed"], february.by_operator) == (
        1, 1, {"op1": 0, "op2": 1})
    assert (february.median_response_hours, february.p90_response_hours) == (10.02, 10.02)
    # April the 1st: A8 at 00:00.
    april = transparency_report(session, date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 30))
    assert (april.authorisations, april.by_legal_type) == (1, {"Warrant": 1, "Emergency": 0})


def test_an_empty_period_has_every_category_at_zero(session: Session) -> None:
    report = transparency_report(session, **MARCH)
    assert report.tasks == 0 and set(report.by_outcome.values()) == {0}
    assert list(report.by_outcome) == ["disclosed", "no-records", "rejected", "cancelled", "invalid", "pending"]
    assert report.median_response_hours is None and report.emergencies["pending"] == 0


def test_a_period_that_ends_before_it_starts_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match=r"The period ends \(2026-03-01\) before it starts \(2026-03-31\)\."):
        transparency_report(session, date_from=dt.date(2026, 3, 31), date_to=dt.date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="A period is at most 3660 days long."):
        Period(dt.date(2000, 1, 1), dt.date(2026, 1, 1))


def test_percentile_by_nearest_rank() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0  # rank ceil(9.0) = 9
    assert percentile([float(n) for n in range(1, 12)], 0.9) == 10.0  # rank ceil(9.9) = 10
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0


# ---- wrong-person incidents ----------------------------------------------------------------------------


def test_a_wrong_person_report_is_an_audit_event_without_the_target(session: Session, runtime: Runtime,
                                                                    world: dict[str, Any]) -> None:
    event = report_wrong_person(session, clock=runtime.clock, user=_user(session, "ofca.regulator"),
                                task_object_id=world["T1a"].object_id, note="  The number had been reassigned ")
    assert (event.action, event.subject_type, event.subject_key) == (
        "lawful-wrong-person-reported", "la-task", world["T1a"].object_id)
    assert event.actor == "ofca.regulator"  # as the other lawful-access events name their actors
    assert event.details == {"authorisation": world["A1"].object_id, "operator": "op1",
                             "task_reference": "LD-1a", "note": "The number had been reassigned"}
    assert TARGET_NUMBER not in repr(event.details)
    # A revoked emergency's task was disclosed before it was revoked: it may be reported too.
    report_wrong_person(session, clock=runtime.clock, user=_user(session, "ofca.regulator"),
                        task_object_id=world["T4"].object_id, note="Released about a former holder")


@pytest.mark.parametrize(("task", "error", "message"), [
    ("T7", StepConflict, "Task LD-7 was not disclosed, so it cannot have concerned the wrong person."),
    ("T2a", StepConflict, "Task LD-2a was not disclosed, so it cannot have concerned the wrong person."),
    ("T1b", StepConflict, "Task LD-1b was not disclosed, so it cannot have concerned the wrong person."),
    ("nope", ObjectNotFound, "There is no lawful-access task nope."),
])
def test_only_a_disclosed_task_can_be_reported(session: Session, runtime: Runtime, world: dict[str, Any],
                                               task: str, error: type[Exception], message: str) -> None:
    object_id = world[task].object_id if task in world else task
    with pytest.raises(error) as refused:
        report_wrong_person(session, clock=runtime.clock, user=_user(session, "ofca.regulator"),
                            task_object_id=object_id, note="Wrong person")
    assert str(refused.value) == message


def test_a_report_needs_a_note_the_regulator_and_comes_once(session: Session, runtime: Runtime,
                                                            world: dict[str, Any]) -> None:
    regulator = _user(session, "ofca.regulator")
    task = world["T1a"].object_id
    with pytest.raises(InvalidInput, match=r"Say in a note what went wrong \(without naming the person\)\."):
        report_wrong_person(session, clock=runtime.clock, user=regulator, task_object_id=task, note="   ")
    with pytest.raises(InvalidInput, match="The note is 2001 characters long; at most 2000 are kept."):
        report_wrong_person(session, clock=runtime.clock, user=regulator, task_object_id=task, note="x" * 2001)
    with pytest.raises(SeparationOfDuties, match="This needs the 'regulator' role"):
        report_wrong_person(session, clock=runtime.clock, user=_user(session, "root.admin"), task_object_id=task,
                            note="An administrator is not the regulator")
    report_wrong_person(session, clock=runtime.clock, user=regulator, task_object_id=task, note="Reassigned")
    with pytest.raises(StepConflict, match="A wrong-person incident is recorded for task LD-1a already."):
        report_wrong_person(session, clock=runtime.clock, user=regulator, task_object_id=task, note="Again")


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_regulators_reporting_one_task_at_once_record_it_once(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        task_id = oversight_world(session, runtime)["T1a"].object_id
    for name in ("ofca.one", "ofca.two"):
        make_staff(runtime, name, "regulator")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def report(name: str) -> None:
        try:
            with unit_of_work(runtime.session_factory) as session:
                user = _user(session, name)
                barrier.wait(timeout=10)
                report_wrong_person(session, clock=runtime.clock, user=user, task_object_id=task_id,
                                    note=f"Seen by {name}")
            outcomes.append("recorded")
        except StepConflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=report, args=(name,)) for name in ("ofca.one", "ofca.two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["recorded", "refused"]
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "lawful-wrong-person-reported")) == 1
