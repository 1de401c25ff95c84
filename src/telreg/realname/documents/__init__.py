"""Check identity documents for real-name registration: form, check digits, embedded dates. Pure functions.

Each supported type code maps to one checker; `check_document` runs it and says, in a sentence a person
understands, why a document is refused. Reasons never quote the document number or a date of birth, so they
can be stored with a refusal. Which types a deployment accepts, and how they must be captured, is policy.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.realname import words
from telreg.realname.documents import cn_organisation, cn_permits, cn_resident, hong_kong, passport
from telreg.realname.documents.result import Accepted, DocumentCheck, Rejected

__all__ = ["DOCUMENT_TYPES", "ORGANISATION_TYPES", "DocumentCheck", "check_document"]

Checker = Callable[..., Accepted]  # (value, *, date_of_birth, on) -> Accepted, or raises Rejected

_CHECKERS: dict[str, Checker] = {
    "hkid": hong_kong.check_hkid,
    "cn-resident-id": cn_resident.check_resident_number,
    "cn-temporary-resident-id": cn_resident.check_resident_number,  # same citizen number as the card
    "cn-household-register": cn_resident.check_resident_number,  # the register lists each member's number
    "cn-military-id": cn_permits.check_military_id,
    "cn-armed-police-id": cn_permits.check_armed_police_id,
    "mtp-hk-macao": cn_permits.check_mtp_hk_macao,
    "mtp-taiwan": cn_permits.check_mtp_taiwan,
    "passport": passport.check_passport,
    "passport-mrz": passport.check_passport_mrz,
    "cn-orgcode": cn_organisation.check_orgcode,
    "cn-uscc": cn_organisation.check_uscc,
    "hk-br": hong_kong.check_hk_br,
}

DOCUMENT_TYPES: tuple[str, ...] = tuple(_CHECKERS)
ORGANISATION_TYPES: frozenset[str] = frozenset({"cn-orgcode", "cn-uscc", "hk-br"})


def check_document(
    doc_type: str, value: str, *, date_of_birth: date | None = None, on: date | None = None
) -> DocumentCheck:
    """Check VALUE as a document of DOC_TYPE.

    DATE_OF_BIRTH, when given, must agree with the one the document embeds (resident ID, MRZ); documents
    without one ignore it. ON is the date of the check, for "born in the future" (skipped without it) and to
    resolve two-digit years. The check is about integrity only: an expired document is still a valid one, and
    its date of expiry is returned in ``expires_on`` for the caller to judge. An unknown DOC_TYPE is the
    caller's mistake and raises InvalidInput.
    """
    checker = _CHECKERS.get(doc_type)
    if checker is None:
        raise InvalidInput(N_("Unknown document type %(given)s; known types are: %(known)s."),
                           doc_type=doc_type, given=repr(doc_type), known=words.documents(DOCUMENT_TYPES))
    holder_kind = "organisation" if doc_type in ORGANISATION_TYPES else "person"
    try:
        accepted = checker(value, date_of_birth=date_of_birth, on=on)
    except Rejected as rejected:
        return DocumentCheck(valid=False, reason=rejected.reason, doc_type=doc_type, normalised=None,
                             date_of_birth=None, holder_kind=holder_kind)
    return DocumentCheck(valid=True, reason="ok", doc_type=doc_type, normalised=accepted.normalised,
                         date_of_birth=accepted.date_of_birth, holder_kind=holder_kind,
                         expires_on=accepted.expires_on)
