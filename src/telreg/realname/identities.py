"""Identities: one row per identity document, personal data sealed, found again by blind index.

Types that carry the same number share an index kind, so one person is one identity whichever of them was
shown: a mainland citizen's number is on the resident ID card, the temporary card and the household register;
a passport number is the same typed or read from the MRZ. A quota cannot be dodged by switching between them.

When a document is already on record, the name (compared without case, spaces or punctuation) and date of
birth given must agree with the record: otherwise the request is refused (``identity_mismatch``) rather than
silently registering a second name under one document. Corrections go through a change of details.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.i18n import N_
from telreg.core.masking import mask_address, mask_date, mask_document, mask_name
from telreg.core.vault import Vault
from telreg.realname import repository, words
from telreg.realname.models import Identity
from telreg.realname.outcome import Refused
from telreg.realname.parties import CheckedParty

__all__ = ["SEALED_FIELDS", "KnownIdentity", "document_index", "find_or_create", "masked", "masked_details",
           "open_details", "same_name"]

# The associated data of each sealed column: a token copied into another column does not open there.
SEALED_FIELDS = {
    "name": "realname_identities.name",
    "date_of_birth": "realname_identities.date_of_birth",
    "address": "realname_identities.address",
    "document": "realname_identities.document",
}
_SHARED_NUMBER = {
    "cn-temporary-resident-id": "cn-resident-id",
    "cn-household-register": "cn-resident-id",
    "passport-mrz": "passport",
}


def document_index(vault: Vault, *, doc_type: str, normalised: str) -> str:
    """Return the blind index of a document: the same for every type that carries the same number."""
    return vault.blind_index(f"document.{_SHARED_NUMBER.get(doc_type, doc_type)}", normalised)


@dataclass(frozen=True)
class KnownIdentity:
    """An identity as a registration uses it: its id, and its details in clear (to check them and to answer with
    them masked) — opened once, or taken from the request when the identity was just created."""

    id: int
    details: dict[str, Any]  # open_details' keys: kind, name, date_of_birth, address, doc_type, document


def find_or_create(session: Session, *, vault: Vault, clock: Clock, party: CheckedParty) -> KnownIdentity:
    """Return the identity of this party's document, creating it (sealed) when it is new."""
    index = document_index(vault, doc_type=party.doc_type, normalised=party.normalised)
    # Locked: an erasure (realname/retention.py locks the row too) either finishes first — then its new blind
    # index no longer matches and a fresh identity is made — or waits and finds a current registration.
    existing = repository.identity_values_by_index(session, index, lock=True)
    if existing is None:
        now = clock.now()
        new_id = repository.insert_identity(session, {
            "kind": party.kind,
            "doc_type": party.doc_type,
            "document_index": index,
            "document_sealed": vault.seal(SEALED_FIELDS["document"], party.normalised),
            "name_sealed": vault.seal(SEALED_FIELDS["name"], party.name),
            "date_of_birth_sealed": (vault.seal(SEALED_FIELDS["date_of_birth"], party.date_of_birth.isoformat())
                                     if party.date_of_birth else None),
            "address_sealed": vault.seal(SEALED_FIELDS["address"], party.address) if party.address else None,
            "created_at": now,
            "updated_at": now,
        })
        if new_id is not None:
            return KnownIdentity(new_id, {"kind": party.kind, "name": party.name,
                                          "date_of_birth": party.date_of_birth, "address": party.address,
                                          "doc_type": party.doc_type, "document": party.normalised})
        # A concurrent registration made it.
        existing = repository.identity_values_by_index(session, index, lock=True)
        assert existing is not None, "the unique index refused the identity, so it exists"
    details = open_details(vault, existing)
    _ensure_same(details, party)
    if party.address and existing.address_sealed is None:  # completing the record is not a correction
        repository.complete_identity_address(session, existing.id, at=clock.now(),
                                             address_sealed=vault.seal(SEALED_FIELDS["address"], party.address))
        details["address"] = party.address
    return KnownIdentity(existing.id, details)


def open_details(vault: Vault, identity: Identity | Row[Any]) -> dict[str, Any]:
    """Return the identity's details in clear (for the few use cases that need them); IDENTITY is the ORM row or
    a row of its sealed columns (repository.identity_values_by_index)."""
    born = (dt.date.fromisoformat(vault.open(SEALED_FIELDS["date_of_birth"], identity.date_of_birth_sealed))
            if identity.date_of_birth_sealed else None)
    return {
        "kind": identity.kind,
        "name": vault.open(SEALED_FIELDS["name"], identity.name_sealed),
        "date_of_birth": born,
        "address": (vault.open(SEALED_FIELDS["address"], identity.address_sealed)
                    if identity.address_sealed else None),
        "doc_type": identity.doc_type,
        "document": vault.open(SEALED_FIELDS["document"], identity.document_sealed),
    }


def masked(vault: Vault, identity: Identity) -> dict[str, Any]:
    """Return the identity as pages and API responses show it: every personal value masked."""
    return masked_details(open_details(vault, identity))


def masked_details(clear: dict[str, Any]) -> dict[str, Any]:
    """Mask details in clear (``open_details``' keys) as ``masked`` shows them."""
    return {
        "kind": clear["kind"],
        "name": mask_name(clear["name"]),
        "date_of_birth": mask_date(clear["date_of_birth"]) if clear["date_of_birth"] else None,
        "address": mask_address(clear["address"]) if clear["address"] else None,
        "document": {"type": clear["doc_type"],
                     "number": mask_document(clear["doc_type"], clear["document"])},
    }


def same_name(a: str, b: str) -> bool:
    """Tell whether two spellings are the same name: "CHAN Tai-man" and "Chan Tai Man" are."""
    return _name_key(a) == _name_key(b)


def _name_key(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def _ensure_same(clear: dict[str, Any], party: CheckedParty) -> None:
    if clear["kind"] != party.kind or not same_name(clear["name"], party.name) or (
        party.date_of_birth is not None and clear["date_of_birth"] not in (None, party.date_of_birth)
    ):
        raise Refused(
            "identity_mismatch",
            N_("The %(role)s's document is already on record with a different name or date of birth; check "
               "the details shown on the document, or correct the record with a change of details."),
            party=party.role, role=words.party(party.role),
        )
