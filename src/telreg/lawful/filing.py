"""The CREATE and UPDATE actions of an agency's HI-1 message: authorisations, tasks, documents, cancellation.

Rules (each refusal a sentence saying what to change):

- **Status is telreg's**: an object that sets AuthorisationStatus, LDTaskStatus or ReasonForStatus is refused
  (StatusNotPermitted). A requester may ask (DesiredStatus) for SubmittedForApproval / AwaitingDisclosure, or
  Cancelled by UPDATE.
- An ObjectIdentifier is a UUID never used before by any object; an object's CountryCode and OwnerIdentifier are
  the sending agency's.
- Authorisation: a reference (unique within the agency), a legal basis — ``Warrant`` with its issuing authority
  (ApproverName), or ``Emergency`` with its grounds (ApprovalDescription) and ApprovalIsEmergency — and a timespan
  whose end is after its start and at most MAX_TIMESPAN_DAYS (366: a year, leap years included) later. A warrant
  needs at least one Document in the same message or attached before; it is then Active at once and its tasks are
  routed. An emergency waits (AwaitingApproval) for a supervisor's endorsement (decisions.py).
- LDTask: associated with an authorisation of the agency (not closed), a reference (LDID) unique in it, a request
  type of the dictionary with its owner, exactly one target (targets.py) and a window inside the authorisation's
  timespan.
- UPDATE: DesiredStatus Cancelled cancels an authorisation (its open tasks with it; a released result is
  destroyed) or a task. A field given with a value other than the stored one is refused: nothing else changes.

Checks that need the whole message (a warrant's document may come after it) and routing run in ``finish``, once
every action has been applied.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.lawful import matching, repository, results, targets, warrants
from telreg.lawful.errors import ObjectNotFound, RequestInvalid, StatusNotPermitted, StepConflict
from telreg.lawful.hi1.dictionaries import (
    ACTIVE,
    AUTHORISATION_DESIRED,
    AWAITING_APPROVAL,
    AWAITING_DISCLOSURE,
    CANCELLED,
    DISCLOSED,
    EMERGENCY,
    LEGAL_TYPES,
    OPEN_TASK_STATUSES,
    REQUEST_TYPE_OWNERS,
    REQUEST_TYPES,
    SUBMITTED_FOR_APPROVAL,
    TARGET_FORMAT_OWNERS,
    WARRANT,
    requester_task_status,
)
from telreg.lawful.hi1.model import AuthorisationObject, DocumentObject, HI1Object, LDTaskObject
from telreg.lawful.models import Agency, Authorisation, Task
from telreg.runtime import Runtime

__all__ = ["MAX_TIMESPAN_DAYS", "ActionFailed", "Filing"]

MAX_TIMESPAN_DAYS = 366
AUTHORISATION_SUBJECT, TASK_SUBJECT = "la-authorisation", "la-task"


class ActionFailed(Exception):
    """A check of ``finish`` failed: the error belongs to the action that created the object."""

    def __init__(self, action: int, error: Exception) -> None:
        super().__init__(str(error))
        self.action, self.error = action, error


@dataclass
class Filing:
    """One message's changes: who sends it, and what ``finish`` must still check and route."""

    session: Session
    runtime: Runtime
    user: User
    agency: Agency
    created: dict[int, int] = field(default_factory=dict)  # authorisation id -> the action that created it
    new_tasks: set[int] = field(default_factory=set)  # authorisation ids that received tasks

    # ---- CREATE -------------------------------------------------------------------------------------------

    def create(self, obj: HI1Object | None, action: int) -> str:
        if isinstance(obj, AuthorisationObject):
            return self._create_authorisation(obj, action)
        if isinstance(obj, LDTaskObject):
            return self._create_task(obj)
        if isinstance(obj, DocumentObject):
            return self._create_document(obj)
        raise RequestInvalid(N_("A CREATE action needs an AuthorisationObject, an LDTaskObject or a "
                                "DocumentObject."))

    def _create_authorisation(self, obj: AuthorisationObject, action: int) -> str:
        if obj.status is not None:
            raise StatusNotPermitted(N_("AuthorisationStatus is set by telreg, not by the sender: leave it out "
                                        "(ask for a status with AuthorisationDesiredStatus)."), field="Status")
        self._check_identity(obj.object_identifier, obj.country_code, obj.owner_identifier)
        if obj.desired_status not in (None, SUBMITTED_FOR_APPROVAL):
            raise RequestInvalid(N_("A new authorisation's AuthorisationDesiredStatus may only be "
                                    "SubmittedForApproval (got %(given)s)."), given=repr(obj.desired_status))
        reference = _required_text(obj.reference, "AuthorisationReference", 128)
        if repository.authorisation_by_reference(self.session, self.agency.id, reference) is not None:
            raise RequestInvalid(N_("Your agency already has an authorisation with reference %(reference)s."),
                                 reference=reference)
        authority, grounds = _legal_basis(obj)
        start, end = _period(obj.timespan_start, obj.timespan_end, "AuthorisationTimespan")
        if end - start > dt.timedelta(days=MAX_TIMESPAN_DAYS):
            raise RequestInvalid(N_("An authorisation's timespan may cover at most %(days)s days."),
                                 days=MAX_TIMESPAN_DAYS)
        now = self.runtime.clock.now()
        row = repository.add(self.session, Authorisation(
            object_id=obj.object_identifier, agency_id=self.agency.id, reference=reference,
            legal_type=obj.legal_type, issuing_authority=authority, grounds=grounds, timespan_start=start,
            timespan_end=end, status=AWAITING_APPROVAL, desired_status=obj.desired_status,
            filed_by=self.user.username, filed_at=now, updated_at=now))
        self.created[row.id] = action
        audit.record(self.session, clock=self.runtime.clock, actor=self.user.username,
                     action="lawful-authorisation-filed", subject_type=AUTHORISATION_SUBJECT,
                     subject_key=row.object_id,
                     details={"agency": self.agency.code, "reference": reference, "legal_type": row.legal_type})
        return row.object_id

    def _create_task(self, obj: LDTaskObject) -> str:
        if obj.status is not None or obj.reason_for_status is not None:
            raise StatusNotPermitted(N_("LDTaskStatus and ReasonForStatus are set by telreg, not by the sender: "
                                        "leave them out (ask for a status with DesiredStatus)."), field="Status")
        self._check_identity(obj.object_identifier, obj.country_code, obj.owner_identifier)
        authorisation = self._associated(obj.associated_objects, for_update=False)
        if authorisation.status not in (AWAITING_APPROVAL, ACTIVE):
            raise StepConflict(N_("Authorisation %(reference)s is %(status)s: no task can be added to it."),
                               reference=authorisation.reference, status=authorisation.status)
        if obj.desired_status not in (None, AWAITING_DISCLOSURE):
            raise RequestInvalid(N_("A new task's DesiredStatus may only be AwaitingDisclosure (got %(given)s)."),
                                 given=repr(obj.desired_status))
        reference = _required_text(obj.reference, "LDID", 128)
        if repository.task_reference_taken(self.session, authorisation.id, reference):
            raise RequestInvalid(N_("Authorisation %(authorisation)s already has a task with reference "
                                    "%(reference)s."), authorisation=authorisation.reference, reference=reference)
        if obj.request_type not in REQUEST_TYPES or obj.request_type_owner not in (
                None, REQUEST_TYPE_OWNERS[obj.request_type]):
            raise RequestInvalid(N_("The task's request type %(given)s is not one telreg answers; use %(known)s "
                                    "(dictionary owners %(owners)s)."), given=repr(obj.request_type),
                                 known=", ".join(REQUEST_TYPES),
                                 owners=", ".join(f"{k}: {v}" for k, v in REQUEST_TYPE_OWNERS.items()))
        if len(obj.request_values) != 1:
            raise RequestInvalid(N_("A task names exactly one target (RequestValue); this one names %(count)s."),
                                 count=len(obj.request_values))
        value = obj.request_values[0]
        if value.format_name in TARGET_FORMAT_OWNERS and value.format_owner != TARGET_FORMAT_OWNERS[value.format_name]:
            raise RequestInvalid(N_("The target format %(format)s belongs to the dictionary owner %(owner)s (got "
                                    "%(given)s)."), format=value.format_name,
                                 owner=TARGET_FORMAT_OWNERS[value.format_name], given=repr(value.format_owner))
        target = targets.check_target(self.session, settings=self.runtime.settings, format_name=value.format_name,
                                      value=value.value)
        start, end = _period(obj.start_time, obj.end_time, "StartTime/EndTime")
        if start < authorisation.timespan_start or end > authorisation.timespan_end:
            raise RequestInvalid(N_("The task's window must lie within the authorisation's timespan, %(start)s to "
                                    "%(end)s."), start=authorisation.timespan_start.isoformat(),
                                 end=authorisation.timespan_end.isoformat())
        sealed, index = targets.seal(self.runtime.vault, target)
        now = self.runtime.clock.now()
        row = repository.add(self.session, Task(
            object_id=obj.object_identifier, authorisation_id=authorisation.id, reference=reference,
            request_type=obj.request_type, target_format=target.format, target_sealed=sealed, target_index=index,
            window_start=start, window_end=end, status=AWAITING_APPROVAL, desired_status=obj.desired_status,
            match_count=0, created_at=now, updated_at=now))
        self.new_tasks.add(authorisation.id)
        audit.record(self.session, clock=self.runtime.clock, actor=self.user.username, action="lawful-task-filed",
                     subject_type=TASK_SUBJECT, subject_key=row.object_id,
                     details={"authorisation": authorisation.object_id, "reference": reference,
                              "request_type": row.request_type, "target_format": row.target_format})
        return row.object_id

    def _create_document(self, obj: DocumentObject) -> str:
        self._check_identity(obj.object_identifier, obj.country_code, obj.owner_identifier)
        authorisation = self._associated(obj.associated_objects, for_update=True)
        document = warrants.attach_document(self.session, runtime=self.runtime, actor=self.user.username,
                                            authorisation=authorisation, obj=obj)
        return document.object_id

    # ---- UPDATE -------------------------------------------------------------------------------------------

    def update(self, obj: HI1Object | None) -> str:
        if isinstance(obj, AuthorisationObject):
            row = repository.authorisation(self.session, obj.object_identifier, agency_id=self.agency.id,
                                           for_update=True)
            if row is None:
                raise _not_found(obj.object_identifier)
            if obj.status is not None:
                raise StatusNotPermitted(N_("AuthorisationStatus is set by telreg, not by the sender: to cancel, "
                                            "send AuthorisationDesiredStatus Cancelled."), field="Status")
            _unchanged(obj.reference, row.reference, "AuthorisationReference")
            _unchanged(obj.legal_type, row.legal_type, "AuthorisationLegalType")
            _unchanged(obj.timespan_start, row.timespan_start, "AuthorisationTimespan")
            _unchanged(obj.timespan_end, row.timespan_end, "AuthorisationTimespan")
            for details in obj.approval_details:
                _unchanged(details.approver_name, row.issuing_authority, "ApproverName")
                _unchanged(details.description, row.grounds, "ApprovalDescription")
            if obj.desired_status == CANCELLED:
                self._cancel_authorisation(row)
            elif obj.desired_status not in (None, *AUTHORISATION_DESIRED):
                raise RequestInvalid(N_("AuthorisationDesiredStatus may be SubmittedForApproval or Cancelled (got "
                                        "%(given)s)."), given=repr(obj.desired_status))
            return row.object_id
        if isinstance(obj, LDTaskObject):
            task = repository.task_of_agency(self.session, obj.object_identifier, self.agency.id)
            if task is None:
                raise _not_found(obj.object_identifier)
            if obj.status is not None or obj.reason_for_status is not None:
                raise StatusNotPermitted(N_("LDTaskStatus is set by telreg, not by the sender: to cancel, send "
                                            "DesiredStatus Cancelled."), field="Status")
            _unchanged(obj.reference, task.reference, "LDID")
            _unchanged(obj.request_type, task.request_type, "RequestDetails/Type")
            _unchanged(obj.start_time, task.window_start, "StartTime")
            _unchanged(obj.end_time, task.window_end, "EndTime")
            if obj.request_values:
                raise RequestInvalid(N_("A task's target cannot be changed by UPDATE; file a new task instead."),
                                     field="RequestValues")
            if obj.desired_status == CANCELLED:
                self._cancel_task(task)
            elif obj.desired_status not in (None, AWAITING_DISCLOSURE):
                raise RequestInvalid(N_("A task's DesiredStatus may be AwaitingDisclosure or Cancelled (got "
                                        "%(given)s)."), given=repr(obj.desired_status))
            return task.object_id
        raise RequestInvalid(N_("Only an authorisation or a task can be updated (to cancel it); a document cannot "
                                "be changed."))

    def _cancel_authorisation(self, row: Authorisation) -> None:
        now = self.runtime.clock.now()
        if not repository.set_where(self.session, Authorisation, row.id, status_in=(AWAITING_APPROVAL, ACTIVE),
                                    status=CANCELLED, desired_status=CANCELLED, updated_at=now):
            raise StepConflict(N_("Authorisation %(reference)s is %(status)s: it can no longer be cancelled."),
                               reference=row.reference, status=row.status)
        for task in repository.tasks_of(self.session, row.id):
            self._close_task(task, now)
        audit.record(self.session, clock=self.runtime.clock, actor=self.user.username,
                     action="lawful-authorisation-cancelled", subject_type=AUTHORISATION_SUBJECT,
                     subject_key=row.object_id, details={"reference": row.reference})

    def _cancel_task(self, task: Task) -> None:
        if task.status not in (*OPEN_TASK_STATUSES, DISCLOSED):
            raise StepConflict(N_("Task %(reference)s is %(status)s: it can no longer be cancelled."),
                               reference=task.reference, status=requester_task_status(task.status))
        self._close_task(task, self.runtime.clock.now())
        audit.record(self.session, clock=self.runtime.clock, actor=self.user.username, action="lawful-task-cancelled",
                     subject_type=TASK_SUBJECT, subject_key=task.object_id, details={"reference": task.reference})

    def _close_task(self, task: Task, now: dt.datetime) -> None:
        """An open task is Cancelled; a disclosed one keeps its status and its result is destroyed."""
        if task.status == DISCLOSED:
            results.destroy(self.session, clock=self.runtime.clock, task=task, reason="cancelled",
                            actor=self.user.username)
            return
        repository.set_where(self.session, Task, task.id, status_in=OPEN_TASK_STATUSES, status=CANCELLED,
                             desired_status=CANCELLED, updated_at=now)

    # ---- after the last action ----------------------------------------------------------------------------

    def finish(self) -> None:
        """Check what needs the whole message, then activate warrants and route tasks."""
        for authorisation_id, action in self.created.items():
            row = self.session.get(Authorisation, authorisation_id)
            assert row is not None
            if row.legal_type == WARRANT and not repository.has_document(self.session, row.id):
                raise ActionFailed(action, RequestInvalid(
                    N_("A warrant authorisation needs its warrant: add a DocumentObject (the warrant as a PDF) to "
                       "the same message."), reference=row.reference))
            if row.legal_type == WARRANT:
                row.status, row.updated_at = ACTIVE, self.runtime.clock.now()
                self.session.flush()
                audit.record(self.session, clock=self.runtime.clock, actor=self.user.username,
                             action="lawful-authorisation-active", subject_type=AUTHORISATION_SUBJECT,
                             subject_key=row.object_id, details={"reference": row.reference})
        for authorisation_id in sorted(set(self.created) | self.new_tasks):
            row = self.session.get(Authorisation, authorisation_id)
            if row is not None and row.status == ACTIVE:
                matching.route_authorisation(self.session, vault=self.runtime.vault, clock=self.runtime.clock,
                                             authorisation=row, actor=self.user.username)

    # ---- shared checks ------------------------------------------------------------------------------------

    def _check_identity(self, object_id: str, country_code: str, owner: str) -> None:
        try:
            uuid.UUID(object_id)
        except (ValueError, TypeError, AttributeError):
            raise RequestInvalid(N_("ObjectIdentifier %(given)s is not a UUID."), given=repr(object_id)) from None
        if repository.object_id_taken(self.session, object_id):
            raise RequestInvalid(N_("ObjectIdentifier %(given)s is used already: every new object needs a UUID "
                                    "of its own."), given=object_id)
        if (country_code, owner) != (self.agency.country_code, self.agency.code):
            raise RequestInvalid(N_("An object's CountryCode and OwnerIdentifier must be the sending agency's "
                                    "(%(country)s, %(agency)s)."), country=self.agency.country_code,
                                 agency=self.agency.code)

    def _associated(self, associated: tuple[str, ...], *, for_update: bool) -> Authorisation:
        if len(associated) != 1:
            raise RequestInvalid(N_("The object must be associated with exactly one authorisation "
                                    "(AssociatedObjects)."))
        row = repository.authorisation(self.session, associated[0], agency_id=self.agency.id, for_update=for_update)
        if row is None:
            raise _not_found(associated[0])
        return row


