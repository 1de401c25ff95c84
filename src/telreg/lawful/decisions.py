"""The people's steps: a supervisor endorses an emergency; an operator's compliance officers approve, reject, release.

Vault mode (two persons): a warrant task is approved by one compliance officer of the task's operator
(AwaitingDisclosure, good for ``approval_valid_hours``) and released by a **second** one before the approval
expires (Disclosed, the result built). An emergency task is released by its one approval (the approver is the
releaser) and its authorisation's clock starts: ``backing_due_at`` = first release + ``emergency_backing_hours``,
unless a warrant backs it already.

Separation of duties: nobody decides on a request they filed or endorsed, nor on one of the agency they act for (an
account may hold an agency's and an operator's role); the releaser is not the approver. An ambiguous match is never
approved. Each step is a Decision row and an audit event (subject ``la-task``, the task's ObjectIdentifier; never
the target), and each state change is a conditional UPDATE: of two officers acting at once, one wins and the other
is told the step was taken.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.users import COMPLIANCE_ROLE
from telreg.lawful import matching, repository, results
from telreg.lawful.deps import LE_SUPERVISOR, REGULATOR, require_exact_role
from telreg.lawful.errors import (
    AmbiguousMatch,
    ObjectNotFound,
    RequestInvalid,
    SeparationOfDuties,
    StepConflict,
)
from telreg.lawful.hi1.dictionaries import (
    ACTIVE,
    AWAITING_APPROVAL,
    AWAITING_DISCLOSURE,
    CANCELLED,
    DISCLOSED,
    EMERGENCY,
    OPEN_TASK_STATUSES,
    REJECTED,
    WARRANT,
)
from telreg.lawful.models import Agency, Authorisation, Decision, Task
from telreg.lawful.views import MatchPreview
from telreg.realname.policy.overrides import effective_policy
from telreg.runtime import Runtime

__all__ = ["approve", "endorse", "preview", "refuse_endorsement", "reject", "release"]

AUTHORISATION_SUBJECT, TASK_SUBJECT = "la-authorisation", "la-task"
REASON_MAX = 2000


# ---- the agency's supervisor ----------------------------------------------------------------------------------


def endorse(session: Session, *, runtime: Runtime, user: User, object_id: str, note: str | None = None) -> None:
    require_exact_role(user, LE_SUPERVISOR)
    authorisation = _awaiting_emergency(session, user, object_id)
    now = runtime.clock.now()
    if not repository.set_where(session, Authorisation, authorisation.id, where={"status": AWAITING_APPROVAL},
                                status=ACTIVE, endorsed_by=user.username, endorsed_at=now, updated_at=now):
        raise _taken(authorisation.reference)
    note = (note or "").strip()[:REASON_MAX] or None
    _decide(session, runtime, authorisation, None, "endorse", user, note, action="lawful-authorisation-endorsed")
    matching.route_authorisation(session, vault=runtime.vault, clock=runtime.clock, authorisation=authorisation,
                                 actor=user.username)


def refuse_endorsement(session: Session, *, runtime: Runtime, user: User, object_id: str, reason: str) -> None:
    require_exact_role(user, LE_SUPERVISOR)
    reason = _reason(reason)
    authorisation = _awaiting_emergency(session, user, object_id)
    now = runtime.clock.now()
    if not repository.set_where(session, Authorisation, authorisation.id, where={"status": AWAITING_APPROVAL},
                                status=REJECTED, updated_at=now):
        raise _taken(authorisation.reference)
    for task in repository.tasks_of(session, authorisation.id):  # nothing reaches an operator
        repository.set_where(session, Task, task.id, status_in=OPEN_TASK_STATUSES, status=CANCELLED, updated_at=now)
    _decide(session, runtime, authorisation, None, "refuse-endorsement", user, reason,
            action="lawful-authorisation-refused")


def _awaiting_emergency(session: Session, user: User, object_id: str) -> Authorisation:
    agency = repository.agency_by_code(session, user.agency_code or "")
    authorisation = (repository.authorisation(session, object_id, agency_id=agency.id, for_update=True)
                     if agency is not None else None)
    if authorisation is None:
        raise ObjectNotFound(N_("There is no object %(object_id)s of your agency."), object_id=object_id)
    if authorisation.legal_type != EMERGENCY or authorisation.status != AWAITING_APPROVAL:
        raise StepConflict(N_("Authorisation %(reference)s is not an emergency request awaiting endorsement."),
                           reference=authorisation.reference)
    if authorisation.filed_by == user.username:
        raise SeparationOfDuties(N_("You filed authorisation %(reference)s yourself: another supervisor of your "
                                    "agency must endorse it."), reference=authorisation.reference)
    return authorisation


# ---- the operator's compliance officers ----------------------------------------------------------------------


def preview(session: Session, *, user: User, task_object_id: str) -> MatchPreview:
    task, authorisation = _visible_task(session, user, task_object_id, regulator=True)
    holders = {r.identity_id for r in repository.task_records(session, task.id)}
    operator = repository.operator(session, task.operator_id) if task.operator_id is not None else None
    return MatchPreview(
        task_object_id=task.object_id, operator_code=operator.code if operator else None,
        match_outcome=task.match_outcome or "none", record_count=task.match_count, holder_count=len(holders),
        window_start=task.window_start, window_end=task.window_end, request_type=task.request_type,
        legal_type=authorisation.legal_type, has_warrant_document=repository.has_document(session, authorisation.id))


def approve(session: Session, *, runtime: Runtime, user: User, task_object_id: str, reason: str) -> None:
    require_exact_role(user, COMPLIANCE_ROLE)
    task, authorisation = _visible_task(session, user, task_object_id)
    reason = _reason(reason)
    _separate(session, user, authorisation)
    if task.status != AWAITING_APPROVAL or authorisation.status != ACTIVE:
        raise _not_awaiting(task)
    if task.match_outcome != "single":
        raise AmbiguousMatch(N_("Task %(reference)s matches the records of %(holders)s different holders in its "
                                "window (the number changed hands): it cannot be approved, because the records of "
                                "the wrong person could be released. Reject it, so the agency can ask again with a "
                                "narrower window."), reference=task.reference,
                             holders=len({r.identity_id for r in repository.task_records(session, task.id)}))
    now = runtime.clock.now()
    hours = effective_policy(session, runtime.settings, clock=runtime.clock).lawful_access
    if authorisation.legal_type == WARRANT:
        if not repository.set_where(session, Task, task.id, where={"status": AWAITING_APPROVAL},
                                    status=AWAITING_DISCLOSURE, approved_by=user.username, approved_at=now,
                                    approval_expires_at=now + dt.timedelta(hours=hours.approval_valid_hours),
                                    updated_at=now):
            raise _taken(task.reference)
        _decide(session, runtime, authorisation, task, "approve", user, reason, action="lawful-task-approved")
        return
    if not repository.set_where(session, Task, task.id, where={"status": AWAITING_APPROVAL}, status=DISCLOSED,
                                approved_by=user.username, approved_at=now, released_by=user.username,
                                released_at=now, updated_at=now):
        raise _taken(task.reference)
    _decide(session, runtime, authorisation, task, "approve", user, reason, action="lawful-task-approved")
    repository.set_where(session, Authorisation, authorisation.id,
                         where={"backing_due_at": None, "emergency_outcome": None},
                         backing_due_at=now + dt.timedelta(hours=hours.emergency_backing_hours), updated_at=now)
    _release(session, runtime, authorisation, task, user, reason)


def reject(session: Session, *, runtime: Runtime, user: User, task_object_id: str, reason: str) -> None:
    require_exact_role(user, COMPLIANCE_ROLE)
    task, authorisation = _visible_task(session, user, task_object_id)
    reason = _reason(reason)
    _separate(session, user, authorisation)
    if task.status not in OPEN_TASK_STATUSES:
        raise _not_awaiting(task)
    now = runtime.clock.now()
    if not repository.set_where(session, Task, task.id, status_in=OPEN_TASK_STATUSES, status=REJECTED,
                                reason=reason, updated_at=now):
        raise _taken(task.reference)
    _decide(session, runtime, authorisation, task, "reject", user, reason, action="lawful-task-rejected")


def release(session: Session, *, runtime: Runtime, user: User, task_object_id: str) -> None:
    require_exact_role(user, COMPLIANCE_ROLE)
    task, authorisation = _visible_task(session, user, task_object_id)
    _separate(session, user, authorisation)
    if task.status != AWAITING_DISCLOSURE:
        raise StepConflict(N_("Task %(reference)s is not approved and awaiting its release (it is %(status)s)."),
                           reference=task.reference, status=task.status)
    if task.approved_by == user.username:
        raise SeparationOfDuties(N_("You approved task %(reference)s: a second compliance officer must release it "
                                    "(two persons)."), reference=task.reference)
    now = runtime.clock.now()
    if task.approval_expires_at is None or now >= task.approval_expires_at:
        raise StepConflict(N_("The approval of task %(reference)s expired at %(expired)s: it must be approved again "
                              "before it can be released."), reference=task.reference,
                           expired=task.approval_expires_at.isoformat() if task.approval_expires_at else "-")
    if authorisation.status != ACTIVE:
        raise _not_awaiting(task)
    if not repository.set_where(session, Task, task.id,
                                where={"status": AWAITING_DISCLOSURE, "approved_by": task.approved_by},
                                status=DISCLOSED, released_by=user.username, released_at=now, updated_at=now):
        raise _taken(task.reference)
    _release(session, runtime, authorisation, task, user, None)


def _release(session: Session, runtime: Runtime, authorisation: Authorisation, task: Task, user: User,
             reason: str | None) -> None:
    event = _decide(session, runtime, authorisation, task, "release", user, reason, action="lawful-task-released")
    results.build_result(session, runtime=runtime, task=task, authorisation=authorisation, release_event_id=event)


# ---- shared ---------------------------------------------------------------------------------------------------


def _visible_task(session: Session, user: User, object_id: str, *,
                  regulator: bool = False) -> tuple[Task, Authorisation]:
    """The task when it is in the user's operator's queue (or the user is the regulator); else not found."""
    task = repository.task(session, object_id)
    visible = task is not None and (
        (regulator and REGULATOR in user.roles)
        or (COMPLIANCE_ROLE in user.roles and task.operator_id is not None and user.operator_code is not None
            and repository.operator(session, task.operator_id).code == user.operator_code))
    if task is None or not visible:
        raise ObjectNotFound(N_("There is no task %(object_id)s in your queue."), object_id=object_id)
    authorisation = session.get(Authorisation, task.authorisation_id)
    assert authorisation is not None
    return task, authorisation


def _separate(session: Session, user: User, authorisation: Authorisation) -> None:
    agency = session.get(Agency, authorisation.agency_id)
    if user.username == authorisation.filed_by:
        raise SeparationOfDuties(N_("You filed authorisation %(reference)s yourself: a request is never approved, "
                                    "rejected or released by its own requester."), reference=authorisation.reference)
    if user.username == authorisation.endorsed_by:
        raise SeparationOfDuties(N_("You endorsed authorisation %(reference)s: someone else must decide on its "
                                    "tasks."), reference=authorisation.reference)
    if agency is not None and user.agency_code == agency.code:
        raise SeparationOfDuties(N_("You act for %(agency)s, the agency that made this request: a compliance "
                                    "officer outside it must decide."), agency=agency.code)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise RequestInvalid(N_("Give a reason: every decision on a lawful-access request is recorded with its "
                                "reason."))
    if len(text) > REASON_MAX:
        raise RequestInvalid(N_("A reason is at most %(limit)s characters (this one has %(length)s)."),
                             limit=f"{REASON_MAX:,}", length=f"{len(text):,}")
    return text


def _not_awaiting(task: Task) -> StepConflict:
    return StepConflict(N_("Task %(reference)s is not awaiting a decision (it is %(status)s)."),
                        reference=task.reference, status=task.status)


def _taken(reference: str) -> StepConflict:
    return StepConflict(N_("%(reference)s was decided by someone else a moment ago; reload to see its state."),
                        reference=reference)


def _decide(session: Session, runtime: Runtime, authorisation: Authorisation, task: Task | None, step: str,
            user: User, reason: str | None, *, action: str) -> int:
    """A Decision row and its audit event; returns the event's id (a release's goes in the receipt)."""
    now = runtime.clock.now()
    session.add(Decision(authorisation_id=authorisation.id, task_id=task.id if task else None, step=step,
                         actor=user.username, operator_id=task.operator_id if task else None, reason=reason, at=now))
    subject_type, key = (TASK_SUBJECT, task.object_id) if task else (AUTHORISATION_SUBJECT, authorisation.object_id)
    event = audit.record(session, clock=runtime.clock, actor=user.username, action=action, subject_type=subject_type,
                         subject_key=key, details={"step": step, "authorisation": authorisation.object_id,
                                                   "reference": task.reference if task else authorisation.reference})
    return int(event.id)
