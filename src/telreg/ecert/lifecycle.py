"""Use cases of a subscriber certificate at the counter: issue, renew, revoke, hold, release, cards.

Issuing an application (applications.py) checks the identity again (a flag may have been loaded since), claims
the application with a conditional update (two officers issuing it at once: one certificate, the other hears
``ApplicationClosed``), then signs through ``telreg.ecert.issuance.issue_certificate`` — which checks the key
against the profile, records the intent, lints, signs and audits — and starts the certificate's subscription.
With a CA-generated key the response carries the PKCS#12 once (pkcs12.py); nothing keeps the key.

A direct issue at the counter (CLI ``telreg ecert issue --doc-type …``) records an application first and issues
it in the same transaction: one path, one audit trail.

Status changes go through revocation.py, the one place a status changes. Cards (Q8, Q12): a certificate can be
recorded as held on a smart card; removing it from the card revokes it (``cessationOfOperation``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.i18n import N_
from telreg.ecert import applications, pkcs12, repository, requests, revocation, subjects
from telreg.ecert.applications import AUDIT_SUBJECT as APPLICATION_SUBJECT
from telreg.ecert.errors import BadRequestData, CertificateNotFound, StatusConflict
from telreg.ecert.keys import Hierarchy, PrivateKey
from telreg.ecert.models import Application, Certificate
from telreg.ecert.subjects import KeyedDocument

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["CERTIFICATE_SUBJECT", "Issued", "current_hierarchy", "get_certificate", "hold", "issue_application",
           "issue_direct", "record_token", "release", "remove_from_token", "renew", "revoke"]

CERTIFICATE_SUBJECT = "ecert_certificate"
_SERIAL = re.compile(r"^[0-9a-f]{1,40}$")
_CARD_SERIAL = re.compile(r"^[A-Z0-9]{6,32}$")


@dataclass(frozen=True)
class Issued:
    """A certificate just issued; with a CA-generated key, the PKCS#12 to hand over (once) and, when the
    password was generated here, the password (shown once too)."""

    certificate: Certificate
    cert: x509.Certificate  # the signed certificate (``certificate`` is its row)
    application: Application
    chain: tuple[x509.Certificate, ...]
    pkcs12: bytes | None = None
    password: str | None = None  # generated here: shown once with the bundle (None when the officer gave one)
    superseded: Certificate | None = None

    def chain_pem(self) -> str:
        return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in (self.cert, *self.chain))


def current_hierarchy(runtime: Runtime) -> Hierarchy:
    """The deployment's CA, loaded once per runtime (CaNotReady until ``telreg ecert init``)."""
    from telreg.ecert.crl import hierarchy_of

    return hierarchy_of(runtime)


# --- issue --------------------------------------------------------------------------------------------------

def issue_application(session: Session, *, runtime: Runtime, hierarchy: Hierarchy | None = None, reference: str,
                      actor: str, pkcs12_password: str | None = None) -> Issued:
    """Issue the certificate of a submitted application (see the module docstring)."""
    application = applications.get_application(session, reference)
    if application.state != "submitted":
        raise applications.closed_error(application)
    return _issue(session, runtime=runtime, hierarchy=hierarchy, application=application, actor=actor,
                  pkcs12_password=pkcs12_password)


def issue_direct(session: Session, *, runtime: Runtime, hierarchy: Hierarchy | None = None, profile: str,
                 document: KeyedDocument, authorised_person: KeyedDocument | None = None, key_origin: str,
                 csr: bytes | str | None = None, email: str | None = None, value_added_consent: bool = False,
                 counter: str | None = None, actor: str, pkcs12_password: str | None = None) -> Issued:
    """Apply and issue in one go at the counter."""
    pkcs12.check_password(pkcs12_password)  # before anything is recorded
    application = applications.submit(
        session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings, profile=profile,
        document=document, authorised_person=authorised_person, key_origin=key_origin, csr=csr, email=email,
        value_added_consent=value_added_consent, counter=counter, actor=actor)
    return _issue(session, runtime=runtime, hierarchy=hierarchy, application=application, actor=actor,
                  pkcs12_password=pkcs12_password)


