"""Subjects of certificates: verified real-name identities, found from what the officer keys at the counter.

A CA officer at a counter keys the applicant's document type, number and name as shown on the document. The
identity is *verified* when all of these hold, checked in this order (the first that fails is the sentence the
officer hears; it names only what the officer keyed, never a value from the record):

1. the document is on record in the real-name register (its blind index finds an identity);
2. it was registered through a checked registration: a row of ``realname_registrations`` holds it as holder
   (an organisation's authorised person may instead be the handler who acted for the organisation);
3. no verification flag is in force for it (forged, lost, impostor: the verification register);
4. the name keyed is the name on record (``same_name``: case, spaces and punctuation aside).

The certificate never carries the document number: the subject's ``serialNumber`` attribute holds a keyed
pseudonym, an HMAC of the identity's blind index under the vault's index key (the seed's "HKID number in
encrypted form"; EJBCA's Unid-Fnr idea). The platform can find the identity from a certificate (same key, same
pseudonym) while a reader of the certificate learns nothing about the number. For an organisation the
pseudonym is the authorised person's, and the business registration number (public by law) is named as the
profile says.

This module reads the real-name context's tables directly (identity by blind index, registrations, flags): the
CA is the real-name register's own certification authority and only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.ecert.errors import BadRequestData, IdentityNotVerified
from telreg.realname import identities, verification_repository, words
from telreg.realname import repository as realname_repository
from telreg.realname.documents import DOCUMENT_TYPES, check_document
from telreg.realname.models import Identity, Registration

__all__ = ["PSEUDONYM_KIND", "KeyedDocument", "VerifiedSubject", "find_verified", "pseudonym_of",
           "recheck", "subject_name"]

PSEUDONYM_KIND = "ecert.pseudonym"
_FLAG_RESULTS = {"forged": N_("forged or altered"), "lost": N_("reported lost"),
                 "impostor": N_("used by an impostor")}
NAME_MAX_CHARS = 64  # X.520 ub-common-name / ub-organization-name


@dataclass(frozen=True)
class KeyedDocument:
    """What the officer keyed from a document: its type, its number and the name as printed on it."""

    doc_type: str
    number: str
    name: str


@dataclass(frozen=True)
class VerifiedSubject:
    """A verified identity (and, for an organisation, its verified authorised person) ready to be named."""

    kind: str  # person | organisation
    identity: Identity
    name: str  # as recorded
    authorised_person: Identity | None = None
    authorised_name: str | None = None
    registration_number: str | None = None  # an organisation's document number (BR number), public

    @property
    def named_person(self) -> Identity:
        """The person whose document the certificate's pseudonym stands for."""
        return self.authorised_person or self.identity


def find_verified(session: Session, *, vault: Vault, document: KeyedDocument,
                  authorised_person: KeyedDocument | None = None) -> VerifiedSubject:
    """Return the verified subject the officer keyed, or raise IdentityNotVerified saying which check failed."""
    identity = _verified_identity(session, vault=vault, document=document, role=N_("applicant"))
    if identity.kind == "organisation":
        if authorised_person is None:
            raise IdentityNotVerified(N_("An organisation's certificate needs its authorised person too: key "
                                         "the authorised person's document and name."))
        person = _verified_identity(session, vault=vault, document=authorised_person,
                                    role=N_("authorised person"), organisation=identity)
        if person.kind != "person":
            raise IdentityNotVerified(N_("The authorised person must be a person, not an organisation."))
        return _subject(vault, identity, person)
    if authorised_person is not None:
        raise BadRequestData(N_("An authorised person is named for an organisation only; this applicant is a "
                                "person."))
    return _subject(vault, identity, None)


def recheck(session: Session, *, vault: Vault, identity_id: int,
            authorised_person_id: int | None = None) -> VerifiedSubject:
    """Check again, at issue or renewal, that an identity already found is still verified (a flag may have
    been loaded since the application)."""
    identity = realname_repository.identity(session, identity_id)
    _ensure_checked(session, identity, document=None, role=N_("applicant"))
    person = None
    if authorised_person_id is not None:
        person = realname_repository.identity(session, authorised_person_id)
        _ensure_checked(session, person, document=None, role=N_("authorised person"), organisation=identity)
    return _subject(vault, identity, person)


def pseudonym_of(vault: Vault, identity: Identity) -> str:
    """The keyed pseudonym of an identity's document (64 hex characters): one per document, whatever type of
    the same number was shown, and useless without the platform's index key."""
    return vault.blind_index(PSEUDONYM_KIND, identity.document_index)


