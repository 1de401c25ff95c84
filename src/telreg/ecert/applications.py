"""Applications for a subscriber certificate, made at a counter by a CA officer for a verified identity.

    submitted ──issue──▶ issued (a certificate links back through certificates.application_id)
        ├──reject (with a reason)──▶ rejected
        └──withdraw───────────────▶ withdrawn

An application names its profile (personal, smart-id, organisational), the verified identity (subjects.py; an
organisation with its authorised person), where the key comes from (``csr``: the subscriber's PKCS#10, checked
here at once; ``ca``: generated at issue and delivered once as PKCS#12, pkcs12.py), the e-mail for subscription
reminders, and the subscriber's answer on value-added use of their data (seed 002 Q7: without a recorded "yes",
no value-added use), recorded with its time either way.

References are ``EC-<year>-<six digits>``, counted per Hong Kong year; the unique constraint settles two counters
taking the same number at once (the loser takes the next). Every step is audited (never a personal value in the
details). Deciding an application is a conditional update on ``submitted`` (repository.claim_application), so
two officers cannot both issue, or one issue while another rejects.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.ecert import repository, requests
from telreg.ecert.errors import ApplicationClosed, ApplicationNotFound, BadRequestData
from telreg.ecert.models import KEY_ORIGINS, Application, Certificate
from telreg.ecert.subjects import KeyedDocument, VerifiedSubject, find_verified, recheck
from telreg.realname import consent

__all__ = ["AUDIT_SUBJECT", "SUBSCRIBER_PROFILES", "ProfileTerms", "add_with_reference", "check_csr",
           "check_email", "claim_for_issue", "closed_error", "get_application", "profile_terms", "reject",
           "submit", "submit_renewal", "withdraw"]

AUDIT_SUBJECT = "ecert_application"
SUBSCRIBER_PROFILES = ("personal", "smart-id", "organisational")
REASON_MAX_CHARS = 500
COUNTER_MAX_CHARS = 64
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class ProfileTerms:
    """What the lifecycle needs to know of a profile: whom it certifies and which keys it takes."""

    name: str
    subject_kind: str  # person | organisation
    key_algorithms: tuple[str, ...]
    default_algorithm: str


def profile_terms(settings: Settings, name: str) -> ProfileTerms:
    """The terms of a subscriber profile (personal, smart-id, organisational); BadRequestData for any other."""
    from telreg.ecert.profiles import get_profiles  # the CA core's profile files, loaded once

    profiles = get_profiles(settings)
    profile = profiles.get(name) if name in SUBSCRIBER_PROFILES else None
    if profile is None:
        raise BadRequestData(N_("%(profile)s is not a subscriber certificate profile; use one of %(known)s."),
                             profile=repr(name), known=", ".join(p for p in SUBSCRIBER_PROFILES if profiles.get(p)))
    algorithms = tuple(profile.key_algorithms)
    return ProfileTerms(name=name, subject_kind=profile.subject_kind, key_algorithms=algorithms,
                        default_algorithm=profile.default_algorithm)


def submit(session: Session, *, vault: Vault, clock: Clock, settings: Settings, profile: str,
           document: KeyedDocument, authorised_person: KeyedDocument | None = None, key_origin: str,
           csr: bytes | str | None = None, email: str | None = None, value_added_consent: bool = False,
           counter: str | None = None, actor: str, renewal_of_id: int | None = None) -> Application:
    """Record an application for a verified identity; every check is made now, so a submitted application can
    be issued (unless a flag is loaded meanwhile: issuing checks the identity again)."""
    terms = profile_terms(settings, profile)
    _check_origin(key_origin, csr)
    subject = find_verified(session, vault=vault, document=document, authorised_person=authorised_person)
    return _record(session, clock=clock, subject=subject, terms=terms, key_origin=key_origin, csr=csr,
                   email=check_email(email), value_added_consent=bool(value_added_consent),
                   consent_recorded_at=clock.now(), counter=counter, actor=actor, renewal_of=None)


def submit_renewal(session: Session, *, vault: Vault, clock: Clock, settings: Settings, old: Certificate,
                   key_origin: str, csr: bytes | str | None = None, email: str | None = None,
                   value_added_consent: bool | None = None, counter: str | None = None, actor: str,
                   profile: str | None = None) -> Application:
    """Record the application renewing certificate OLD for the same identity (checked again: a flag may have
    been loaded since). The e-mail and the consent answer carry over from the old application unless given."""
    if old.identity_id is None or old.subject_kind not in ("person", "organisation") or old.state == "intent":
        raise BadRequestData(N_("Certificate %(serial)s is not a subscriber's certificate, so it cannot be "
                                "renewed at a counter."), serial=old.serial)
    terms = profile_terms(settings, profile or old.profile)
    _check_origin(key_origin, csr)
    subject = recheck(session, vault=vault, identity_id=old.identity_id,
                      authorised_person_id=old.authorised_person_id)
    previous = session.get(Application, old.application_id) if old.application_id is not None else None
    if value_added_consent is not None or previous is None:
        consent, consent_at = bool(value_added_consent), clock.now()
    else:
        consent, consent_at = previous.value_added_consent, previous.consent_recorded_at
    return _record(session, clock=clock, subject=subject, terms=terms, key_origin=key_origin, csr=csr,
                   email=check_email(email) if email else (previous.email if previous else None),
                   value_added_consent=consent, consent_recorded_at=consent_at, counter=counter, actor=actor,
                   renewal_of=old)


def _record(session: Session, *, clock: Clock, subject: VerifiedSubject, terms: ProfileTerms, key_origin: str,
            csr: bytes | str | None, email: str | None, value_added_consent: bool,
            consent_recorded_at: dt.datetime | None, counter: str | None, actor: str,
            renewal_of: Certificate | None) -> Application:
    _check_kind(subject, terms)
    csr_pem = check_csr(csr, subject=subject, terms=terms) if key_origin == "csr" else None
    row = Application(
        profile=terms.name, identity_id=subject.identity.id,
        authorised_person_id=subject.authorised_person.id if subject.authorised_person else None,
        renewal_of_id=renewal_of.id if renewal_of else None, key_origin=key_origin, csr_pem=csr_pem, email=email,
        counter=check_counter(counter), value_added_consent=value_added_consent,
        consent_recorded_at=consent_recorded_at, state="submitted", created_at=clock.now(),
        created_by=actor[:100])
    add_with_reference(session, clock=clock, row=row)
    audit.record(session, clock=clock, actor=actor, action="ecert.application-submitted",
                 subject_type=AUDIT_SUBJECT, subject_key=row.reference,
                 details={"profile": terms.name, "key_origin": key_origin, "counter": row.counter,
                          "value_added_consent": value_added_consent,
                          "renewal_of": renewal_of.serial if renewal_of else None,
                          "identity_id": row.identity_id})
    # The answer is also the subscriber's instruction to the CA in the one consent history (issue 16 §3).
    consent.record_ecert_answer(session, clock=clock, identity_id=row.identity_id, granted=value_added_consent,
                                given_at=consent_recorded_at, actor=actor, reference=row.reference)
    return row


def _check_origin(key_origin: str, csr: bytes | str | None) -> None:
    if key_origin not in KEY_ORIGINS:
        raise BadRequestData(N_("Key origin %(given)s is not one of %(known)s."), given=repr(key_origin),
                             known=", ".join(KEY_ORIGINS))
    if key_origin == "ca" and csr:
        raise BadRequestData(N_("A CSR is sent only when the subscriber generates the key (key origin csr)."))


def get_application(session: Session, reference: str) -> Application:
    row = repository.application_by_reference(session, reference.strip().upper())
    if row is None:
        raise ApplicationNotFound(N_("There is no application %(reference)s."), reference=reference)
    return row


def reject(session: Session, *, clock: Clock, reference: str, reason: str, actor: str) -> Application:
    """Refuse a submitted application, saying why (the reason is kept and shown to the applicant)."""
    reason = (reason or "").strip()
    if not reason:
        raise BadRequestData(N_("Give the reason for rejecting the application."))
    if len(reason) > REASON_MAX_CHARS:
        raise BadRequestData(N_("The reason has %(count)s characters; at most %(limit)s are kept."),
                             count=len(reason), limit=REASON_MAX_CHARS)
    return _decide(session, clock=clock, reference=reference, state="rejected", actor=actor, reason=reason,
                   action="ecert.application-rejected")


def withdraw(session: Session, *, clock: Clock, reference: str, actor: str,
             reason: str | None = None) -> Application:
    """Withdraw a submitted application at the applicant's request."""
    return _decide(session, clock=clock, reference=reference, state="withdrawn", actor=actor,
                   reason=(reason or "").strip()[:REASON_MAX_CHARS] or None, action="ecert.application-withdrawn")


