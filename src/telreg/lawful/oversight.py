"""The regulator's oversight of lawful access: every request and its truth, emergencies, rejections, the
transparency report, and wrong-person incidents (issue 16 §6).

These are read-only queries over the lawful-access tables (models.py) — they never call the use cases of
service.py, so what the regulator sees is what the tables hold, not what an agency is shown:

    requests_overview    every authorisation (newest first, paged) with its tasks: the real status (a refusal is
                         "Rejected" here, not "DisclosureNotAvailable"), the rejection's reason, approval and
                         release times, who decided. Targets are shown by their format only: nothing here opens
                         the vault.
    rejections           every refusal with its reason: an operator rejecting a task, a supervisor refusing to
                         endorse an emergency (the ``la_decisions`` trail)
    emergencies          each emergency with its endorsement, first release, backing due/backed, its outcome
    report_wrong_person  the regulator records that a disclosed task concerned the wrong person: an audit event,
                         no table of its own; the transparency report (transparency.py) counts these events

Periods are Hong Kong days, both ends included. A request belongs to the period in which it was **filed**
(``la_authorisations.filed_at``), and so do its tasks, whatever happened to them later.

An emergency's outcome: backed in time (a warrant attached before the backing was due, or before any release),
backed late, revoked (not backed in time: release revoked, result destroyed), not released (refused
endorsement or cancelled before any release: nothing to back), pending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import HK, Clock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Msgid
from telreg.core.models import AuditEvent, User
from telreg.lawful.deps import REGULATOR, require_exact_role
from telreg.lawful.errors import ObjectNotFound, StepConflict
from telreg.lawful.hi1.dictionaries import (
    AUTHORISATION_STATUSES,
    CANCELLED,
    EMERGENCY,
    EXPIRED,
    LEGAL_TYPES,
    REJECTED,
    TASK_STATUSES,
)
from telreg.lawful.models import Agency, Authorisation, Decision, Task
from telreg.realname.models import Operator

__all__ = ["EMERGENCY_OUTCOMES", "MAX_PERIOD_DAYS", "STATUSES", "TASK_SUBJECT", "WRONG_PERSON_ACTION",
           "EmergencyRow", "Overview", "Period", "RejectionRow", "RequestRow", "TaskRow", "as_utc",
           "count_emergencies", "count_rejections", "count_requests", "emergencies", "emergency_outcome_sql",
           "rejections", "report_wrong_person", "reported_tasks", "requests_overview", "task_references"]

WRONG_PERSON_ACTION = "lawful-wrong-person-reported"
TASK_SUBJECT = "la-task"
EMERGENCY_OUTCOMES = ("backed-in-time", "backed-late", "revoked", "not-released", "pending")
MAX_PERIOD_DAYS = 3660  # ten years: a report is per period, not a dump of everything
MAX_NOTE = 2000
STATUSES = tuple(dict.fromkeys((*AUTHORISATION_STATUSES, *TASK_STATUSES)))


@dataclass(frozen=True)
class Period:
    """Hong Kong days FROM..TO, both included; ``start``/``end`` are the instants bounding them (end excluded)."""

    date_from: dt.date
    date_to: dt.date

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise InvalidInput(N_("The period ends (%(to)s) before it starts (%(from)s)."),
                               **{"from": self.date_from.isoformat(), "to": self.date_to.isoformat()})
        if (self.date_to - self.date_from).days >= MAX_PERIOD_DAYS:
            raise InvalidInput(N_("A period is at most %(days)s days long."), days=MAX_PERIOD_DAYS)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date_from, dt.time(), tzinfo=HK)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), tzinfo=HK)


@dataclass(frozen=True)
class TaskRow:
    object_id: str
    reference: str
    request_type: str
    target_format: str  # the target itself is never shown here
    operator_code: str | None  # None: matched nothing, routed nowhere
    status: str  # the truth (a rejection reads Rejected)
    match_outcome: str | None
    match_count: int
    reason: str | None  # a rejection's reason
    routed_at: dt.datetime  # filed (a warrant) or endorsed (an emergency): when it reached the operator
    first_approved_at: dt.datetime | None
    approved_by: str | None
    approved_at: dt.datetime | None  # the current approval (a later one when the first expired)
    released_by: str | None
    released_at: dt.datetime | None
    rejected_by: str | None
    rejected_at: dt.datetime | None

    @property
    def approval_hours(self) -> float | None:
        """Routed → first approval."""
        return _hours(self.routed_at, self.first_approved_at)

    @property
    def release_hours(self) -> float | None:
        """The approval that was released → the release (0 for an emergency: one approval releases)."""
        return _hours(self.approved_at, self.released_at)


@dataclass(frozen=True)
class RequestRow:
    object_id: str
    agency_code: str
    agency_name: str
    reference: str
    legal_type: str
    status: str
    filed_by: str
    filed_at: dt.datetime
    endorsed_at: dt.datetime | None
    tasks: tuple[TaskRow, ...] = ()


@dataclass(frozen=True)
class Overview:
    total: int  # authorisations matching the filters
    rows: list[RequestRow]


@dataclass(frozen=True)
class RejectionRow:
    authorisation_object_id: str
    authorisation_reference: str
    agency_code: str
    legal_type: str
    task_object_id: str | None  # None: an emergency refused endorsement (the whole authorisation)
    task_reference: str | None
    operator_code: str | None
    step: str  # reject | refuse-endorsement
    actor: str
    reason: str | None
    at: dt.datetime


@dataclass(frozen=True)
class EmergencyRow:
    object_id: str
    reference: str
    agency_code: str
    status: str
    filed_at: dt.datetime
    endorsed_at: dt.datetime | None
    first_released_at: dt.datetime | None
    backing_due_at: dt.datetime | None
    backed_at: dt.datetime | None
    outcome: str  # one of EMERGENCY_OUTCOMES
    escalated_at: dt.datetime | None


def _hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 3600, 2)


# ---- the requests ----------------------------------------------------------------------------------------


def _check_filter(value: str | None, allowed: tuple[str, ...], what: Msgid) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(N_("%(what)s: '%(value)s' is not one of %(allowed)s."), what=what, value=value,
                           allowed=", ".join(allowed))


def _request_conditions(*, status: str | None, agency: str | None, operator: str | None,
                        legal_type: str | None) -> list[ColumnElement[bool]]:
    _check_filter(status, STATUSES, N_("Status"))
    _check_filter(legal_type, LEGAL_TYPES, N_("Legal type"))
    conditions: list[ColumnElement[bool]] = []
    if agency:
        conditions.append(Agency.code == agency)
    if legal_type:
        conditions.append(Authorisation.legal_type == legal_type)
    if status:  # the authorisation's own status, or any of its tasks' (the truth, not the requester's view)
        conditions.append(or_(Authorisation.status == status,
                              exists().where(Task.authorisation_id == Authorisation.id, Task.status == status)))
    if operator:
        conditions.append(exists().where(Task.authorisation_id == Authorisation.id, Task.operator_id == Operator.id,
                                         Operator.code == operator))
    return conditions


def _requests_query(*, status: str | None, agency: str | None, operator: str | None,
                    legal_type: str | None) -> Any:
    conditions = _request_conditions(status=status, agency=agency, operator=operator, legal_type=legal_type)
    return select(Authorisation, Agency).join(Agency, Agency.id == Authorisation.agency_id).where(*conditions)


def count_requests(session: Session, *, status: str | None = None, agency: str | None = None,
                   operator: str | None = None, legal_type: str | None = None) -> int:
    """How many authorisations requests_overview would list with these filters (a pager counts first)."""
    query = _requests_query(status=status, agency=agency, operator=operator, legal_type=legal_type)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def requests_overview(session: Session, *, status: str | None = None, agency: str | None = None,
                      operator: str | None = None, legal_type: str | None = None, limit: int = 50,
                      offset: int = 0) -> Overview:
    """Every authorisation matching the filters, newest first, one page of them with all their tasks.

    STATUS matches an authorisation's status or any of its tasks' (so "Rejected" finds refused endorsements
    and rejected tasks alike); OPERATOR keeps the authorisations with a task routed to that operator. Three
    queries whatever the page's size: the authorisations, their tasks, the tasks' approvals and rejections.
    """
    base = _requests_query(status=status, agency=agency, operator=operator, legal_type=legal_type)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = session.execute(base.order_by(Authorisation.filed_at.desc(), Authorisation.id.desc())
                           .limit(max(limit, 0)).offset(max(offset, 0))).all()
    ids = [row.Authorisation.id for row in page]
    tasks = session.execute(
        select(Task, Operator.code).outerjoin(Operator, Operator.id == Task.operator_id)
        .where(Task.authorisation_id.in_(ids)).order_by(Task.authorisation_id, Task.reference, Task.id)).all()
    steps = _approvals_and_rejections(session, [row.Task.id for row in tasks])
    routed = {row.Authorisation.id: row.Authorisation.endorsed_at or row.Authorisation.filed_at for row in page}
    by_authorisation: dict[int, list[TaskRow]] = {}
    for task, operator_code in tasks:
        first_approval, rejection = steps.get(task.id, (None, None))
        by_authorisation.setdefault(task.authorisation_id, []).append(TaskRow(
            task.object_id, task.reference, task.request_type, task.target_format, operator_code, task.status,
            task.match_outcome, task.match_count, task.reason, routed[task.authorisation_id],
            first_approval, task.approved_by, task.approved_at, task.released_by, task.released_at,
            rejection.actor if rejection else None, rejection.at if rejection else None))
    rows = [RequestRow(a.object_id, agency_row.code, agency_row.name, a.reference, a.legal_type, a.status,
                       a.filed_by, a.filed_at, a.endorsed_at, tuple(by_authorisation.get(a.id, ())))
            for a, agency_row in page]
    return Overview(total, rows)


def _approvals_and_rejections(session: Session,
                              task_ids: list[int]) -> dict[int, tuple[dt.datetime | None, Decision | None]]:
    """Per task: the first approval's time (an expired approval counts: the operator did act then) and the
    last rejection (the one that stands)."""
    found: dict[int, tuple[dt.datetime | None, Decision | None]] = {}
    decisions = session.scalars(select(Decision).where(Decision.task_id.in_(task_ids),
                                                       Decision.step.in_(("approve", "reject")))
                                .order_by(Decision.at, Decision.id))
    for decision in decisions:
        assert decision.task_id is not None
        first, rejection = found.get(decision.task_id, (None, None))
        if decision.step == "approve":
            first = first or decision.at
        else:
            rejection = decision
        found[decision.task_id] = (first, rejection)
    return found


def _rejections_query() -> Any:
    return (select(Decision, Authorisation, Agency.code, Task.object_id, Task.reference, Task.reason, Operator.code)
            .join(Authorisation, Authorisation.id == Decision.authorisation_id)
            .join(Agency, Agency.id == Authorisation.agency_id)
            .outerjoin(Task, Task.id == Decision.task_id)
            .outerjoin(Operator, Operator.id == func.coalesce(Decision.operator_id, Task.operator_id))
            .where(Decision.step.in_(("reject", "refuse-endorsement"))))


def count_rejections(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(_rejections_query().subquery())) or 0


def rejections(session: Session, *, limit: int = 50, offset: int = 0) -> list[RejectionRow]:
    """Every refusal with its reason, newest first: operators' rejections and refused endorsements."""
    rows = session.execute(_rejections_query().order_by(Decision.at.desc(), Decision.id.desc())
                           .limit(max(limit, 0)).offset(max(offset, 0))).all()
    return [RejectionRow(a.object_id, a.reference, agency_code, a.legal_type, task_object_id, task_reference,
                         operator_code, d.step, d.actor, d.reason or task_reason, d.at)
            for d, a, agency_code, task_object_id, task_reference, task_reason, operator_code in rows]


