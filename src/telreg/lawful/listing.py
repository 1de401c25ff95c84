"""What the pages and the API list: an agency's requests, one authorisation, an operator's queue (views.py).

Who sees what: the filing agency sees its targets in full and its tasks' statuses as a requester (a refusal reads
"no records", no operator, no reason); an operator's compliance officer sees only its own operator's tasks, targets
masked; the regulator sees everything, masked, with the true statuses and reasons. Anyone else: not found.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.users import COMPLIANCE_ROLE
from telreg.core.vault import Vault
from telreg.lawful import repository
from telreg.lawful.deps import LE_ROLES, REGULATOR
from telreg.lawful.errors import ObjectNotFound
from telreg.lawful.hi1.dictionaries import requester_task_status
from telreg.lawful.models import Agency, Authorisation, Result, Task
from telreg.lawful.targets import mask_target, open_target
from telreg.lawful.views import AuthorisationView, DocumentView, TaskView

__all__ = ["authorisation_detail", "operator_queue", "operator_task", "requests_of"]

AGENCY, OPERATOR, OVERSIGHT = "agency", "operator", "oversight"


def requests_of(session: Session, *, vault: Vault, user: User,
                status: str | None = None) -> list[AuthorisationView]:
    agency = _agency_of(session, user)
    if agency is None:
        return []
    return [_authorisation_view(session, vault, a, AGENCY, None)
            for a in repository.authorisations(session, agency_id=agency.id, status=status)]


def authorisation_detail(session: Session, *, vault: Vault, user: User, object_id: str) -> AuthorisationView:
    row = repository.authorisation(session, object_id)
    if row is not None:
        agency = _agency_of(session, user)
        if agency is not None and agency.id == row.agency_id:
            return _authorisation_view(session, vault, row, AGENCY, None)
        if REGULATOR in user.roles:
            return _authorisation_view(session, vault, row, OVERSIGHT, None)
        operator = _operator_of(session, user)
        if operator is not None and any(t.operator_id == operator for t in repository.tasks_of(session, row.id)):
            return _authorisation_view(session, vault, row, OPERATOR, operator)
    raise ObjectNotFound(N_("There is no object %(object_id)s of your agency."), object_id=object_id)


def operator_queue(session: Session, *, vault: Vault, user: User, status: str | None = None) -> list[TaskView]:
    operator = _operator_of(session, user)
    if operator is None:
        return []
    tasks = repository.operator_tasks(session, operator, status=status)
    found = repository.results_of_tasks(session, [t.id for t in tasks])
    return [_task_view(session, vault, t, OPERATOR, found.get(t.id)) for t in tasks]


def operator_task(session: Session, *, vault: Vault, user: User, task_object_id: str) -> TaskView:
    """One task of the compliance officer's operator; ObjectNotFound for any other."""
    operator = _operator_of(session, user)
    task = repository.task(session, task_object_id)
    if operator is None or task is None or task.operator_id != operator:
        raise ObjectNotFound(N_("There is no task %(object_id)s in your queue."), object_id=task_object_id)
    result = repository.results_of_tasks(session, [task.id]).get(task.id)
    return _task_view(session, vault, task, OPERATOR, result)


def _agency_of(session: Session, user: User) -> Agency | None:
    if LE_ROLES.isdisjoint(user.roles) or not user.agency_code:
        return None
    return repository.agency_by_code(session, user.agency_code)


def _operator_of(session: Session, user: User) -> int | None:
    if COMPLIANCE_ROLE not in user.roles or not user.operator_code:
        return None
    operator = repository.operator_by_code(session, user.operator_code)
    return operator.id if operator is not None else None


def _authorisation_view(session: Session, vault: Vault, row: Authorisation, audience: str,
                        operator_id: int | None) -> AuthorisationView:
    agency = repository.agency(session, row.agency_id)
    tasks = repository.tasks_of(session, row.id)
    if audience == OPERATOR:
        tasks = [t for t in tasks if t.operator_id == operator_id]
    found = repository.results_of_tasks(session, [t.id for t in tasks])
    documents = tuple(DocumentView(object_id=d.object_id, name=d.name, document_type=d.document_type,
                                   content_type=d.content_type, size=d.size, sha256=d.sha256, added_by=d.added_by,
                                   added_at=d.added_at) for d in repository.documents_of(session, row.id))
    return AuthorisationView(
        object_id=row.object_id, agency_code=agency.code, reference=row.reference, legal_type=row.legal_type,
        issuing_authority=row.issuing_authority, grounds=row.grounds, timespan_start=row.timespan_start,
        timespan_end=row.timespan_end, status=row.status, filed_by=row.filed_by, filed_at=row.filed_at,
        endorsed_by=row.endorsed_by, endorsed_at=row.endorsed_at, backing_due_at=row.backing_due_at,
        backed_at=row.backed_at, emergency_outcome=row.emergency_outcome, escalated_at=row.escalated_at,
        documents=documents, tasks=tuple(_task_view(session, vault, t, audience, found.get(t.id)) for t in tasks))


def _task_view(session: Session, vault: Vault, task: Task, audience: str, result: Result | None) -> TaskView:
    authorisation = session.get(Authorisation, task.authorisation_id)
    assert authorisation is not None
    requester = audience == AGENCY
    target = open_target(vault, format_name=task.target_format, sealed=task.target_sealed)
    shown = target.normalised if requester else mask_target(target)
    operator = repository.operator(session, task.operator_id) if task.operator_id is not None else None
    return TaskView(
        object_id=task.object_id, authorisation_object_id=authorisation.object_id, reference=task.reference,
        request_type=task.request_type, target_format=task.target_format,
        target=shown, window_start=task.window_start,
        window_end=task.window_end, operator_code=None if requester or operator is None else operator.code,
        status=requester_task_status(task.status) if requester else task.status,
        reason=None if requester else task.reason,
        approved_by=None if requester else task.approved_by, approved_at=None if requester else task.approved_at,
        approval_expires_at=None if requester else task.approval_expires_at,
        released_by=None if requester else task.released_by, released_at=task.released_at,
        result_state=result.state if result is not None else None,
        result_expires_at=result.expires_at if result is not None else None)
