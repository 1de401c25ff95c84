"""The issuing CA's certificate revocation lists (RFC 5280 §5): issued, numbered, stored and served.

One **full** CRL, no partitions. An IssuingDistributionPoint partition by serial pays off when a CRL grows to
megabytes (a public web PKI with millions of revocations). This CA certifies people and organisations of one
territory: even a hundred thousand revocations make a CRL of a few MB at most, fetched by relying parties that
mostly ask the OCSP responder anyway; partitions would add a distribution point per certificate, an IDP that
every partition must carry and relying parties must match, and a way to get the partition wrong. So the
certificates' CRL distribution point names the one full CRL, and no IDP extension is written (a full CRL for all
reasons and all certificate types needs none, RFC 5280 §5.2.5).

What a CRL lists: every certificate of the issuing CA in state ``revoked`` or ``hold`` (certificateHold) with its
revocation date and reason (no reasonCode entry extension for ``unspecified``, as RFC 5280 §5.3.1 and the CA/B
Forum ask). An entry stays until its certificate expires, and then once more: it is listed while the certificate
had not yet expired when the *previous* CRL was issued, so the first CRL issued after expiry still lists it
(RFC 5280 §3.3) and the next one drops it. A released hold simply leaves the next CRL (removeFromCRL needs a delta
CRL, which we do not issue).

Numbers: the CRLNumber of a new CRL is the greatest stored number + 1, and the number is unique in
``ecert_crls``. Two workers issuing at once on PostgreSQL both read N and both try N + 1: the second's INSERT
waits on the unique index until the first commits, fails, and is retried inside a savepoint with a fresh read
(N + 2, signed again). SQLite lets one writer in at a time (BEGIN IMMEDIATE), so the race cannot happen there.

Schedule (status_jobs.py): at ``ecert_crl_times`` and at once after every status change, by the worker; by hand
with ``telreg ecert crl``; and, once, on demand when ``/ecert/crl/issuing.crl`` is asked for before any was issued.
Every CRL is kept in ``ecert_crls`` (a few a day, a few hundred bytes each); the latest by number is served.

The root CA is offline: its CRL is signed at the root ceremony (``telreg ecert init`` and the root commands of
hierarchy.py) and written to the CA directory; status_api.py serves that file as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.db import unit_of_work
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.ecert.status_models import CrlRecord

if TYPE_CHECKING:
    from telreg.config import Settings
    from telreg.runtime import Runtime

__all__ = ["NOT_ISSUED_HERE", "REASON_FLAGS", "CrlIssued", "hierarchy_of", "issue_crl", "latest_crl", "revoked_entries",
           "served_crl"]

# Our reason names (models.REVOCATION_REASONS) as RFC 5280 reason codes; "unspecified" is written as no code.
REASON_FLAGS: dict[str, x509.ReasonFlags] = {
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "affiliationChanged": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
    "certificateHold": x509.ReasonFlags.certificate_hold,
    "privilegeWithdrawn": x509.ReasonFlags.privilege_withdrawn,
}
# The hierarchy's CA certificates are recorded in ecert_certificates too, but the root signed them, not the
# issuing CA: they never appear on its CRL nor in its OCSP answers (the root's CRL covers the issuing CA).
NOT_ISSUED_HERE = ("root-ca", "issuing-ca")
_NUMBER_TRIES = 5
_DER = Encoding.DER


@dataclass(frozen=True)
class CrlIssued:
    number: int
    this_update: dt.datetime
    next_update: dt.datetime
    entries: int
    der: bytes


def hierarchy_of(runtime: Runtime) -> Hierarchy:
    """The CA hierarchy of this runtime (hierarchy.py keeps it once per process); CaNotReady while none exists."""
    from telreg.ecert.hierarchy import load_hierarchy  # the CA core: files and keys, imported on first use

    return load_hierarchy(runtime.settings)


def revoked_entries(session: Session, *, now: dt.datetime, previous: dt.datetime | None,
                    grace: dt.timedelta) -> list[Certificate]:
    """Certificates the next CRL lists: revoked or on hold, not expired before the previous CRL (see above)."""
    since = previous if previous is not None else now - grace
    stmt = (select(Certificate)
            .where(Certificate.state.in_(("revoked", "hold")), Certificate.not_after > since,
                   Certificate.profile.not_in(NOT_ISSUED_HERE))
            .order_by(Certificate.revoked_at, Certificate.id))
    return list(session.scalars(stmt))


def latest_crl(session: Session) -> CrlRecord | None:
    return session.scalar(select(CrlRecord).order_by(CrlRecord.number.desc()).limit(1))


def served_crl(runtime: Runtime) -> CrlRecord:
    """The CRL to serve: the latest stored one; the first is issued on demand when a CA exists but none was
    issued yet (a relying party must always find one). Opens its own transactions, like the OCSP responder."""
    hierarchy = hierarchy_of(runtime)  # CaNotReady before `telreg ecert init`
    with unit_of_work(runtime.read_session_factory) as session:
        latest = latest_crl(session)
    if latest is not None:
        return latest
    with unit_of_work(runtime.session_factory) as session:
        latest = latest_crl(session)  # another request may have issued it meanwhile
        if latest is None:
            issue_crl(session, clock=runtime.clock, settings=runtime.settings, hierarchy=hierarchy,
                      actor="on-demand")
            latest = latest_crl(session)
    assert latest is not None
    return latest


def issue_crl(session: Session, *, clock: Clock, settings: Settings, hierarchy: Hierarchy,
              actor: str) -> CrlIssued:
    """Sign a full CRL of the issuing CA now, store it (flush, no commit) and audit it."""
    now = clock.now().astimezone(dt.UTC).replace(microsecond=0)
    next_update = now + dt.timedelta(hours=settings.ecert_crl_validity_hours)
    previous = latest_crl(session)
    listed = revoked_entries(session, now=now, previous=previous.this_update if previous else None,
                             grace=dt.timedelta(hours=settings.ecert_crl_validity_hours))
    base = _builder(hierarchy, listed, this_update=now, next_update=next_update)
    for _ in range(_NUMBER_TRIES):
        number = (session.scalar(select(func.max(CrlRecord.number))) or 0) + 1
        crl = hierarchy.issuing.key.sign_crl(base.add_extension(x509.CRLNumber(number), critical=False))
        der = crl.public_bytes(_DER)
        row = CrlRecord(number=number, this_update=now, next_update=next_update, entries=len(listed), der=der,
                        issued_by=actor[:100], created_at=clock.now())
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # another worker took this number meanwhile: read again, sign again
        audit.record(session, clock=clock, actor=actor, action="ecert.crl", subject_type="ecert_crl",
                     subject_key=str(number), details={"entries": len(listed), "next_update": next_update.isoformat()})
        session.flush()
        return CrlIssued(number=number, this_update=now, next_update=next_update, entries=len(listed), der=der)
    raise RuntimeError(f"no free CRL number after {_NUMBER_TRIES} tries")


def _builder(hierarchy: Hierarchy, listed: list[Certificate], *, this_update: dt.datetime,
             next_update: dt.datetime) -> x509.CertificateRevocationListBuilder:
    issuer = hierarchy.issuing.certificate
    try:
        ski = issuer.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key())  # type: ignore[arg-type]
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(issuer.subject)
               .last_update(this_update)
               .next_update(next_update)
               .add_extension(aki, critical=False))
    for certificate in listed:
        assert certificate.revoked_at is not None  # the table's check: hold/revoked have a date
        entry = (x509.RevokedCertificateBuilder()
                 .serial_number(int(certificate.serial, 16))
                 .revocation_date(certificate.revoked_at.astimezone(dt.UTC).replace(microsecond=0)))
        flag = REASON_FLAGS.get(certificate.revocation_reason or "")
        if flag is not None:
            entry = entry.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder
