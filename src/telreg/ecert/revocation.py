"""Status changes of a certificate — revoke, hold (certificateHold), release — the one place they happen.

Every change is a conditional UPDATE on the state the caller saw, so two officers (or an officer and the
subscription run) acting at once cannot both succeed: the loser gets ``StatusConflict``. Each change writes a
status event and an audit event in the caller's transaction, and enqueues ``ecert.status-changed``: the worker
issues a CRL at once and re-signs the certificate's OCSP response (status_jobs.py), so a revocation shows within
minutes, not at the next scheduled CRL.

A certificate still in ``intent`` (recorded, and perhaps signed, when issuance failed half-way) can be revoked:
a serial that may exist in the world must be revocable.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from telreg.core import audit, jobs
from telreg.core.clock import Clock
from telreg.core.i18n import N_
from telreg.ecert.errors import BadRequestData, StatusConflict
from telreg.ecert.models import REVOCATION_REASONS, Certificate, StatusEvent

__all__ = ["REASONS_FOR_REVOKE", "STATUS_CHANGED_JOB", "hold", "release", "revoke"]

STATUS_CHANGED_JOB = "ecert.status-changed"
# certificateHold is not a reason to revoke for good: hold() places it, release() lifts it.
REASONS_FOR_REVOKE = tuple(r for r in REVOCATION_REASONS if r != "certificateHold")


def revoke(session: Session, *, clock: Clock, certificate: Certificate, reason: str, actor: str,
           details: dict[str, Any] | None = None) -> Certificate:
    """Revoke for good (a certificate on hold may be revoked too; its reason becomes the final one)."""
    if reason not in REASONS_FOR_REVOKE:
        raise BadRequestData(N_("%(reason)s is not a reason to revoke; give one of %(known)s."), reason=reason,
                             known=", ".join(REASONS_FOR_REVOKE))
    if certificate.state == "revoked":
        raise StatusConflict(N_("Certificate %(serial)s was revoked already (%(reason)s)."),
                             serial=certificate.serial, reason=certificate.revocation_reason or "")
    now = clock.now()
    # A hold keeps its original date as the revocation date (RFC 5280 §5.3.2: the invalidity started then).
    revoked_at = certificate.revoked_at if certificate.state == "hold" else now
    _change(session, certificate, expected=certificate.state, state="revoked", revoked_at=revoked_at,
            reason=reason, now=now)
    return _record(session, clock=clock, certificate=certificate, action="revoke", reason=reason, actor=actor,
                   details=details)


def hold(session: Session, *, clock: Clock, certificate: Certificate, actor: str,
         details: dict[str, Any] | None = None) -> Certificate:
    """Suspend (certificateHold) a good certificate until it is released."""
    if certificate.state != "good":
        raise StatusConflict(N_("Only a valid certificate can be put on hold; %(serial)s is on hold or revoked "
                                "already, or not issued yet."), serial=certificate.serial, state=certificate.state)
    now = clock.now()
    _change(session, certificate, expected="good", state="hold", revoked_at=now, reason="certificateHold", now=now)
    return _record(session, clock=clock, certificate=certificate, action="hold", reason="certificateHold",
                   actor=actor, details=details)


def release(session: Session, *, clock: Clock, certificate: Certificate, actor: str,
            details: dict[str, Any] | None = None) -> Certificate:
    """Lift a hold: the certificate is valid again and leaves the next CRL (removeFromCRL)."""
    if certificate.state != "hold":
        raise StatusConflict(N_("Certificate %(serial)s is not on hold, so there is nothing to release."),
                             serial=certificate.serial)
    _change(session, certificate, expected="hold", state="good", revoked_at=None, reason=None, now=clock.now())
    return _record(session, clock=clock, certificate=certificate, action="release", reason=None, actor=actor,
                   details=details)


def _change(session: Session, certificate: Certificate, *, expected: str, state: str, revoked_at: Any,
            reason: str | None, now: Any) -> None:
    result = session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.state == expected)
        .values(state=state, revoked_at=revoked_at, revocation_reason=reason, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if (result.rowcount or 0) != 1:
        session.expire(certificate)
        raise StatusConflict(N_("Certificate %(serial)s changed while this request was made; look again."),
                             serial=certificate.serial)
    session.expire(certificate)


def _record(session: Session, *, clock: Clock, certificate: Certificate, action: str, reason: str | None,
            actor: str, details: dict[str, Any] | None) -> Certificate:
    session.add(StatusEvent(certificate_id=certificate.id, action=action, reason=reason, at=clock.now(),
                            actor=actor, details=details or {}))
    audit.record(session, clock=clock, actor=actor, action=f"ecert.{action}", subject_type="ecert_certificate",
                 subject_key=certificate.serial, details={"reason": reason, **(details or {})})
    jobs.enqueue(session, clock=clock, kind=STATUS_CHANGED_JOB,
                 payload={"certificate_id": certificate.id, "action": action})
    session.flush()
    session.refresh(certificate)
    return certificate
