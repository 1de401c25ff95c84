"""Routing and matching: a task's target → the registration records in its window → the operator holding them.

    InternationalE164 / ICCID   the number (realname_numbers.number / .iccid) → the operator holding it
                                (realname_numbers.operator_id) and the registrations of the number overlapping the
                                window: registered_at < window_end and (ended_at is null or ended_at > window_start)
    IdentityDocument            the identity (its blind index, realname/identities.py) → its registrations as
                                holder overlapping the window; these may be at several operators: the task is split
                                into one task per operator, each in its operator's queue. The task filed keeps the
                                operator whose code sorts first; the others are new tasks referenced ``<LDID>.2``,
                                ``<LDID>.3``… (new ObjectIdentifiers, same target, window and request type), which
                                the agency then sees in its LIST and can GET and cancel like its own.

The matches are stored in la_task_records (registration, holder) — while the task is open they are a hold on the
holder's data — with ``match_count`` and ``match_outcome``:

    none        no records: DisclosureNotAvailable at once, routed nowhere (operator NULL); the agency sees exactly
                what a refusal shows
    single      one holder: the operator's compliance officers may approve
    ambiguous   more than one holder in the window (the number changed hands): routed, but it can never be
                approved (AmbiguousMatch); the preview says why and the officer must reject it

Routing happens when the authorisation becomes Active (a warrant at once, an emergency once endorsed), and for a
task added later to an Active authorisation, when it is added.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.vault import Vault
from telreg.lawful import repository
from telreg.lawful.hi1.dictionaries import (
    AWAITING_APPROVAL,
    DISCLOSURE_NOT_AVAILABLE,
    ICCID,
    IDENTITY_DOCUMENT,
    INTERNATIONAL_E164,
)
from telreg.lawful.models import Authorisation, Task, TaskRecord
from telreg.lawful.targets import Target, open_target
from telreg.realname.identities import document_index
from telreg.realname.models import Registration

__all__ = ["route_authorisation", "route_task"]

TASK_SUBJECT = "la-task"


def route_authorisation(session: Session, *, vault: Vault, clock: Clock, authorisation: Authorisation,
                        actor: str) -> list[Task]:
    """Route every task of an Active authorisation not yet routed; return the tasks (splits included)."""
    routed: list[Task] = []
    for task in repository.tasks_of(session, authorisation.id):
        if task.status == AWAITING_APPROVAL and task.match_outcome is None:
            routed.extend(route_task(session, vault=vault, clock=clock, task=task, actor=actor))
    return routed


def route_task(session: Session, *, vault: Vault, clock: Clock, task: Task, actor: str) -> list[Task]:
    """Match one task and put it (and its splits) in the operators' queues."""
    target = open_target(vault, format_name=task.target_format, sealed=task.target_sealed)
    matches = _matches(session, vault, target, task)
    now = clock.now()
    if not matches:
        task.match_outcome, task.match_count, task.operator_id = "none", 0, None
        task.status, task.updated_at = DISCLOSURE_NOT_AVAILABLE, now
        session.flush()
        _audit(session, clock, actor, task, None)
        return [task]
    by_operator: dict[int, list[Registration]] = defaultdict(list)
    for registration, operator_id in matches:
        by_operator[operator_id].append(registration)
    order = sorted(by_operator, key=lambda op: repository.operator(session, op).code)
    tasks: list[Task] = []
    for position, operator_id in enumerate(order, start=1):
        routed = task if position == 1 else _split(session, task, position, now)
        _store_matches(session, routed, operator_id, by_operator[operator_id], now)
        _audit(session, clock, actor, routed, repository.operator(session, operator_id).code)
        tasks.append(routed)
    return tasks


def _matches(session: Session, vault: Vault, target: Target, task: Task) -> list[tuple[Registration, int]]:
    """(registration, operator id) pairs of the target in the task's window."""
    start, end = task.window_start, task.window_end
    if target.format in (INTERNATIONAL_E164, ICCID):
        number = (repository.number_by_national(session, target.national or "") if target.format == INTERNATIONAL_E164
                  else repository.number_by_iccid(session, target.normalised))
        if number is None:
            return []
        return [(r, number.operator_id) for r in repository.registrations_of_number(session, number.id, start, end)]
    if target.format == IDENTITY_DOCUMENT:
        index = document_index(vault, doc_type=target.doc_type or "", normalised=target.doc_number or "")
        identity = repository.identity_by_index(session, index)
        if identity is None:
            return []
        return [(r, r.operator_id) for r in repository.registrations_of_holder(session, identity.id, start, end)]
    return []


def _split(session: Session, task: Task, position: int, now: object) -> Task:
    reference = f"{task.reference}.{position}"
    suffix = position
    while repository.task_reference_taken(session, task.authorisation_id, reference):
        suffix += 1  # the agency used the name itself; the next free one keeps the split unambiguous
        reference = f"{task.reference}.{suffix}"
    return repository.add(session, Task(
        object_id=str(uuid.uuid4()), authorisation_id=task.authorisation_id, reference=reference,
        request_type=task.request_type, target_format=task.target_format, target_sealed=task.target_sealed,
        target_index=task.target_index, window_start=task.window_start, window_end=task.window_end,
        status=AWAITING_APPROVAL, desired_status=task.desired_status, match_count=0, created_at=now,
        updated_at=now))


def _store_matches(session: Session, task: Task, operator_id: int, registrations: list[Registration],
                   now: object) -> None:
    for registration in registrations:
        session.add(TaskRecord(task_id=task.id, registration_id=registration.id, identity_id=registration.holder_id))
    holders = {r.holder_id for r in registrations}
    task.operator_id = operator_id
    task.match_count = len(registrations)
    task.match_outcome = "single" if len(holders) == 1 else "ambiguous"
    task.updated_at = now  # type: ignore[assignment]
    session.flush()


def _audit(session: Session, clock: Clock, actor: str, task: Task, operator_code: str | None) -> None:
    audit.record(session, clock=clock, actor=actor, action="lawful-task-routed", subject_type=TASK_SUBJECT,
                 subject_key=task.object_id,
                 details={"reference": task.reference, "operator": operator_code, "outcome": task.match_outcome,
                          "records": task.match_count, "status": task.status})