# ---- emergencies ------------------------------------------------------------------------------------------


def emergency_outcome_sql() -> ColumnElement[str]:
    """An emergency authorisation's outcome as SQL (the list and the report's counts use the same words)."""
    a = Authorisation
    return case(
        (a.emergency_outcome == "revoked", "revoked"),
        (and_(a.backed_at.is_not(None), a.backing_due_at.is_not(None), a.backed_at > a.backing_due_at),
         "backed-late"),
        (or_(a.backed_at.is_not(None), a.emergency_outcome == "backed"), "backed-in-time"),
        (and_(a.status.in_((REJECTED, CANCELLED, EXPIRED)), a.backing_due_at.is_(None)), "not-released"),
        else_="pending")


def _emergency_conditions(period: Period | None) -> list[ColumnElement[bool]]:
    conditions = [Authorisation.legal_type == EMERGENCY]
    if period is not None:
        conditions += [Authorisation.filed_at >= period.start, Authorisation.filed_at < period.end]
    return conditions


def count_emergencies(session: Session, *, period: Period | None = None) -> int:
    return session.scalar(select(func.count(Authorisation.id)).where(*_emergency_conditions(period))) or 0


def emergencies(session: Session, *, period: Period | None = None, limit: int | None = None,
                offset: int = 0) -> list[EmergencyRow]:
    """Each emergency authorisation (filed in PERIOD, or all), newest first, with its backing and outcome."""
    first_release = (select(func.min(Task.released_at)).where(Task.authorisation_id == Authorisation.id)
                     .correlate(Authorisation).scalar_subquery())
    stmt = (select(Authorisation, Agency.code, first_release, emergency_outcome_sql())
            .join(Agency, Agency.id == Authorisation.agency_id).where(*_emergency_conditions(period))
            .order_by(Authorisation.filed_at.desc(), Authorisation.id.desc()).offset(max(offset, 0)))
    if limit is not None:
        stmt = stmt.limit(max(limit, 0))
    return [EmergencyRow(a.object_id, a.reference, agency_code, a.status, a.filed_at, a.endorsed_at,
                         as_utc(released), a.backing_due_at, a.backed_at, outcome, a.escalated_at)
            for a, agency_code, released, outcome in session.execute(stmt).all()]


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aggregate (MIN) comes back untyped, so naive on SQLite: the database keeps instants in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


