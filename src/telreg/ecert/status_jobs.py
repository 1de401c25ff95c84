"""The worker's status work: scheduled CRLs, the OCSP refresh, and the reaction to every status change.

- ``ecert.crl``: a recurring schedule queues one CRL at each of ``ecert_crl_times`` (Hong Kong time; the seed's
  09:15, 14:15 and 19:00), once per day and time (unique key ``ecert.crl:YYYY-MM-DDTHH:MM``). Only the latest
  time already reached is queued, so a worker started late in the day issues one CRL, not a backlog.
- ``ecert.ocsp-refresh``: queued at most every ``OCSP_REFRESH_EVERY``; re-signs the pre-signed responses that are
  missing, stale or past their refresh time (``refresh_due``), in batches.
- ``ecert.status-changed`` (queued by revocation.py with every revoke, hold and release): a CRL at once, and the
  certificate's OCSP responses re-signed at once.

While no CA exists (before ``telreg ecert init``) the schedules queue nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.core.clock import HK, Clock, to_hk
from telreg.ecert import crl, ocsp
from telreg.ecert.errors import CaNotReady
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.ecert.revocation import STATUS_CHANGED_JOB
from telreg.ecert.status_models import OcspResponseRecord

if TYPE_CHECKING:
    from telreg.config import Settings
    from telreg.runtime import Runtime

__all__ = ["CRL_JOB", "OCSP_REFRESH_EVERY", "OCSP_REFRESH_JOB", "due_crl_time", "ensure_crl_job",
           "ensure_ocsp_refresh_job", "refresh_all", "refresh_due", "resign_certificate"]

CRL_JOB = "ecert.crl"
OCSP_REFRESH_JOB = "ecert.ocsp-refresh"
OCSP_REFRESH_EVERY = dt.timedelta(hours=1)
WORKER = "worker"


def due_crl_time(*, clock: Clock, settings: Settings) -> dt.datetime | None:
    """The latest scheduled CRL time today (Hong Kong) already reached, or None before the first."""
    now = to_hk(clock.now())
    reached = [dt.datetime.combine(now.date(), t, HK) for t in settings.ecert_crl_times]
    reached = [at for at in reached if at <= now]
    return max(reached) if reached else None


def ensure_crl_job(session: Session, *, clock: Clock, settings: Settings) -> None:
    at = due_crl_time(clock=clock, settings=settings)
    if at is not None:
        jobs.enqueue(session, clock=clock, kind=CRL_JOB, payload={"scheduled": at.isoformat()}, run_at=at,
                     unique_key=f"{CRL_JOB}:{at:%Y-%m-%dT%H:%M}")


def ensure_ocsp_refresh_job(session: Session, *, clock: Clock) -> None:
    now = to_hk(clock.now())
    slot = int(now.timestamp() // OCSP_REFRESH_EVERY.total_seconds())
    jobs.enqueue(session, clock=clock, kind=OCSP_REFRESH_JOB, payload={}, unique_key=f"{OCSP_REFRESH_JOB}:{slot}")


def resign_certificate(session: Session, *, clock: Clock, settings: Settings, hierarchy: Hierarchy,
                       certificate: Certificate) -> int:
    """Re-sign every stored response of a certificate (and its SHA-1 one in any case); return how many."""
    if certificate.profile in crl.NOT_ISSUED_HERE:
        return 0
    algorithms = set(session.scalars(select(OcspResponseRecord.hash_algorithm)
                                     .where(OcspResponseRecord.certificate_id == certificate.id)))
    algorithms.add(ocsp.PRE_SIGNED)
    now = clock.now()
    for algorithm in sorted(algorithms):
        signed = ocsp.sign_for(signer=hierarchy.ocsp, issuer=hierarchy.issuing.certificate,
                               serial=int(certificate.serial, 16), algorithm=algorithm, certificate=certificate,
                               now=now, settings=settings)
        ocsp.store_response(session, certificate=certificate, algorithm=algorithm, signed=signed, now=now)
    session.flush()
    return len(algorithms)


def refresh_due(session: Session, *, clock: Clock, settings: Settings, hierarchy: Hierarchy,
                limit: int = 2000) -> int:
    """Pre-sign (SHA-1 CertIDs) for unexpired issued certificates whose response is missing, stale or past its
    refresh time; at most LIMIT per call (the caller loops). Return how many were signed."""
    now = clock.now()
    response = OcspResponseRecord
    stmt = (select(Certificate)
            .outerjoin(response, (response.certificate_id == Certificate.id)
                       & (response.hash_algorithm == ocsp.PRE_SIGNED))
            .where(Certificate.state != "intent", Certificate.not_after > now,
                   Certificate.profile.not_in(crl.NOT_ISSUED_HERE))
            .where(or_(response.id.is_(None), response.refresh_at <= now,
                       response.source_changed_at < Certificate.status_changed_at,
                       (Certificate.state == "good") != (response.cert_status == "good")))
            .order_by(Certificate.id)
            .limit(limit))
    done = 0
    for certificate in session.scalars(stmt):
        signed = ocsp.sign_for(signer=hierarchy.ocsp, issuer=hierarchy.issuing.certificate,
                               serial=int(certificate.serial, 16), algorithm=ocsp.PRE_SIGNED, certificate=certificate,
                               now=now, settings=settings)
        ocsp.store_response(session, certificate=certificate, algorithm=ocsp.PRE_SIGNED, signed=signed, now=now)
        done += 1
    session.flush()
    return done


def refresh_all(session: Session, runtime: Runtime, *, batch: int = 2000) -> int:
    """Re-sign every due OCSP response, batch after batch (each flushed); return how many."""
    hierarchy = crl.hierarchy_of(runtime)
    total = 0
    while True:
        done = refresh_due(session, clock=runtime.clock, settings=runtime.settings, hierarchy=hierarchy,
                           limit=batch)
        total += done
        if done < batch:
            return total


def _ca_ready(runtime: Runtime) -> bool:
    try:
        crl.hierarchy_of(runtime)
    except CaNotReady:
        return False
    return True


@jobs.recurring(CRL_JOB)
def schedule_crl(session: Session, runtime: Runtime) -> None:
    if _ca_ready(runtime):
        ensure_crl_job(session, clock=runtime.clock, settings=runtime.settings)


@jobs.recurring(OCSP_REFRESH_JOB)
def schedule_ocsp_refresh(session: Session, runtime: Runtime) -> None:
    if _ca_ready(runtime):
        ensure_ocsp_refresh_job(session, clock=runtime.clock)


@jobs.handler(CRL_JOB)
def issue_scheduled_crl(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    crl.issue_crl(session, clock=runtime.clock, settings=runtime.settings, hierarchy=crl.hierarchy_of(runtime),
                  actor=WORKER)


@jobs.handler(OCSP_REFRESH_JOB)
def refresh_ocsp(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    refresh_all(session, runtime)


@jobs.handler(STATUS_CHANGED_JOB)
def status_changed(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """A certificate was revoked, held or released: a new CRL and its OCSP responses re-signed, now."""
    hierarchy = crl.hierarchy_of(runtime)
    crl.issue_crl(session, clock=runtime.clock, settings=runtime.settings, hierarchy=hierarchy, actor=WORKER)
    certificate = session.get(Certificate, int(payload["certificate_id"]))
    if certificate is not None:
        resign_certificate(session, clock=runtime.clock, settings=runtime.settings, hierarchy=hierarchy,
                                certificate=certificate)
