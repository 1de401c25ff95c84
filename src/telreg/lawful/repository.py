"""Every query of lawful access. Adds and flushes; never commits.

State changes that two officers (or two workers) could race on are **conditional UPDATEs** (``… WHERE status =
:expected``): the one whose UPDATE changes a row wins, the other reads a row count of 0 and is told the step was
taken already. On PostgreSQL the second UPDATE waits for the first transaction's row lock and then re-checks the
condition on the committed row; on SQLite BEGIN IMMEDIATE lets one writer in at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from telreg.core.db import locked
from telreg.lawful.models import Agency, Authorisation, Decision, Document, Result, Task, TaskRecord
from telreg.realname.models import Identity, Number, Operator, Registration


def object_id_taken(session: Session, object_id: str) -> bool:
    """Is the UUID used by any authorisation, task or document already (an ObjectIdentifier is used once)?"""
    return any(session.scalar(select(exists().where(model.object_id == object_id)))
               for model in (Authorisation, Task, Document))


def authorisation(session: Session, object_id: str, *, agency_id: int | None = None,
                  for_update: bool = False) -> Authorisation | None:
    stmt = select(Authorisation).where(Authorisation.object_id == object_id)
    if agency_id is not None:
        stmt = stmt.where(Authorisation.agency_id == agency_id)
    return session.scalar(locked(session, stmt) if for_update else stmt)


def authorisation_by_reference(session: Session, agency_id: int, reference: str) -> Authorisation | None:
    return session.scalar(select(Authorisation).where(Authorisation.agency_id == agency_id,
                                                      Authorisation.reference == reference))


def authorisations(session: Session, *, agency_id: int | None = None, status: str | None = None,
                   ids: list[int] | None = None) -> list[Authorisation]:
    stmt = select(Authorisation).order_by(Authorisation.filed_at.desc(), Authorisation.id.desc())
    if agency_id is not None:
        stmt = stmt.where(Authorisation.agency_id == agency_id)
    if status is not None:
        stmt = stmt.where(Authorisation.status == status)
    if ids is not None:
        stmt = stmt.where(Authorisation.id.in_(ids))
    return list(session.scalars(stmt))


def task(session: Session, object_id: str) -> Task | None:
    return session.scalar(select(Task).where(Task.object_id == object_id))


def task_of_agency(session: Session, object_id: str, agency_id: int) -> Task | None:
    return session.scalar(select(Task).join(Authorisation, Task.authorisation_id == Authorisation.id)
                          .where(Task.object_id == object_id, Authorisation.agency_id == agency_id))


def task_reference_taken(session: Session, authorisation_id: int, reference: str) -> bool:
    return bool(session.scalar(select(exists().where(Task.authorisation_id == authorisation_id,
                                                     Task.reference == reference))))


def tasks_of(session: Session, authorisation_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.authorisation_id == authorisation_id)
                                .order_by(Task.id)))


def tasks_of_agency(session: Session, agency_id: int) -> list[Task]:
    return list(session.scalars(select(Task).join(Authorisation, Task.authorisation_id == Authorisation.id)
                                .where(Authorisation.agency_id == agency_id).order_by(Task.id)))


def operator_tasks(session: Session, operator_id: int, *, status: str | None = None) -> list[Task]:
    stmt = select(Task).where(Task.operator_id == operator_id).order_by(Task.created_at, Task.id)
    if status is not None:
        stmt = stmt.where(Task.status == status)
    return list(session.scalars(stmt))


def documents_of(session: Session, authorisation_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.authorisation_id == authorisation_id)
                                .order_by(Document.id)))


def document_of_agency(session: Session, object_id: str, agency_id: int) -> Document | None:
    return session.scalar(select(Document).join(Authorisation, Document.authorisation_id == Authorisation.id)
                          .where(Document.object_id == object_id, Authorisation.agency_id == agency_id))


def documents_of_agency(session: Session, agency_id: int) -> list[Document]:
    return list(session.scalars(select(Document).join(Authorisation, Document.authorisation_id == Authorisation.id)
                                .where(Authorisation.agency_id == agency_id).order_by(Document.id)))


def has_document(session: Session, authorisation_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Document.authorisation_id == authorisation_id))))


def agency(session: Session, agency_id: int) -> Agency:
    row = session.get(Agency, agency_id)
    assert row is not None, f"agency {agency_id} is referenced but missing"
    return row


def operator(session: Session, operator_id: int) -> Operator:
    row = session.get(Operator, operator_id)
    assert row is not None, f"operator {operator_id} is referenced but missing"
    return row


def operator_by_code(session: Session, code: str) -> Operator | None:
    return session.scalar(select(Operator).where(Operator.code == code))


def add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def set_where(session: Session, model: Any, row_id: int, *, where: dict[str, Any] | None = None,
              status_in: tuple[str, ...] | None = None, **values: Any) -> bool:
    """UPDATE one row only if it still has the expected values; True when this call changed it."""
    stmt = update(model).where(model.id == row_id)
    for column, expected in (where or {}).items():
        attr = getattr(model, column)
        stmt = stmt.where(attr.is_(None) if expected is None else attr == expected)
    if status_in is not None:
        stmt = stmt.where(model.status.in_(status_in))
    changed = session.execute(stmt.values(**values).execution_options(synchronize_session=False)).rowcount == 1
    if changed:
        row = session.get(model, row_id)
        if row is not None:
            session.refresh(row)
    return changed


# ---- matching ------------------------------------------------------------------------------------------------


def number_by_national(session: Session, national: str) -> Number | None:
    return session.scalar(select(Number).where(Number.number == national))


def number_by_iccid(session: Session, iccid: str) -> Number | None:
    return session.scalar(select(Number).where(Number.iccid == iccid))


def identity_by_index(session: Session, index: str) -> Identity | None:
    return session.scalar(select(Identity).where(Identity.document_index == index))


def _overlapping(start: dt.datetime, end: dt.datetime) -> Any:
    return (Registration.registered_at < end) & (Registration.ended_at.is_(None) | (Registration.ended_at > start))


def registrations_of_number(session: Session, number_id: int, start: dt.datetime,
                            end: dt.datetime) -> list[Registration]:
    return list(session.scalars(select(Registration).where(Registration.number_id == number_id,
                                                           _overlapping(start, end))
                                .order_by(Registration.registered_at, Registration.id)))


def registrations_of_holder(session: Session, identity_id: int, start: dt.datetime,
                            end: dt.datetime) -> list[Registration]:
    return list(session.scalars(select(Registration).where(Registration.holder_id == identity_id,
                                                           _overlapping(start, end))
                                .order_by(Registration.registered_at, Registration.id)))


def task_records(session: Session, task_id: int) -> list[TaskRecord]:
    return list(session.scalars(select(TaskRecord).where(TaskRecord.task_id == task_id).order_by(TaskRecord.id)))


def registrations(session: Session, ids: list[int]) -> list[Registration]:
    return list(session.scalars(select(Registration).where(Registration.id.in_(ids))
                                .order_by(Registration.registered_at, Registration.id)))


# ---- decisions and results -------------------------------------------------------------------------------------


def decisions_of(session: Session, authorisation_id: int) -> list[Decision]:
    return list(session.scalars(select(Decision).where(Decision.authorisation_id == authorisation_id)
                                .order_by(Decision.at, Decision.id)))


def result_of(session: Session, task_id: int, *, for_update: bool = False) -> Result | None:
    stmt = select(Result).where(Result.task_id == task_id)
    return session.scalar(locked(session, stmt) if for_update else stmt)


def results_of_tasks(session: Session, task_ids: list[int]) -> dict[int, Result]:
    if not task_ids:
        return {}
    return {r.task_id: r for r in session.scalars(select(Result).where(Result.task_id.in_(task_ids)))}


def agency_by_code(session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code))


# ---- the sweep -------------------------------------------------------------------------------------------------


def approvals_expired(session: Session, now: dt.datetime) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.status == "AwaitingDisclosure",
                                                   Task.approval_expires_at <= now).order_by(Task.id)))


def emergencies_overdue(session: Session, now: dt.datetime) -> list[Authorisation]:
    return list(session.scalars(select(Authorisation).where(
        Authorisation.legal_type == "Emergency", Authorisation.status == "Active",
        Authorisation.emergency_outcome.is_(None), Authorisation.backing_due_at <= now).order_by(Authorisation.id)))


def results_expired(session: Session, now: dt.datetime) -> list[Result]:
    return list(session.scalars(select(Result).where(Result.state == "available", Result.expires_at <= now)
                                .order_by(Result.id)))
