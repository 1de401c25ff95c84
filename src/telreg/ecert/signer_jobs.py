"""The worker renews the delegated signers (OCSP responder, document signer) before they end (job
``ecert.renew-signer``).

Both are certified for a year at ``telreg ecert init`` (profiles ``ocsp-signing`` and ``document-signing``).
Once a day per role (unique key ``ecert.renew-signer:<role>:<HK date>``), while the signer this process holds ends
within ``ecert_signer_renew_days`` (30), the recurring schedule queues a job; the job calls hierarchy.py's
``renew_signer`` with ``only_if_due``, which decides again from ``signers.json`` on disk under the CA directory's
lock: two workers, or a job run twice, renew once. The renewal records the new certificate in
``ecert_certificates`` and is audited (``ecert.renew-signer``, actor ``worker``) in the job's transaction.

After the OCSP signer is renewed, the pre-signed responses are made due (``refresh_at`` moved to now) and the
OCSP refresh (status_jobs.py) is queued, so the table is re-signed with the new signer. Until then the responses
of the old signer stay valid to their nextUpdate: its certificate has not ended. The refresh runs
``hierarchy.RECHECK_SECONDS`` after the renewal or later, by when every worker has noticed the new signer (a
worker that still held the old one would re-sign with it, and the table would keep it until the next refresh).
The document signer needs nothing more: publications and receipts are signed with ``load_hierarchy``'s signer
from then on (signing.py).

While no CA exists, or its keys cannot be opened, the schedule queues nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.core.clock import Clock, today
from telreg.ecert.crl import hierarchy_of
from telreg.ecert.errors import CaNotReady
from telreg.ecert.hierarchy import RECHECK_SECONDS, SIGNER_ROLES, renew_signer, renewal_due
from telreg.ecert.keys import Hierarchy
from telreg.ecert.serials import serial_hex
from telreg.ecert.status_jobs import OCSP_REFRESH_JOB
from telreg.ecert.status_models import OcspResponseRecord

if TYPE_CHECKING:
    from telreg.config import Settings
    from telreg.runtime import Runtime

__all__ = ["SIGNER_RENEWAL_JOB", "WORKER", "due_roles", "ensure_signer_renewal_jobs", "renew_due_signer"]

SIGNER_RENEWAL_JOB = "ecert.renew-signer"
WORKER = "worker"


def due_roles(hierarchy: Hierarchy, *, now: dt.datetime, settings: Settings) -> list[str]:
    """The delegated signers of HIERARCHY that end within the renewal window at NOW."""
    return [role for role in SIGNER_ROLES
            if renewal_due(getattr(hierarchy, role).certificate, now=now, settings=settings)]


def ensure_signer_renewal_jobs(session: Session, *, clock: Clock, runtime: Runtime) -> list[str]:
    """Queue today's renewal of every signer that is due (once per day and role); return the roles queued."""
    try:
        hierarchy = hierarchy_of(runtime)
    except CaNotReady:
        return []
    roles = due_roles(hierarchy, now=clock.now(), settings=runtime.settings)
    day = today(clock).isoformat()
    for role in roles:
        jobs.enqueue(session, clock=clock, kind=SIGNER_RENEWAL_JOB, payload={"role": role},
                     unique_key=f"{SIGNER_RENEWAL_JOB}:{role}:{day}")
    return roles


@jobs.recurring(SIGNER_RENEWAL_JOB)
def schedule_signer_renewal(session: Session, runtime: Runtime) -> None:
    ensure_signer_renewal_jobs(session, clock=runtime.clock, runtime=runtime)


@jobs.handler(SIGNER_RENEWAL_JOB)
def renew_due_signer(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Renew the signer named in PAYLOAD if it is still due (see the module docstring)."""
    clock = runtime.clock
    role = str(payload["role"])
    signer = renew_signer(runtime.settings, clock=clock, role=role, session=session, actor=WORKER,
                          only_if_due=True)
    if signer is None or role != "ocsp":
        return
    now = clock.now()
    # Every stored response becomes due: refresh_due re-signs the pre-signed ones in batches, and the responder
    # signs the others afresh when next asked.
    session.execute(update(OcspResponseRecord).where(OcspResponseRecord.refresh_at > now).values(refresh_at=now)
                    .execution_options(synchronize_session=False))
    jobs.enqueue(session, clock=clock, kind=OCSP_REFRESH_JOB, payload={"after_signer": "ocsp"},
                 run_at=now + dt.timedelta(seconds=RECHECK_SECONDS + 1),
                 unique_key=f"{OCSP_REFRESH_JOB}:signer:{serial_hex(signer.certificate.serial_number)}")
    session.flush()
