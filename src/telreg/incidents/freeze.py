"""Freezing what an incident names — stop it working now, reversibly where the thing allows it — and unfreezing.

    account      deactivated (``users.is_active``) and every staff session ended: the next request is 401.
                 Reversible: unfreezing reactivates it (sessions stay ended; the person signs in again).
    api-key      a sender's API key revoked (senders.api_keys.revoke_key). Irreversible: a new key is issued.
    certificate  an e-Cert put on hold (certificateHold, cause ``incident``). Reversible: released from hold.
    two-factor   a staff account's authenticator removed (core.two_factor.reset). Irreversible: enrol again.

Every item is *resolved* before anything is frozen (an unknown name refuses the whole request, naming it), and
every freeze is audited with the incident's reference. An item already inactive, revoked or on hold is
recorded with that outcome and not changed: the freeze is idempotent, and the record says what was found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core import audit, sessions, two_factor
from telreg.core.clock import Clock
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.ecert import lifecycle as ecert_lifecycle
from telreg.ecert import revocation as ecert_revocation
from telreg.incidents.errors import IncidentInvalid, IncidentStateConflict
from telreg.incidents.models import IncidentScope
from telreg.senders import api_keys
from telreg.senders.models import SenderApiKey

__all__ = ["IRREVERSIBLE", "OUTCOMES", "Item", "freeze", "resolve", "unfreeze"]

IRREVERSIBLE = frozenset({"api-key", "two-factor"})
# What freezing (or unfreezing) did, as a person reads it; the column keeps the key.
OUTCOMES = {
    "deactivated": N_("Account deactivated and its sessions ended"),
    "already-inactive": N_("Account was already inactive; its sessions ended"),
    "revoked": N_("API key revoked"),
    "already-revoked": N_("Already revoked"),
    "held": N_("Certificate put on hold"),
    "already-held": N_("Certificate was already on hold"),
    "not-valid": N_("Certificate was not valid; nothing to hold"),
    "reset": N_("Authenticator removed; the person must enrol again"),
    "not-enrolled": N_("No authenticator was set up"),
    "reactivated": N_("Unfrozen: account active again"),
    "released": N_("Unfrozen: certificate released from hold"),
}


@dataclass(frozen=True)
class Item:
    """A scope item resolved to what it names: KIND, its stored IDENTIFIER, and the owner key where one exists."""

    kind: str
    identifier: str
    account_id: int | None = None  # the sender account of an API key


def resolve_account(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise IncidentInvalid(N_("There is no staff account named '%(username)s'."), username=username)
    return user


def resolve(session: Session, kind: str, value: str) -> Item:
    """Check that VALUE names an existing thing of KIND; raise IncidentInvalid naming it when it does not."""
    value = (value or "").strip()
    if kind in ("account", "two-factor"):
        return Item(kind, resolve_account(session, value).username)
    if kind == "api-key":
        row = (session.execute(select(SenderApiKey.id, SenderApiKey.account_id).where(SenderApiKey.id == int(value)))
               .first() if value.isdigit() and len(value) < 10 else None)
        if row is None:
            raise IncidentInvalid(N_("There is no API key %(key)s (give the key's number, as its list shows)."),
                                  key=value)
        return Item(kind, str(row.id), account_id=row.account_id)
    if kind == "certificate":
        try:
            certificate = ecert_lifecycle.get_certificate(session, value)
        except DomainError:
            raise IncidentInvalid(N_("There is no certificate with serial %(serial)s."), serial=value) from None
        return Item(kind, certificate.serial)
    raise IncidentInvalid(N_("Unknown kind of scope item: %(kind)s."), kind=kind)


def freeze(session: Session, *, clock: Clock, item: Item, reference: str, actor: str) -> str:
    """Stop ITEM working now; return the outcome key. Audited with the incident's reference."""
    cause = {"cause": "incident", "incident": reference}
    if item.kind == "account":
        user = resolve_account(session, item.identifier)
        outcome = "deactivated" if user.is_active else "already-inactive"
        user.is_active = False
        session.flush()
        ended = sessions.revoke_all(session, clock=clock, kind=sessions.STAFF, principal=user.username,
                                    reason="incident", actor=actor)
        audit.record(session, clock=clock, actor=actor, action="incident-account-frozen", subject_type="user",
                     subject_key=user.username, details={**cause, "outcome": outcome, "sessions_ended": ended})
        return outcome
    if item.kind == "api-key":
        assert item.account_id is not None
        was_revoked = session.scalar(select(SenderApiKey.revoked_at)
                                     .where(SenderApiKey.id == int(item.identifier))) is not None
        key = api_keys.revoke_key(session, clock=clock, account_id=item.account_id, key_id=int(item.identifier),
                                  actor=actor)
        outcome = "already-revoked" if was_revoked else "revoked"
        audit.record(session, clock=clock, actor=actor, action="incident-api-key-frozen", subject_type="sender",
                     subject_key=str(item.account_id), details={**cause, "key_id": key.id, "outcome": outcome})
        return outcome
    if item.kind == "certificate":
        certificate = ecert_lifecycle.get_certificate(session, item.identifier)
        if certificate.state == "good":
            ecert_revocation.hold(session, clock=clock, certificate=certificate, actor=actor, details=cause)
            outcome = "held"
        else:
            outcome = "already-held" if certificate.state == "hold" else "not-valid"
        audit.record(session, clock=clock, actor=actor, action="incident-certificate-frozen",
                     subject_type="ecert_certificate", subject_key=certificate.serial,
                     details={**cause, "outcome": outcome})
        return outcome
    removed = two_factor.reset(session, clock=clock, username=item.identifier, actor=actor)
    outcome = "reset" if removed else "not-enrolled"
    audit.record(session, clock=clock, actor=actor, action="incident-two-factor-frozen", subject_type="user",
                 subject_key=item.identifier, details={**cause, "outcome": outcome})
    return outcome


def unfreeze(session: Session, *, clock: Clock, row: IncidentScope, reference: str, actor: str) -> str:
    """Undo a freeze that can be undone; return the outcome key. Refused for revoked keys and removed enrolments."""
    if row.kind in IRREVERSIBLE:
        raise IncidentStateConflict(N_("A revoked API key or a removed authenticator cannot be restored: issue a "
                                       "new key, or have the person enrol again."), kind=row.kind)
    if row.unfrozen_at is not None:
        raise IncidentStateConflict(N_("%(identifier)s was unfrozen already."), identifier=row.identifier)
    cause = {"cause": "incident", "incident": reference}
    if row.kind == "account":
        if row.outcome != "deactivated":
            raise IncidentStateConflict(N_("Account '%(username)s' was inactive before this incident: reactivating "
                                           "it is a separate decision."), username=row.identifier)
        user = resolve_account(session, row.identifier)
        user.is_active = True
        session.flush()
        audit.record(session, clock=clock, actor=actor, action="incident-account-unfrozen", subject_type="user",
                     subject_key=user.username, details=cause)
        return "reactivated"
    certificate = ecert_lifecycle.get_certificate(session, row.identifier)
    if row.outcome != "held" or certificate.state != "hold":
        raise IncidentStateConflict(N_("Certificate %(serial)s was not put on hold by this incident, or is no "
                                       "longer on hold."), serial=certificate.serial)
    ecert_revocation.release(session, clock=clock, certificate=certificate, actor=actor, details=cause)
    audit.record(session, clock=clock, actor=actor, action="incident-certificate-unfrozen",
                 subject_type="ecert_certificate", subject_key=certificate.serial, details=cause)
    return "released"
