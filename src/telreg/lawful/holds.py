"""Lawful-access holds: the identities whose personal data may not be erased while a request about them runs.

A task's matched records (``la_task_records``: registration id, holder's identity id) name the people a request
is about. Erasing their data in the middle of a request would defeat it (the released result would be empty, a
released result not yet downloaded would describe records that no longer exist, a revocation of an unbacked
emergency disclosure would have nothing left to check), so retention (realname/retention.py) leaves an identity
alone while any task naming it is:

- **open**: AwaitingApproval or AwaitingDisclosure (an operator has not decided, or a second person has not
  released yet);
- **disclosed with a result still available**: released, not yet downloaded, expired or destroyed
  (``la_results.state == "available"``);
- **under an emergency authorisation whose backing clock runs**: released at once without a warrant, the clock
  started (``backing_due_at``) and the outcome not yet known (``emergency_outcome`` NULL). An emergency past its
  clock but not yet revoked by the worker still holds: its revocation and escalation to the regulator concern
  exactly those records.

Everything else (rejected, cancelled, disclosed and downloaded/expired/destroyed, backed or revoked
emergencies) holds nothing: the request's own trail (tasks, decisions, audit) keeps ids, never the data.

The hold is computed, never stored, so it cannot be forgotten when a task closes: the next retention run sees
the task closed and erases.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from telreg.lawful.hi1.dictionaries import DISCLOSED, EMERGENCY, OPEN_TASK_STATUSES
from telreg.lawful.models import Authorisation, Result, Task, TaskRecord

__all__ = ["held_identities_subquery", "held_identity_ids", "holds_by_identity", "holds_for"]


def _holding() -> ColumnElement[bool]:
    """The condition on a (task, authorisation) pair that makes its records held (see the module docstring)."""
    result_available = exists().where(Result.task_id == Task.id, Result.state == "available")
    emergency_running = and_(Authorisation.legal_type == EMERGENCY, Authorisation.backing_due_at.is_not(None),
                             Authorisation.emergency_outcome.is_(None))
    return or_(Task.status.in_(OPEN_TASK_STATUSES), and_(Task.status == DISCLOSED, result_available),
               emergency_running)


def _held_records() -> Select[tuple[int, str]]:
    return (select(TaskRecord.identity_id, Task.object_id)
            .join(Task, Task.id == TaskRecord.task_id)
            .join(Authorisation, Authorisation.id == Task.authorisation_id)
            .where(_holding()))


def held_identities_subquery() -> Select[tuple[int]]:
    """A SELECT of the held identity ids, for set-based use (``Identity.id.in_(held_identities_subquery())``)."""
    return select(_held_records().subquery().c.identity_id).distinct()


def held_identity_ids(session: Session) -> set[int]:
    """Return the ids of every identity a lawful-access request holds now."""
    return set(session.scalars(held_identities_subquery()))


def holds_for(session: Session, identity_id: int) -> list[str]:
    """Return the object ids (HI-1 UUIDs) of the tasks holding this identity, sorted; empty when none does."""
    stmt = _held_records().where(TaskRecord.identity_id == identity_id)
    return sorted({object_id for _, object_id in session.execute(stmt)})


def holds_by_identity(session: Session, identity_ids: list[int]) -> dict[int, list[str]]:
    """Return, for each of these identities that is held, the sorted object ids of the tasks holding it."""
    found: dict[int, set[str]] = {}
    for start in range(0, len(identity_ids), 500):  # bounded IN lists
        chunk = identity_ids[start:start + 500]
        for identity_id, object_id in session.execute(_held_records().where(TaskRecord.identity_id.in_(chunk))):
            found.setdefault(identity_id, set()).add(object_id)
    return {key: sorted(value) for key, value in found.items()}