def claim_for_issue(session: Session, *, clock: Clock, application: Application, actor: str) -> None:
    """Mark the application issued before its certificate is signed: of two officers issuing it at once, one
    claims it and the other hears ApplicationClosed (the claim rolls back with the transaction if issuing
    fails)."""
    if not repository.claim_application(session, application, state="issued", at=clock.now(), actor=actor):
        session.refresh(application)
        raise closed_error(application)


def check_csr(csr: bytes | str | None, *, subject: VerifiedSubject, terms: ProfileTerms) -> str:
    """Check a subscriber's CSR for this subject and profile; return it as PEM (how it is kept)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    if not csr:
        raise BadRequestData(N_("Send the subscriber's certificate request (CSR), or choose key origin ca to "
                                "have the key generated."))
    request = requests.parse_csr(csr)
    requests.check_key(request.public_key(), allowed=terms.key_algorithms, profile=terms.name)
    requests.check_names(request, names=[n for n in (subject.name, subject.authorised_name) if n])
    return request.public_bytes(Encoding.PEM).decode("ascii")


def check_email(email: str | None) -> str | None:
    address = (email or "").strip()
    if not address:
        return None
    if len(address) > 254 or not _EMAIL.match(address):
        raise BadRequestData(N_("%(value)s is not an email address such as name@example.com."),
                             value=repr(address))
    return address


def check_counter(counter: str | None) -> str | None:
    name = (counter or "").strip()
    if len(name) > COUNTER_MAX_CHARS:
        raise BadRequestData(N_("The counter's name has %(count)s characters; at most %(limit)s."),
                             count=len(name), limit=COUNTER_MAX_CHARS)
    return name or None


def application_summary(row: Application) -> dict[str, Any]:
    """Audit-safe facts of an application (no personal data)."""
    return {"reference": row.reference, "profile": row.profile, "key_origin": row.key_origin, "state": row.state}


def _check_kind(subject: VerifiedSubject, terms: ProfileTerms) -> None:
    if subject.kind == terms.subject_kind:
        return
    if subject.kind == "organisation":
        raise BadRequestData(N_("Profile %(profile)s certifies a person; this identity is an organisation: use "
                                "the organisational profile."), profile=terms.name)
    raise BadRequestData(N_("Profile %(profile)s certifies an organisation; this identity is a person."),
                         profile=terms.name)


def add_with_reference(session: Session, *, clock: Clock, row: Application) -> None:
    prefix = f"EC-{today(clock).year}-"
    for _ in range(_REFERENCE_ATTEMPTS):
        last = repository.last_reference(session, prefix)
        row.reference = f"{prefix}{(int(last[len(prefix):]) if last else 0) + 1:06d}"
        if repository.add_application(session, row):
            return
    raise RuntimeError("could not take an application reference after several attempts")


def _decide(session: Session, *, clock: Clock, reference: str, state: str, actor: str, reason: str | None,
            action: str) -> Application:
    row = get_application(session, reference)
    if row.state != "submitted" or not repository.claim_application(session, row, state=state, at=clock.now(),
                                                                    actor=actor, reason=reason):
        session.refresh(row)
        raise closed_error(row)
    session.refresh(row)
    audit.record(session, clock=clock, actor=actor, action=action, subject_type=AUDIT_SUBJECT,
                 subject_key=row.reference, details={"reason": reason})
    return row


_CLOSED = {
    "issued": N_("Application %(reference)s was issued already; there is nothing to decide."),
    "rejected": N_("Application %(reference)s was rejected already; there is nothing to decide."),
    "withdrawn": N_("Application %(reference)s was withdrawn already; there is nothing to decide."),
}


def closed_error(row: Application) -> ApplicationClosed:
    """The refusal to decide an application decided already (issued, rejected or withdrawn)."""
    return ApplicationClosed(_CLOSED.get(row.state, _CLOSED["issued"]), reference=row.reference, state=row.state)
