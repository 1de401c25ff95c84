"""The worker's pass over lawful access: approvals that expired, emergencies not backed in time, results past time.

- An approval past ``approval_expires_at`` that nobody released: the task goes back to AwaitingApproval (Decision
  ``approval-expired``); a new approval (possibly by someone else) starts again.
- An emergency authorisation whose ``backing_due_at`` passed without a warrant in time (``emergency_outcome`` still
  empty): every result of it is destroyed (shredded, ``destroyed_reason="emergency-not-backed"``), its tasks that
  were released — and those still open, which can no longer proceed — become Invalid (Decision ``revoke``), the
  authorisation becomes Invalid with ``emergency_outcome="revoked"`` and ``escalated_at``, and the audit event
  ``lawful-emergency-escalated`` refers it to the regulator (the oversight page lists them).
- A result past ``expires_at``: destroyed (state ``expired``).

Idempotent, and safe with two workers at once: every change is a conditional UPDATE, and only the worker whose
UPDATE changed the row writes the Decision and the audit event.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.lawful import repository, results
from telreg.lawful.hi1.dictionaries import (
    ACTIVE,
    AWAITING_APPROVAL,
    AWAITING_DISCLOSURE,
    DISCLOSED,
    INVALID,
    OPEN_TASK_STATUSES,
)
from telreg.lawful.models import Authorisation, Decision, Task
from telreg.lawful.results import TASK_SUBJECT
from telreg.runtime import Runtime

__all__ = ["SYSTEM", "sweep"]

SYSTEM = "system"


def sweep(session: Session, *, runtime: Runtime) -> dict[str, int]:
    counts = {"approvals_expired": _expire_approvals(session, runtime),
              "emergencies_revoked": _revoke_emergencies(session, runtime),
              "results_expired": 0}
    clock = runtime.clock
    for result in repository.results_expired(session, clock.now()):
        task = session.get(Task, result.task_id)
        if task is not None and results.destroy(session, clock=clock, task=task, reason="expired", actor=SYSTEM):
            counts["results_expired"] += 1
    return counts


def _expire_approvals(session: Session, runtime: Runtime) -> int:
    now, done = runtime.clock.now(), 0
    for task in repository.approvals_expired(session, now):
        approver = task.approved_by
        if not repository.set_where(session, Task, task.id, where={"status": AWAITING_DISCLOSURE,
                                                                   "approved_by": approver},
                                    status=AWAITING_APPROVAL, approved_by=None, approved_at=None,
                                    approval_expires_at=None, updated_at=now):
            continue
        session.add(Decision(authorisation_id=task.authorisation_id, task_id=task.id, step="approval-expired",
                             actor=SYSTEM, operator_id=task.operator_id, reason=None, at=now))
        audit.record(session, clock=runtime.clock, actor=SYSTEM, action="lawful-approval-expired",
                     subject_type=TASK_SUBJECT, subject_key=task.object_id,
                     details={"reference": task.reference, "approved_by": approver})
        done += 1
    return done


def _revoke_emergencies(session: Session, runtime: Runtime) -> int:
    now, done = runtime.clock.now(), 0
    for authorisation in repository.emergencies_overdue(session, now):
        if not repository.set_where(session, Authorisation, authorisation.id,
                                    where={"status": ACTIVE, "emergency_outcome": None}, status=INVALID,
                                    emergency_outcome="revoked", escalated_at=now, updated_at=now):
            continue
        destroyed = revoked = 0
        for task in repository.tasks_of(session, authorisation.id):
            if results.destroy(session, clock=runtime.clock, task=task, reason="emergency-not-backed", actor=SYSTEM):
                destroyed += 1
            if repository.set_where(session, Task, task.id, status_in=(DISCLOSED, *OPEN_TASK_STATUSES),
                                    status=INVALID, updated_at=now):
                revoked += 1
                session.add(Decision(authorisation_id=authorisation.id, task_id=task.id, step="revoke",
                                     actor=SYSTEM, operator_id=task.operator_id,
                                     reason="emergency not backed by a warrant in time", at=now))
        audit.record(session, clock=runtime.clock, actor=SYSTEM, action="lawful-emergency-escalated",
                     subject_type="la-authorisation", subject_key=authorisation.object_id,
                     details={"reference": authorisation.reference,
                              "backing_due_at": authorisation.backing_due_at.isoformat()
                              if authorisation.backing_due_at else None,
                              "results_destroyed": destroyed, "tasks_invalid": revoked})
        done += 1
    return done