def subject_name(vault: Vault, subject: VerifiedSubject, *, country: str = "HK",
                 registration_attribute: str = "organizationIdentifier",
                 registration_prefix: str = "NTRHK-") -> x509.Name:
    """Build the certificate's subject from the identity as recorded (never from a CSR).

    A person: C, CN (the name as recorded), serialNumber (the pseudonym). An organisation: C, O (its name),
    the BR number in ``registration_attribute`` (``organizationIdentifier`` with the ETSI EN 319 412-1
    semantics prefix ``NTRHK-`` by default, or ``organizationalUnitName``), CN (the authorised person) and
    serialNumber (the authorised person's pseudonym).
    """
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if subject.kind == "organisation":
        assert subject.authorised_name is not None and subject.registration_number is not None
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fits(subject.name)))
        oid = (NameOID.ORGANIZATIONAL_UNIT_NAME if registration_attribute == "organizationalUnitName"
               else NameOID.ORGANIZATION_IDENTIFIER)
        attributes.append(x509.NameAttribute(oid, f"{registration_prefix}{subject.registration_number}"))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, _fits(subject.authorised_name)))
    else:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, _fits(subject.name)))
    attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, pseudonym_of(vault, subject.named_person)))
    return x509.Name(attributes)


# --- checks -------------------------------------------------------------------------------------------------

def _verified_identity(session: Session, *, vault: Vault, document: KeyedDocument, role: str,
                       organisation: Identity | None = None) -> Identity:
    doc_type = document.doc_type.strip()
    if doc_type not in DOCUMENT_TYPES:
        raise BadRequestData(N_("Unknown document type %(given)s; known types are: %(known)s."),
                             given=repr(doc_type), known=words.documents(DOCUMENT_TYPES))
    if not document.name.strip():
        raise BadRequestData(N_("Key the %(role)s's name as shown on the document."), role=role)
    check = check_document(doc_type, document.number)
    if not check.valid or check.normalised is None:
        # The reason never quotes the number (documents/result.py), so it may be shown.
        raise BadRequestData(N_("The %(role)s's %(doc_type)s is not valid: %(reason)s"), role=role,
                             doc_type=words.document(doc_type), reason=check.reason)
    index = identities.document_index(vault, doc_type=doc_type, normalised=check.normalised)
    identity = realname_repository.identity_by_index(session, index)
    if identity is None:
        raise IdentityNotVerified(
            N_("The %(role)s's %(doc_type)s is not on record in the real-name register: only an identity "
               "registered there can be certified."), role=role, doc_type=words.document(doc_type),
            check="on_record")
    _ensure_checked(session, identity, document=document, role=role, organisation=organisation)
    if not identities.same_name(identities.open_details(vault, identity)["name"], document.name):
        raise IdentityNotVerified(
            N_("The name keyed for the %(role)s does not match the name on record for this %(doc_type)s; key "
               "the name exactly as shown on the document."), role=role, doc_type=words.document(doc_type),
            check="name")
    return identity


def _ensure_checked(session: Session, identity: Identity, *, document: KeyedDocument | None, role: str,
                    organisation: Identity | None = None) -> None:
    doc_type = words.document(document.doc_type if document else identity.doc_type)
    if not _registered(session, identity, organisation=organisation):
        raise IdentityNotVerified(
            N_("The %(role)s's %(doc_type)s is on record but was never registered through a checked "
               "registration, so it is not verified."), role=role, doc_type=doc_type, check="registration")
    flag = verification_repository.flag_in_force(session, identity.document_index)
    if flag is not None:
        raise IdentityNotVerified(
            N_("The %(role)s's %(doc_type)s is flagged in the verification register (%(result)s): no "
               "certificate can be issued for it."), role=role, doc_type=doc_type,
            result=_FLAG_RESULTS.get(flag.result, flag.result), check="flagged")


def _registered(session: Session, identity: Identity, *, organisation: Identity | None) -> bool:
    holder = Registration.holder_id == identity.id
    # An authorised person proved their identity as the handler of the organisation's registration.
    condition = (or_(holder, (Registration.handler_id == identity.id)
                     & (Registration.holder_id == organisation.id)) if organisation is not None else holder)
    return session.scalar(select(Registration.id).where(condition).limit(1)) is not None


def _subject(vault: Vault, identity: Identity, person: Identity | None) -> VerifiedSubject:
    details = identities.open_details(vault, identity)
    if person is None:
        return VerifiedSubject(kind=identity.kind, identity=identity, name=details["name"])
    return VerifiedSubject(kind="organisation", identity=identity, name=details["name"], authorised_person=person,
                           authorised_name=identities.open_details(vault, person)["name"],
                           registration_number=details["document"])


def _fits(name: str) -> str:
    if len(name) > NAME_MAX_CHARS:
        raise BadRequestData(N_("The name on record has more than %(limit)s characters, more than a certificate "
                                "can carry."), limit=NAME_MAX_CHARS)
    return name