# ---- wrong-person incidents -------------------------------------------------------------------------------


def reported_tasks(session: Session, task_object_ids: list[str]) -> set[str]:
    """Those of the tasks for which a wrong-person incident is recorded (one query for a page of tasks)."""
    return set(session.scalars(select(AuditEvent.subject_key).where(
        AuditEvent.action == WRONG_PERSON_ACTION, AuditEvent.subject_type == TASK_SUBJECT,
        AuditEvent.subject_key.in_(task_object_ids))))


def task_references(session: Session, task_object_id: str) -> tuple[str, str]:
    """A task's reference and its request's, as a confirmation step names them; ObjectNotFound when none."""
    found = session.execute(select(Task.reference, Authorisation.reference)
                            .join(Authorisation, Authorisation.id == Task.authorisation_id)
                            .where(Task.object_id == task_object_id)).first()
    if found is None:
        raise ObjectNotFound(N_("There is no lawful-access task %(object_id)s."), object_id=task_object_id)
    return found[0], found[1]


def report_wrong_person(session: Session, *, clock: Clock, user: User, task_object_id: str,
                        note: str) -> AuditEvent:
    """Record that a disclosed task concerned the wrong person (the regulator only; each task once).

    The note says what went wrong; it goes into the audit trail, so it must not name the person (the page
    says so). The task's row is locked first, so two regulators reporting it at once record it once.
    """
    require_exact_role(user, REGULATOR)
    note = (note or "").strip()
    if not note:
        raise InvalidInput(N_("Say in a note what went wrong (without naming the person)."))
    if len(note) > MAX_NOTE:
        raise InvalidInput(N_("The note is %(length)s characters long; at most %(limit)s are kept."),
                           length=len(note), limit=MAX_NOTE)
    found = session.execute(select(Task, Authorisation.object_id, Operator.code)
                            .join(Authorisation, Authorisation.id == Task.authorisation_id)
                            .outerjoin(Operator, Operator.id == Task.operator_id)
                            .where(Task.object_id == task_object_id).with_for_update(of=Task)).first()
    if found is None:
        raise ObjectNotFound(N_("There is no lawful-access task %(object_id)s."), object_id=task_object_id)
    task, authorisation_object_id, operator_code = found
    if task.released_at is None:  # Disclosed, or disclosed and later revoked (the records did go out)
        raise StepConflict(N_("Task %(reference)s was not disclosed, so it cannot have concerned the wrong person."),
                           reference=task.reference)
    already = session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == WRONG_PERSON_ACTION, AuditEvent.subject_type == TASK_SUBJECT,
        AuditEvent.subject_key == task.object_id).limit(1))
    if already is not None:
        raise StepConflict(N_("A wrong-person incident is recorded for task %(reference)s already."),
                           reference=task.reference)
    return audit.record(session, clock=clock, actor=user.username, action=WRONG_PERSON_ACTION,
                        subject_type=TASK_SUBJECT, subject_key=task.object_id,
                        details={"authorisation": authorisation_object_id, "operator": operator_code,
                                 "task_reference": task.reference, "note": note})