def renew(session: Session, *, runtime: Runtime, hierarchy: Hierarchy | None = None, serial: str, actor: str,
          key_origin: str, csr: bytes | str | None = None, email: str | None = None,
          value_added_consent: bool | None = None, counter: str | None = None, profile: str | None = None,
          pkcs12_password: str | None = None) -> Issued:
    """Issue a new certificate for the identity of certificate SERIAL (seed 002 Q11), before or after its expiry.

    The new certificate links the old one (``renewal_of_id``). Renewed before its expiry, the old certificate
    is revoked ``superseded``: one identity keeps one valid certificate of a kind, so a key the subscriber has
    replaced (perhaps because it was on a lost device) stops being trusted at once instead of lingering valid
    for years, and the subscription (billed per certificate) is not paid twice. After expiry there is nothing
    to revoke: an expired certificate is not valid anyway. A certificate revoked already is simply replaced
    (re-application). The identity is checked again, as at any issue.
    """
    old = get_certificate(session, serial)
    pkcs12.check_password(pkcs12_password)  # before anything is recorded
    application = applications.submit_renewal(
        session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings, old=old,
        key_origin=key_origin, csr=csr, email=email, value_added_consent=value_added_consent, counter=counter,
        actor=actor, profile=profile)
    return _issue(session, runtime=runtime, hierarchy=hierarchy, application=application, actor=actor,
                  pkcs12_password=pkcs12_password, renewing=old)


def _issue(session: Session, *, runtime: Runtime, hierarchy: Hierarchy | None, application: Application, actor: str,
           pkcs12_password: str | None, renewing: Certificate | None = None) -> Issued:
    from telreg.ecert.issuance import issue_certificate

    clock, vault = runtime.clock, runtime.vault
    hierarchy = hierarchy or current_hierarchy(runtime)
    password = pkcs12.check_password(pkcs12_password)
    terms = applications.profile_terms(runtime.settings, application.profile)
    subject = subjects.recheck(session, vault=vault, identity_id=application.identity_id,
                               authorised_person_id=application.authorised_person_id)
    name = subjects.subject_name(vault, subject)
    key: PrivateKey | None = None
    if application.key_origin == "csr":
        assert application.csr_pem is not None, "a csr application keeps its CSR"
        public_key: Any = requests.parse_csr(application.csr_pem).public_key()
        requests.check_key(public_key, allowed=terms.key_algorithms, profile=terms.name)
    else:
        key = pkcs12.generate_key(terms.default_algorithm)
        public_key = key.public_key()
    if renewing is None and application.renewal_of_id is not None:
        renewing = session.get(Certificate, application.renewal_of_id)
    applications.claim_for_issue(session, clock=clock, application=application, actor=actor)
    row, certificate = issue_certificate(
        session, runtime=runtime, hierarchy=hierarchy, profile=terms.name, subject=name, public_key=public_key,
        subject_kind=subject.kind, actor=actor, identity_id=subject.identity.id,
        authorised_person_id=subject.authorised_person.id if subject.authorised_person else None,
        application_id=application.id, renewal_of_id=renewing.id if renewing else None,
        pseudonym=subjects.pseudonym_of(vault, subject.named_person), key_origin=application.key_origin,
        counter=application.counter)
    session.refresh(application)
    superseded = _supersede(session, runtime=runtime, old=renewing, new=row, actor=actor)
    audit.record(session, clock=clock, actor=actor, action="ecert.application-issued",
                 subject_type=APPLICATION_SUBJECT, subject_key=application.reference,
                 details={"serial": row.serial, "profile": terms.name, "key_origin": application.key_origin,
                          "renewal_of": renewing.serial if renewing else None})
    _start_subscription(session, runtime=runtime, certificate=row, email=application.email)
    chain = (hierarchy.issuing.certificate, hierarchy.root)
    if key is None:
        return Issued(certificate=row, cert=certificate, application=application, chain=chain,
                      superseded=superseded)
    generated = None if password else pkcs12.generate_password()
    bundle = pkcs12.bundle(key=key, certificate=certificate, chain=chain, password=password or generated or "",
                           friendly_name=f"e-Cert {row.serial}")
    audit.record(session, clock=clock, actor=actor, action="ecert.pkcs12-delivered",
                 subject_type=CERTIFICATE_SUBJECT, subject_key=row.serial,
                 details={"password": "generated" if generated else "given", "key_kept": False})
    return Issued(certificate=row, cert=certificate, application=application, chain=chain, pkcs12=bundle,
                  password=generated, superseded=superseded)


