"""Target identifiers of an LDTask: checked in their format, normalised, sealed, blind-indexed, masked.

    InternationalE164   the number in international form, digits only, country code first (ETSI TS 103 280):
                        8-15 digits; here it must be a Hong Kong number, ``852`` + 8 digits (core/phone.py
                        checks the 8 digits). Normalised: ``852XXXXXXXX``.
    ICCID               the SIM card (ITU-T E.118): 19 or 20 digits whose last one is the Luhn check digit.
    IdentityDocument    national profile: ``<doc type>:<number>``, the type one of the real-name policy's
                        documents, the number checked by realname/documents (check digits and all).
                        Normalised: ``<doc type>:<normalised number>``.

A target in the wrong format is refused with a sentence naming the format expected. The normalised target is
sealed in ``la_tasks.target`` and indexed under the blind-index kind ``lawful.target`` (of
``<format>:<normalised>``), so repeat requests about one target can be found without reading it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session
from stdnum import luhn

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.core.masking import mask_document, mask_number
from telreg.core.phone import parse_number
from telreg.core.vault import Vault
from telreg.lawful.errors import RequestInvalid
from telreg.lawful.hi1.dictionaries import ICCID, IDENTITY_DOCUMENT, INTERNATIONAL_E164, TARGET_FORMATS
from telreg.realname.documents import check_document
from telreg.realname.policy import get_policy

__all__ = ["SEALED_FIELD", "Target", "check_target", "mask_target", "open_target"]

SEALED_FIELD = "la_tasks.target"
INDEX_KIND = "lawful.target"
COUNTRY_PREFIX = "852"  # core/phone.py knows Hong Kong's numbering plan only

_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Target:
    """A checked target: its format, its normalised value and, for matching, what to look it up by."""

    format: str
    normalised: str
    national: str | None = None  # InternationalE164: the 8 national digits (realname_numbers.number)
    doc_type: str | None = None  # IdentityDocument
    doc_number: str | None = None  # IdentityDocument: the normalised number


def check_target(session: Session, *, settings: Settings, format_name: str, value: str) -> Target:
    """Check VALUE as a target of FORMAT_NAME; RequestInvalid, saying the format expected, when it is not one."""
    raw = (value or "").strip()
    if format_name == INTERNATIONAL_E164:
        return _e164(raw)
    if format_name == ICCID:
        return _iccid(raw)
    if format_name == IDENTITY_DOCUMENT:
        return _identity_document(session, settings, raw)
    raise RequestInvalid(N_("The target format %(given)s is not one telreg knows; use one of %(known)s."),
                         given=repr(format_name), known=", ".join(TARGET_FORMATS))


def _e164(raw: str) -> Target:
    if not _DIGITS.fullmatch(raw) or not 8 <= len(raw) <= 15:
        raise RequestInvalid(N_("The target %(given)s is not in the format InternationalE164: a number in "
                                "international form is 8 to 15 digits, country code first, without '+', spaces "
                                "or other signs (e.g. 85291234567)."), given=repr(raw), format=INTERNATIONAL_E164)
    if not raw.startswith(COUNTRY_PREFIX) or len(raw) != len(COUNTRY_PREFIX) + 8:
        raise RequestInvalid(N_("The target %(given)s is not a number of this jurisdiction: an InternationalE164 "
                                "target here is 852 followed by the 8 digits of a Hong Kong number."),
                             given=repr(raw), format=INTERNATIONAL_E164)
    number = parse_number("+" + raw)  # 852 and 8 digits: always a Hong Kong number's shape
    return Target(INTERNATIONAL_E164, COUNTRY_PREFIX + number.national, national=number.national)


def _iccid(raw: str) -> Target:
    if not _DIGITS.fullmatch(raw) or not 19 <= len(raw) <= 20 or not luhn.is_valid(raw):
        raise RequestInvalid(N_("The target %(given)s is not in the format ICCID: an ICCID is 19 or 20 digits, "
                                "the last of them a Luhn check digit."), given=repr(raw), format=ICCID)
    return Target(ICCID, raw)


def _identity_document(session: Session, settings: Settings, raw: str) -> Target:
    policy = get_policy(settings)  # the documents are the file's: only the clocks and purposes are overridable
    known = [*policy.documents.person, *policy.documents.organisation]
    doc_type, colon, number = raw.partition(":")
    doc_type, number = doc_type.strip(), number.strip()
    if not colon or not doc_type or not number:
        raise RequestInvalid(N_("The target %(given)s is not in the format IdentityDocument: write the document "
                                "type, a colon and the number, e.g. hkid:A1234563; the types accepted here are "
                                "%(known)s."), given=repr(raw), known=", ".join(known), format=IDENTITY_DOCUMENT)
    if doc_type not in known:
        raise RequestInvalid(N_("The target's document type %(doc_type)s is not one of this jurisdiction's "
                                "identity documents (IdentityDocument expects one of %(known)s)."),
                             doc_type=repr(doc_type), known=", ".join(known), format=IDENTITY_DOCUMENT)
    checked = check_document(doc_type, number)
    if not checked.valid or checked.normalised is None:
        raise RequestInvalid(N_("The target's document number is not a valid %(doc_type)s number: %(reason)s"),
                             doc_type=doc_type, reason=checked.reason, format=IDENTITY_DOCUMENT)
    return Target(IDENTITY_DOCUMENT, f"{doc_type}:{checked.normalised}", doc_type=doc_type,
                  doc_number=checked.normalised)


def seal(vault: Vault, target: Target) -> tuple[str, str]:
    """The sealed target and its blind index."""
    return (vault.seal(SEALED_FIELD, target.normalised),
            vault.blind_index(INDEX_KIND, f"{target.format}:{target.normalised}"))


def open_target(vault: Vault, *, format_name: str, sealed: str) -> Target:
    """A stored target, opened (matching, and the filing agency's own views)."""
    normalised = vault.open(SEALED_FIELD, sealed)
    if format_name == INTERNATIONAL_E164:
        return Target(format_name, normalised, national=normalised[len(COUNTRY_PREFIX):])
    if format_name == IDENTITY_DOCUMENT:
        doc_type, _, number = normalised.partition(":")
        return Target(format_name, normalised, doc_type=doc_type, doc_number=number)
    return Target(format_name, normalised)


def mask_target(target: Target) -> str:
    """The target as everyone but the filing agency sees it."""
    if target.format == INTERNATIONAL_E164:
        return mask_number(target.normalised)
    if target.format == ICCID:
        return "*" * (len(target.normalised) - 4) + target.normalised[-4:]
    return f"{target.doc_type}:{mask_document(target.doc_type or '', target.doc_number or '')}"
