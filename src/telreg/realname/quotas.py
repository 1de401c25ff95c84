"""Quotas: how many numbers one identity may hold per operator, service and line, counted in one transaction.

A counter row per (identity, operator, counter key) holds the count; the key is the policy quota's
(``Policy.counter_for``: ``prepaid``, ``any``, ``postpaid:data-only+mobile`` for a quota that leaves fixed
lines out). Taking a place is one conditional upsert
(``INSERT … ON CONFLICT DO UPDATE SET held = held + 1 WHERE held < :limit``): the database evaluates the
condition under the row's lock, so concurrent registrations of one identity can never exceed the quota, on SQLite
or PostgreSQL.
A service without a quota is still counted (so a quota added later starts from the truth), without a limit.
When the policy's quota covers "any" service, the counter is the one for "any". A policy whose quotas change
shape needs its counters rebuilt from the current registrations: ``recount`` (``telreg realname quotas
recount``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.i18n import N_
from telreg.core.masking import mask_name
from telreg.realname import repository, words
from telreg.realname.models import HOLDER_KINDS, LINES, SERVICES
from telreg.realname.outcome import Refused
from telreg.realname.parties import policy_label
from telreg.realname.policy import Policy

__all__ = ["Taken", "recount", "release", "take"]


@dataclass(frozen=True)
class Taken:
    service: str  # the counter key taken: prepaid | postpaid | any | service:lines (Policy.counter_for)
    held: int
    limit: int | None

    def as_dict(self) -> dict[str, int | None]:
        return {"held": self.held, "limit": self.limit}


def take(session: Session, *, policy: Policy, holder_kind: str, holder_name: str, identity_id: int,
         operator_id: int, operator_code: str, service: str, line: str) -> Taken:
    """Count one more number for the holder, or raise Refused(quota_reached) saying which quota is full.

    ``holder_name`` is shown masked in the refusal; the recorded refusal names nobody.
    """
    counted, limit = policy.counter_for(holder_kind=holder_kind, service=service, line=line)
    counter = {"identity_id": identity_id, "operator_id": operator_id, "service": counted}
    held = repository.increment_quota(session, **counter, limit=limit)
    if held is None:
        held = repository.quota_held(session, **counter)
        raise Refused("quota_reached",
                      N_("%(holder)s already holds %(held)s of %(limit)s %(counted)s with %(operator)s "
                         "(%(policy)s)"),
                      recorded=N_("The holder already holds %(held)s of %(limit)s %(counted)s with "
                                  "%(operator)s (%(policy)s)"),
                      party="holder", holder=mask_name(holder_name), held=held, limit=limit,
                      counted=words.counter(counted), operator=operator_code, policy=policy_label(policy))
    return Taken(counted, held, limit)


def release(session: Session, *, identity_id: int, operator_id: int, service: str) -> None:
    """Give back the place a registration took (it was transferred away or terminated)."""
    repository.decrement_quota(session, identity_id=identity_id, operator_id=operator_id, service=service)


def recount(session: Session, *, clock: Clock, policy: Policy, actor: str = "system") -> dict[str, int]:
    """Rebuild the counters from the current registrations under POLICY (when its quotas changed shape).

    Set-based: one UPDATE per holder kind, service and line re-keys the registrations (so a later release
    gives back the right counter), then the counters are rebuilt from one GROUP BY. Holdings above a lower limit
    stay (nobody loses a number); new registrations are refused until the holder is under the limit again.
    """
    moved = 0
    for holder_kind in HOLDER_KINDS:
        for service in SERVICES:
            for line in LINES:
                counter, _ = policy.counter_for(holder_kind=holder_kind, service=service, line=line)
                moved += repository.rekey_current_registrations(
                    session, holder_kind=holder_kind, service=service, line=line, counter=counter)
    counters = repository.rebuild_quota_counters(session)
    result = {"registrations_rekeyed": moved, "counters": counters}
    audit.record(session, clock=clock, actor=actor, action="realname-quotas-recounted", subject_type="policy",
                 subject_key=f"{policy.name} {policy.version}", details=result)
    return result
