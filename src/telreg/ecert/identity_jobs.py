"""Automatic revocation when the real-name identity behind certificates changes (job ``ecert.identity-changed``).

The real-name module does not know the CA exists: when a verification flag is loaded for a document, or when
an identity's last current registration is terminated, it enqueues this job with the identity's id, the cause
(``flagged`` or ``terminated``) and, for a flag, its result. The worker then acts on the identity's valid or
suspended certificates (and, for a flag, those of organisations it is the authorised person of):

    flagged forged or impostor → revoked, privilegeWithdrawn (the identity was never who it claimed to be)
    flagged lost               → put on hold: the document may be found again; an officer revokes or releases
    terminated                 → revoked, cessationOfOperation (no current registration verifies it any more)

Each change goes through revocation.py (audited there, actor ``ecert.identity-hook``, the cause in the
details). Running the job twice changes nothing more: a certificate already revoked or on hold is skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.ecert import repository, revocation

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["ACTOR", "IDENTITY_CHANGED_JOB", "identity_changed"]

IDENTITY_CHANGED_JOB = "ecert.identity-changed"
ACTOR = "ecert.identity-hook"


@jobs.handler(IDENTITY_CHANGED_JOB)
def identity_changed(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Revoke or hold the certificates of the identity named in PAYLOAD (see the module docstring)."""
    identity_id = int(payload["identity_id"])
    cause, result = payload.get("cause"), payload.get("result")
    details = {"cause": cause, "result": result, "identity_id": identity_id}
    flagged = cause == "flagged"
    if flagged and result == "lost":
        for row in repository.certificates_of_identity(session, identity_id, states=("good",),
                                                       as_authorised_person=True):
            revocation.hold(session, clock=runtime.clock, certificate=row, actor=ACTOR, details=details)
        return
    if flagged and result in ("forged", "impostor"):
        reason = "privilegeWithdrawn"
    elif cause == "terminated":
        reason = "cessationOfOperation"
    else:
        return  # a cause this version does not act on (a newer sender, an old job): nothing to do
    for row in repository.certificates_of_identity(session, identity_id, states=("good", "hold"),
                                                   as_authorised_person=flagged):
        revocation.revoke(session, clock=runtime.clock, certificate=row, reason=reason, actor=ACTOR,
                          details=details)
