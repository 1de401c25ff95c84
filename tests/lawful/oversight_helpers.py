"""Rows of lawful access built directly (not through service.py), for the oversight and transparency tests.

``make_*`` insert one row with the fields the state machines of hi1/dictionaries.py imply; ``oversight_world``
builds the set of requests every oversight test reasons about (the table below), in the caller's session
(flushed, not committed) — wrap it in ``unit_of_work`` for the API and the pages.

    auth  agency legal      filed (HK)        status      tasks (operator, status, times)
    A1    hkpf   Warrant    03-02 10:00       Active      T1a op1 Disclosed (approved 14:00, released 16:00)
                                                          T1b op2 Rejected 03-03 10:00 "reason", RegistrationHistory
    A2    icac   Warrant    03-05 09:00       Active      T2a —   DisclosureNotAvailable (no records)
                                                          T2b op1 Rejected 03-05 12:00, ambiguous match
                                                          T2c op1 Disclosed (approved 03-05 10:00, expired 03-06
                                                              10:00, approved again 11:00, released 12:00)
    A3    hkpf   Emergency  03-10 08:00       Active      T3 op1 Disclosed 09:30 (endorsed 08:30); backed 03-11 09:00,
                                                             due 03-12 09:30: backed in time
    A4    hkpf   Emergency  03-12 20:00       Invalid     T4 op2 Invalid (released 22:00, due 03-14 22:00, revoked
                                                             and escalated 03-14 22:05)
    A5    icac   Emergency  03-15 10:00       Active      T5 op1 Disclosed 11:00 (due 03-17 11:00, backed 03-18 09:00:
                                                             late)
    A6    hkpf   Emergency  03-20 10:00       Rejected    T6 —   Cancelled (endorsement refused 10:30, never routed)
    A7    hkpf   Warrant    03-31 23:59       Active      T7 op1 AwaitingApproval (the period's last minute)
    A8    hkpf   Warrant    04-01 00:00       Active      T8 op1 AwaitingApproval (the next period's first minute)
    A9    icac   Warrant    02-28 23:59       Active      T9 op2 Disclosed 03-01 10:00 (the previous period)
    A10   hkpf   Emergency  03-25 10:00       Active      T10 op2 Disclosed 11:00 (endorsed 10:05, due 03-27 11:00)
    A11   hkpf   Warrant    03-26 09:00       Cancelled   T11 op1 Cancelled

Every task's target is a real vault token of ``TARGET_NUMBER``: the oversight must never show it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.clock import HK
from telreg.lawful.agencies import add_agency
from telreg.lawful.hi1.dictionaries import (
    ACTIVE,
    AWAITING_APPROVAL,
    CANCELLED,
    DISCLOSED,
    DISCLOSURE_NOT_AVAILABLE,
    EMERGENCY,
    INTERNATIONAL_E164,
    INVALID,
    REGISTRATION_HISTORY,
    REJECTED,
    SUBSCRIBER_DATA,
    WARRANT,
)
from telreg.lawful.models import Agency, Authorisation, Decision, Task
from telreg.realname.models import Operator
from telreg.runtime import Runtime
from tests.realname.registration.helpers import make_operator

TARGET_NUMBER = "85291234567"


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An instant of 2026, Hong Kong time."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=HK)


def make_operators(runtime: Runtime, *codes: str) -> None:
    for code in codes:
        make_operator(runtime, code, f"Operator {code[-1]}")


def operator_id(session: Session, code: str) -> int:
    found = session.scalar(select(Operator.id).where(Operator.code == code))
    assert found is not None, f"no operator {code}"
    return found


def make_agency(session: Session, runtime: Runtime, code: str, name: str) -> Agency:
    return add_agency(session, clock=runtime.clock, code=code, name=name)


def make_authorisation(session: Session, agency: Agency, *, reference: str, filed_at: dt.datetime,
                       legal_type: str = WARRANT, status: str = ACTIVE, **fields: Any) -> Authorisation:
    emergency = legal_type == EMERGENCY
    values: dict[str, Any] = {
        "object_id": str(uuid.uuid4()), "agency_id": agency.id, "reference": reference, "legal_type": legal_type,
        "issuing_authority": "Duty superintendent" if emergency else "Eastern Magistrates' Court",
        "grounds": "A life is at risk" if emergency else None,
        "timespan_start": filed_at - dt.timedelta(days=90), "timespan_end": filed_at,
        "status": status, "filed_by": "le.officer", "filed_at": filed_at, "updated_at": filed_at,
    }
    row = Authorisation(**(values | fields))
    session.add(row)
    session.flush()
    return row


def make_task(session: Session, runtime: Runtime, authorisation: Authorisation, *, reference: str, status: str,
              operator: str | None = None, **fields: Any) -> Task:
    routed = authorisation.endorsed_at or authorisation.filed_at
    values: dict[str, Any] = {
        "object_id": str(uuid.uuid4()), "authorisation_id": authorisation.id, "reference": reference,
        "request_type": SUBSCRIBER_DATA, "target_format": INTERNATIONAL_E164,
        "target_sealed": runtime.vault.seal("la_tasks.target", TARGET_NUMBER),
        "target_index": hashlib.sha256(TARGET_NUMBER.encode()).hexdigest(),
        "window_start": authorisation.timespan_start, "window_end": authorisation.timespan_end,
        "operator_id": operator_id(session, operator) if operator else None, "status": status,
        "match_outcome": "single" if operator else "none", "match_count": 1 if operator else 0,
        "created_at": routed, "updated_at": routed,
    }
    row = Task(**(values | fields))
    session.add(row)
    session.flush()
    return row


def decide(session: Session, authorisation: Authorisation, step: str, *, actor: str, when: dt.datetime,
           task: Task | None = None, reason: str | None = None) -> Decision:
    row = Decision(authorisation_id=authorisation.id, task_id=task.id if task else None, step=step, actor=actor,
                   operator_id=task.operator_id if task else None, reason=reason, at=when)
    session.add(row)
    session.flush()
    return row


def disclose(session: Session, runtime: Runtime, authorisation: Authorisation, *, reference: str, operator: str,
             approved: dt.datetime, released: dt.datetime, status: str = DISCLOSED, **fields: Any) -> Task:
    """A task approved by one compliance officer and released by another (the same one for an emergency)."""
    emergency = authorisation.legal_type == EMERGENCY
    approver = f"{operator}.compliance1"
    releaser = approver if emergency else f"{operator}.compliance2"
    task = make_task(session, runtime, authorisation, reference=reference, status=status, operator=operator,
                     approved_by=approver, approved_at=approved, released_by=releaser, released_at=released,
                     updated_at=released, **fields)
    decide(session, authorisation, "approve", actor=approver, when=approved, task=task, reason="Warrant in order")
    decide(session, authorisation, "release", actor=releaser, when=released, task=task)
    return task


def reject(session: Session, runtime: Runtime, authorisation: Authorisation, *, reference: str, operator: str,
           when: dt.datetime, reason: str, **fields: Any) -> Task:
    task = make_task(session, runtime, authorisation, reference=reference, status=REJECTED, operator=operator,
                     reason=reason, updated_at=when, **fields)
    decide(session, authorisation, "reject", actor=f"{operator}.compliance1", when=when, task=task, reason=reason)
    return task


def oversight_world(session: Session, runtime: Runtime) -> dict[str, Any]:
    """The requests of the module docstring's table; returns their rows by name (A1…, T1a…)."""
    make_operators(runtime, "op1", "op2")
    hkpf = make_agency(session, runtime, "hkpf", "Hong Kong Police Force")
    icac = make_agency(session, runtime, "icac", "Independent Commission Against Corruption")
    w: dict[str, Any] = {}
    w["A1"] = a1 = make_authorisation(session, hkpf, reference="HKPF-W-001", filed_at=at(3, 2, 10))
    w["T1a"] = disclose(session, runtime, a1, reference="LD-1a", operator="op1", approved=at(3, 2, 14),
                        released=at(3, 2, 16))
    w["T1b"] = reject(session, runtime, a1, reference="LD-1b", operator="op2", when=at(3, 3, 10),
                      reason="The warrant does not name this service", request_type=REGISTRATION_HISTORY)

    w["A2"] = a2 = make_authorisation(session, icac, reference="ICAC-W-002", filed_at=at(3, 5, 9))
    w["T2a"] = make_task(session, runtime, a2, reference="LD-2a", status=DISCLOSURE_NOT_AVAILABLE)
    w["T2b"] = reject(session, runtime, a2, reference="LD-2b", operator="op1", when=at(3, 5, 12),
                      reason="Two holders in the window", match_outcome="ambiguous", match_count=2)
    w["T2c"] = t2c = disclose(session, runtime, a2, reference="LD-2c", operator="op1", approved=at(3, 6, 11),
                              released=at(3, 6, 12))
    decide(session, a2, "approve", actor="op1.compliance1", when=at(3, 5, 10), task=t2c, reason="In order")
    decide(session, a2, "approval-expired", actor="system", when=at(3, 6, 10), task=t2c)

    w["A3"] = a3 = make_authorisation(session, hkpf, reference="HKPF-E-003", filed_at=at(3, 10, 8),
                                      legal_type=EMERGENCY, endorsed_by="le.supervisor", endorsed_at=at(3, 10, 8, 30),
                                      backing_due_at=at(3, 12, 9, 30), backed_at=at(3, 11, 9),
                                      emergency_outcome="backed")
    w["T3"] = disclose(session, runtime, a3, reference="LD-3", operator="op1", approved=at(3, 10, 9, 30),
                       released=at(3, 10, 9, 30))

    w["A4"] = a4 = make_authorisation(session, hkpf, reference="HKPF-E-004", filed_at=at(3, 12, 20),
                                      legal_type=EMERGENCY, status=INVALID, endorsed_by="le.supervisor",
                                      endorsed_at=at(3, 12, 20, 15), backing_due_at=at(3, 14, 22),
                                      emergency_outcome="revoked", escalated_at=at(3, 14, 22, 5))
    w["T4"] = t4 = disclose(session, runtime, a4, reference="LD-4", operator="op2", approved=at(3, 12, 22),
                            released=at(3, 12, 22), status=INVALID)
    decide(session, a4, "revoke", actor="system", when=at(3, 14, 22, 5), task=t4, reason="Not backed in time")

    w["A5"] = a5 = make_authorisation(session, icac, reference="ICAC-E-005", filed_at=at(3, 15, 10),
                                      legal_type=EMERGENCY, endorsed_by="icac.supervisor",
                                      endorsed_at=at(3, 15, 10, 10), backing_due_at=at(3, 17, 11),
                                      backed_at=at(3, 18, 9))
    w["T5"] = disclose(session, runtime, a5, reference="LD-5", operator="op1", approved=at(3, 15, 11),
                       released=at(3, 15, 11))

    w["A6"] = a6 = make_authorisation(session, hkpf, reference="HKPF-E-006", filed_at=at(3, 20, 10),
                                      legal_type=EMERGENCY, status=REJECTED)
    w["T6"] = make_task(session, runtime, a6, reference="LD-6", status=CANCELLED, match_outcome=None)
    decide(session, a6, "refuse-endorsement", actor="le.supervisor", when=at(3, 20, 10, 30),
           reason="No imminent threat shown")

    w["A7"] = a7 = make_authorisation(session, hkpf, reference="HKPF-W-007", filed_at=at(3, 31, 23, 59))
    w["T7"] = make_task(session, runtime, a7, reference="LD-7", status=AWAITING_APPROVAL, operator="op1")
    w["A8"] = a8 = make_authorisation(session, hkpf, reference="HKPF-W-008", filed_at=at(4, 1))
    w["T8"] = make_task(session, runtime, a8, reference="LD-8", status=AWAITING_APPROVAL, operator="op1")
    w["A9"] = a9 = make_authorisation(session, icac, reference="ICAC-W-009", filed_at=at(2, 28, 23, 59))
    w["T9"] = disclose(session, runtime, a9, reference="LD-9", operator="op2", approved=at(3, 1, 9),
                       released=at(3, 1, 10))

    w["A10"] = a10 = make_authorisation(session, hkpf, reference="HKPF-E-010", filed_at=at(3, 25, 10),
                                        legal_type=EMERGENCY, endorsed_by="le.supervisor",
                                        endorsed_at=at(3, 25, 10, 5), backing_due_at=at(3, 27, 11))
    w["T10"] = disclose(session, runtime, a10, reference="LD-10", operator="op2", approved=at(3, 25, 11),
                        released=at(3, 25, 11))
    w["A11"] = a11 = make_authorisation(session, hkpf, reference="HKPF-W-011", filed_at=at(3, 26, 9),
                                        status=CANCELLED)
    w["T11"] = make_task(session, runtime, a11, reference="LD-11", status=CANCELLED, operator="op1")
    return w