def _not_found(object_id: str) -> ObjectNotFound:
    return ObjectNotFound(N_("There is no object %(object_id)s of your agency."), object_id=object_id)


def _required_text(value: str | None, name: str, limit: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise RequestInvalid(N_("%(field)s is required, at most %(limit)s characters."), field=name, limit=limit)
    return text


def _legal_basis(obj: AuthorisationObject) -> tuple[str, str | None]:
    """The issuing authority and the grounds; "no legal basis" when the legal type is missing or unknown."""
    if obj.legal_type not in LEGAL_TYPES:
        raise RequestInvalid(N_("The request has no legal basis: AuthorisationLegalType must be one of %(known)s (got "
                                "%(given)s)."), known=", ".join(LEGAL_TYPES), given=repr(obj.legal_type))
    details = obj.approval_details[0] if obj.approval_details else None
    name = ((details.approver_name or "").strip() if details else "")[:200]
    grounds = ((details.description or "").strip() if details else "") or None
    if obj.legal_type == WARRANT:
        if not name:
            raise RequestInvalid(N_("A warrant needs its issuing authority: give the court or magistrate as "
                                    "ApproverName in AuthorisationApprovalDetails."))
        if details is not None and details.is_emergency:
            raise RequestInvalid(N_("A warrant cannot be marked as an emergency (ApprovalIsEmergency); file an "
                                    "Emergency authorisation instead."))
        return name, grounds
    assert obj.legal_type == EMERGENCY
    if not grounds or details is None or not details.is_emergency:
        raise RequestInvalid(N_("An emergency request needs its grounds (ApprovalDescription: why it cannot wait for "
                                "a warrant) and ApprovalIsEmergency set to true."))
    role = (details.approver_role or "").strip()[:200]
    return name or role, grounds


def _period(start: dt.datetime | None, end: dt.datetime | None, name: str) -> tuple[dt.datetime, dt.datetime]:
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        raise RequestInvalid(N_("%(field)s needs a start and an end time, with their offset from UTC."), field=name)
    if end <= start:
        raise RequestInvalid(N_("%(field)s must end after it starts."), field=name)
    return start, end


def _unchanged(given: object, stored: object, name: str) -> None:
    if given is None:
        return
    same = given == stored
    if isinstance(given, str) and isinstance(stored, str):
        same = given.strip() == stored.strip()
    if not same:
        raise RequestInvalid(N_("%(field)s cannot be changed: an UPDATE may only cancel (DesiredStatus Cancelled)."),
                             field=name)