def _supersede(session: Session, *, runtime: Runtime, old: Certificate | None, new: Certificate,
               actor: str) -> Certificate | None:
    if old is None or old.state not in ("good", "hold"):
        return None
    if old.not_after <= runtime.clock.now():
        return None  # expired: nothing to revoke (see renew)
    return revocation.revoke(session, clock=runtime.clock, certificate=old, reason="superseded", actor=actor,
                             details={"superseded_by": new.serial})


def _start_subscription(session: Session, *, runtime: Runtime, certificate: Certificate,
                        email: str | None) -> None:
    # Imported here: the subscriptions module belongs to another part of the CA and imports this context.
    from telreg.ecert.subscriptions import start_subscription

    start_subscription(session, clock=runtime.clock, settings=runtime.settings, certificate=certificate,
                       email=email)


# --- status -------------------------------------------------------------------------------------------------

def get_certificate(session: Session, serial: str) -> Certificate:
    """The certificate with this serial (hex, case and colons or spaces ignored)."""
    cleaned = normalise_serial(serial)
    row = repository.certificate_by_serial(session, cleaned) if cleaned else None
    if row is None:
        raise CertificateNotFound(N_("There is no certificate with serial %(serial)s."), serial=serial)
    return row


def normalise_serial(serial: str) -> str | None:
    cleaned = re.sub(r"[\s:]", "", serial or "").lower()
    cleaned = cleaned.lstrip("0") or cleaned[:1]
    return cleaned if _SERIAL.match(cleaned) else None


def revoke(session: Session, *, runtime: Runtime, serial: str, reason: str, actor: str) -> Certificate:
    """Revoke a certificate for good with an RFC 5280 reason (checked in revocation.py)."""
    return revocation.revoke(session, clock=runtime.clock, certificate=get_certificate(session, serial),
                             reason=reason, actor=actor)


def hold(session: Session, *, runtime: Runtime, serial: str, actor: str) -> Certificate:
    """Suspend a certificate (certificateHold) until it is released."""
    return revocation.hold(session, clock=runtime.clock, certificate=get_certificate(session, serial), actor=actor)


def release(session: Session, *, runtime: Runtime, serial: str, actor: str) -> Certificate:
    """Release a certificate from hold."""
    return revocation.release(session, clock=runtime.clock, certificate=get_certificate(session, serial),
                              actor=actor)


# --- cards --------------------------------------------------------------------------------------------------

def record_token(session: Session, *, runtime: Runtime, serial: str, token_serial: str,
                 actor: str) -> Certificate:
    """Record that the certificate is held on the smart card TOKEN_SERIAL (as printed; spaces, hyphens and case
    ignored)."""
    card = re.sub(r"[\s-]", "", token_serial or "").upper()
    if not _CARD_SERIAL.match(card):
        raise BadRequestData(N_("%(given)s is not a card serial: 6 to 32 letters and digits."),
                             given=repr(token_serial))
    row = get_certificate(session, serial)
    if row.state not in ("good", "hold"):
        raise StatusConflict(N_("Certificate %(serial)s is not valid (revoked, or not issued yet); only a valid "
                                "certificate is put on a card."), serial=row.serial, state=row.state)
    if row.token_serial is not None or not repository.set_token(session, row, token_serial=card):
        session.refresh(row)
        raise StatusConflict(N_("Certificate %(serial)s is recorded on a card already; remove it first."),
                             serial=row.serial)
    session.refresh(row)
    audit.record(session, clock=runtime.clock, actor=actor, action="ecert.token-recorded",
                 subject_type=CERTIFICATE_SUBJECT, subject_key=row.serial, details={"token_serial": card})
    return row


def remove_from_token(session: Session, *, runtime: Runtime, serial: str, actor: str) -> Certificate:
    """The certificate was removed from its card: it is revoked (cessationOfOperation), as the seed's Q12
    says a certificate removed from a card cannot be used again."""
    row = get_certificate(session, serial)
    if row.token_serial is None:
        raise StatusConflict(N_("Certificate %(serial)s is not recorded on a card."), serial=row.serial)
    card = row.token_serial
    revoked = revocation.revoke(session, clock=runtime.clock, certificate=row, reason="cessationOfOperation",
                                actor=actor, details={"token_serial": card, "cause": "removed from card"})
    audit.record(session, clock=runtime.clock, actor=actor, action="ecert.token-removed",
                 subject_type=CERTIFICATE_SUBJECT, subject_key=row.serial, details={"token_serial": card})
    return revoked
