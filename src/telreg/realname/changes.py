"""Changes to a registered number at the holder's request: termination, and correcting the holder's details.

Unlike registration, these are not refused by rules but fail as errors (DomainError): the number must exist
with this operator and be registered; terminating it twice is a Conflict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, jobs
from telreg.core.clock import HK, Clock, today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.core.weather import load_calendar
from telreg.realname import feeds, identities, quotas, repository, words
from telreg.realname.errors import AlreadyTerminated, NotRegistered, NumberNotFound, OperatorNotFound
from telreg.realname.identities import SEALED_FIELDS
from telreg.realname.models import Number, Operator, Registration
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.policy import Policy
from telreg.realname.service import AUDIT_SUBJECT

__all__ = ["change_details", "terminate"]


def terminate(session: Session, *, clock: Clock, settings: Settings, policy: Policy, operator: str,
              number: str, actor: str = "system") -> dict[str, Any]:
    """End the number's registration at the holder's request; the network must cut it by ``due_by``.

    ``due_by`` is the policy's termination time in working days (Hong Kong: one) after today, counted by the
    working-day calendar (Sundays, general holidays and warning days do not count); it goes in the audit
    event.
    """
    owner, row = _number_of(session, policy=policy, operator=operator, number=number)
    if row.state == "terminated":
        last = repository.last_registration(session, row.id)
        if last and last.ended_at:
            raise AlreadyTerminated(
                N_("Number %(number)s was already terminated on %(date)s; there is nothing to end."),
                number=row.number, date=last.ended_at.astimezone(HK).date().isoformat())
        raise AlreadyTerminated(N_("Number %(number)s was already terminated; there is nothing to end."),
                                number=row.number)
    current = _current(session, row)
    now = clock.now()
    if not repository.end_registration(session, current.id, at=now, reason="terminated"):
        raise AlreadyTerminated(N_("Number %(number)s was terminated by someone else meanwhile."),
                                number=row.number)
    quotas.release(session, identity_id=current.holder_id, operator_id=current.operator_id,
                   service=current.quota_service)
    if session.scalar(select(Registration.id).where(Registration.holder_id == current.holder_id,
                                                    Registration.ended_at.is_(None)).limit(1)) is None:
        # The holder's last current registration: the CA revokes the certificates it verified (a job: realname
        # knows no CA).
        jobs.enqueue(session, clock=clock, kind="ecert.identity-changed",
                     payload={"identity_id": current.holder_id, "cause": "terminated", "result": None})
    row.state, row.state_changed_at = "terminated", now
    due_by = load_calendar(session, settings).add_working_days(today(clock), policy.termination_working_days)
    audit.record(session, clock=clock, actor=actor, action="realname-terminated", subject_type=AUDIT_SUBJECT,
                 subject_key=row.number, details={"operator": owner.code, "registration_id": current.id,
                                                  "due_by": due_by.isoformat()})
    # The holder is gone: the do-not-call registers drop the number (seed 004 Q4.4), through the outbox.
    feeds.record(session, clock=clock, reason="terminated", entries=[(owner.code, row.number, today(clock))])
    return {"status": "terminated", "number": row.number, "operator": owner.code,
            "registration_id": current.id, "terminated_at": now.isoformat(), "due_by": due_by.isoformat()}


def change_details(session: Session, *, vault: Vault, clock: Clock, policy: Policy, operator: str,
                   number: str, name: str | None = None, address: str | None = None,
                   actor: str = "system") -> dict[str, Any]:
    """Correct the name or address of the number's holder (same document); return the holder, masked.

    The old values are overwritten, not kept: the audit event says which fields changed, never their values.
    The identity is shared by every number registered with the same document, so all of them see the change.
    """
    if name is not None and not name.strip():
        raise InvalidInput(N_("A name cannot be blank."))
    if name is None and address is None:
        raise InvalidInput(N_("Nothing to change: give a new name, a new address, or both."))
    owner, row = _number_of(session, policy=policy, operator=operator, number=number)
    holder = repository.identity(session, _current(session, row).holder_id)
    changed = []
    if name is not None:
        holder.name_sealed = vault.seal(SEALED_FIELDS["name"], name.strip())
        changed.append("name")
    if address is not None:
        cleaned = address.strip()
        holder.address_sealed = vault.seal(SEALED_FIELDS["address"], cleaned) if cleaned else None
        changed.append("address")
    holder.updated_at = clock.now()
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="realname-details-changed",
                 subject_type=AUDIT_SUBJECT, subject_key=row.number,
                 details={"operator": owner.code, "identity": holder.id, "fields": changed})
    return identities.masked(vault, holder)


def _number_of(session: Session, *, policy: Policy, operator: str, number: str) -> tuple[Operator, Number]:
    owner = repository.operator_by_code(session, operator)
    if owner is None:
        raise OperatorNotFound(N_("There is no operator with the code %(given)s."), operator=operator,
                               given=repr(operator))
    national = parse_subscriber_number(number, jurisdiction=policy.jurisdiction)
    row = repository.number_row(session, national, for_update=True)
    if row is None or row.operator_id != owner.id:
        raise NumberNotFound(N_("Operator %(operator)s has no number %(number)s."), number=national,
                             operator=owner.code)
    return owner, row


def _current(session: Session, row: Number) -> Registration:
    current = repository.current_registration(session, row.id)
    if current is None:
        raise NotRegistered(N_("Number %(number)s is not registered (%(state)s)."), number=row.number,
                            state=words.number_state(row.state))
    return current
