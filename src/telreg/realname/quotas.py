"""Quotas: how many numbers one identity may hold per operator and service, counted in the same transaction.

A counter row per (identity, operator, service) holds the count. Taking a place is one conditional upsert
(``INSERT … ON CONFLICT DO UPDATE SET held = held + 1 WHERE held < :limit``): the database evaluates the
condition under the row's lock, so concurrent registrations of one identity can never exceed the quota, on SQLite
or PostgreSQL.
A service without a quota is still counted (so a quota added later starts from the truth), without a limit.
When the policy's quota covers "any" service, the counter is the one for "any".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from telreg.core.masking import mask_name
from telreg.realname import repository
from telreg.realname.outcome import Refused
from telreg.realname.parties import CheckedParty, policy_label
from telreg.realname.policy import Policy

__all__ = ["Taken", "release", "take"]


@dataclass(frozen=True)
class Taken:
    service: str  # the counter taken: prepaid | postpaid | any
    held: int
    limit: int | None

    def as_dict(self) -> dict[str, int | None]:
        return {"held": self.held, "limit": self.limit}


def take(session: Session, *, policy: Policy, holder: CheckedParty, identity_id: int, operator_id: int,
         operator_code: str, service: str) -> Taken:
    """Count one more number for the holder, or raise Refused(quota_reached) saying which quota is full."""
    quota = policy.quota_for(holder_kind=holder.kind, service=service)  # type: ignore[arg-type]
    counted = quota.service if quota is not None else service
    limit = quota.limit if quota is not None else None
    counter = {"identity_id": identity_id, "operator_id": operator_id, "service": counted}
    held = repository.increment_quota(session, **counter, limit=limit)
    if held is None:
        held = repository.quota_held(session, **counter)
        what = "numbers" if counted == "any" else f"{counted} numbers"
        tail = f"{held} of {limit} {what} with {operator_code} ({policy_label(policy)})"
        raise Refused("quota_reached", f"{mask_name(holder.name)} already holds {tail}",
                      recorded=f"The holder already holds {tail}", party="holder")
    return Taken(counted, held, limit)


def release(session: Session, *, identity_id: int, operator_id: int, service: str) -> None:
    """Give back the place a registration took (it was transferred away or terminated)."""
    repository.decrement_quota(session, identity_id=identity_id, operator_id=operator_id, service=service)
