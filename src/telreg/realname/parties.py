"""Check the people and organisations of a registration against the policy, before anything is written.

The rules run in a fixed order and the first that fails refuses the request (``Refused`` with a stable code):

    for each party (holder first, then guardian, agent, handler):
        document_not_accepted   the policy does not take this document type for this kind of holder
        manual_entry_forbidden  typed by hand where the policy wants a reader or online verification
        capture_not_allowed     a capture method the policy does not list
        invalid_document        check_document refuses it (form, check digits, embedded date of birth)
        document_expired        the document's date of expiry has passed
        date_of_birth_in_future
        required_field_missing  a detail the policy requires with this document type (e.g. the address on a
                                mainland resident ID card, Order 25 art. 9) was not given
    minor_without_guardian      the holder is under the policy's minor age and no adult confirmed
    guardian_minor              the confirming adult is a minor too (likewise agent_minor, handler_minor)
    agent_not_allowed           the policy does not let anyone register on another's behalf
    agent_letter_required       an agent without the holder's authorisation letter, when the policy asks
    handler_required, authorisation_letter_required   an organisation without them, when the policy asks
    for each party, in verify_parties (the adapter step):
        capture_unproven        a type the policy keeps from manual entry, declared read by a device or checked
                                online, without the proof that device or service signed (capture_proof.py)
        capture_proof_invalid   a proof for another document or capture, expired, or with a bad signature
        identity_impostor, document_forged, document_lost   the verification adapter flags the document
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from telreg.realname import capture_proof
from telreg.realname.documents import DOCUMENT_TYPES, check_document
from telreg.realname.outcome import Refused
from telreg.realname.policy import Policy
from telreg.realname.schemas import OrganisationIn, PersonIn
from telreg.realname.verification import IdentityVerifier, Verdict, VerificationResult

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from telreg.core.clock import Clock
    from telreg.core.vault import Vault
    from telreg.realname.schemas import RegistrationRequest, TransferRequest

__all__ = ["CheckedParty", "Parties", "check_parties", "policy_label", "verify_parties"]


@dataclass(frozen=True)
class CheckedParty:
    """A party whose document passed every check: the details to seal, and the canonical number."""

    role: str  # holder | guardian | agent | handler
    kind: str  # person | organisation
    name: str
    date_of_birth: dt.date | None
    address: str | None
    doc_type: str
    normalised: str
    capture: str


@dataclass(frozen=True)
class Parties:
    holder: CheckedParty
    guardian: CheckedParty | None = None
    agent: CheckedParty | None = None
    handler: CheckedParty | None = None
    authorisation_letter: str | None = None  # the organisation's, authorising its handler
    agent_letter: str | None = None  # the holder's, authorising the agent (代办委托书)

    def all(self) -> list[CheckedParty]:
        return [p for p in (self.holder, self.guardian, self.agent, self.handler) if p is not None]


def policy_label(policy: Policy) -> str:
    """Name the policy for a sentence: hong-kong -> "Hong Kong policy"."""
    return f"{policy.name.replace('-', ' ').title()} policy"


def check_parties(holder: PersonIn | OrganisationIn, *, guardian: PersonIn | None, agent: PersonIn | None,
                  policy: Policy, on: dt.date, agent_letter: str | None = None) -> Parties:
    """Apply the rules of the module docstring, in order; return the checked parties or raise Refused."""
    checked_holder = check_party(holder, role="holder", policy=policy, on=on)
    is_minor = (checked_holder.date_of_birth is not None
                and policy.is_minor(dob=checked_holder.date_of_birth, on=on))
    if is_minor and guardian is None:
        raise Refused(
            "minor_without_guardian",
            f"The holder is under {policy.minor_age}: an adult must confirm the registration and be "
            f"registered as guardian ({policy_label(policy)}).",
            party="holder",
        )
    checked_guardian = _adult(guardian, role="guardian", policy=policy, on=on)
    if agent is not None and not policy.agent_allowed:
        raise Refused("agent_not_allowed",
                      "Registering on another person's behalf is not allowed under the "
                      f"{policy_label(policy)}.", party="agent")
    if agent is not None and agent_letter is None and policy.agent_requires_authorisation_letter:
        raise Refused("agent_letter_required",
                      "An agent needs the holder's letter authorising them to register on the holder's "
                      f"behalf ({policy_label(policy)}).", party="agent")
    checked_agent = _adult(agent, role="agent", policy=policy, on=on)
    handler, letter = None, None
    if isinstance(holder, OrganisationIn):
        if holder.handler is None and policy.organisation_requires_handler:
            raise Refused("handler_required",
                          "An organisation registers through a handling person: give the handler's identity "
                          f"({policy_label(policy)}).", party="handler")
        if holder.authorisation_letter is None and policy.organisation_requires_authorisation_letter:
            raise Refused("authorisation_letter_required",
                          "An organisation's handler needs the organisation's authorisation letter "
                          f"({policy_label(policy)}).", party="handler")
        handler = _adult(holder.handler, role="handler", policy=policy, on=on)
        letter = holder.authorisation_letter
    return Parties(checked_holder, checked_guardian, checked_agent, handler, letter,
                   agent_letter if agent is not None else None)


def check_party(party: PersonIn | OrganisationIn, *, role: str, policy: Policy, on: dt.date) -> CheckedParty:
    """Check one party's document: accepted type, capture, integrity, expiry, date of birth."""
    doc = party.document
    whose = f"The {role}'s"
    if doc.type not in DOCUMENT_TYPES or not policy.accepts(holder_kind=party.kind, doc_type=doc.type):
        accepted = policy.documents.person if party.kind == "person" else policy.documents.organisation
        raise Refused(
            "document_not_accepted",
            f"{whose} document type {doc.type!r} is not accepted for a {party.kind} under the "
            f"{policy_label(policy)}; accepted: {', '.join(accepted)}.",
            party=role,
        )
    if doc.capture == "manual" and not policy.manual_entry_allowed(doc_type=doc.type):
        raise Refused(
            "manual_entry_forbidden",
            f"{whose} {doc.type} may not be typed in by hand under the {policy_label(policy)}: read it "
            "with a card reader or verify it online.",
            party=role,
        )
    if doc.capture != "manual" and doc.capture not in policy.capture_methods:
        raise Refused("capture_not_allowed",
                      f"Capture by {doc.capture} is not allowed under the {policy_label(policy)}; allowed: "
                      f"{', '.join(policy.capture_methods)}.", party=role)
    born = party.date_of_birth if isinstance(party, PersonIn) else None
    result = check_document(doc.type, doc.number, date_of_birth=born, on=on)
    if not result.valid or result.normalised is None:
        raise Refused("invalid_document", f"{whose} {doc.type} is not valid: {result.reason}", party=role)
    if result.expires_on is not None and result.expires_on < on:
        raise Refused("document_expired",
                      f"{whose} {doc.type} expired on {result.expires_on.isoformat()}; an expired document "
                      "cannot be used to register.", party=role)
    if born is not None and born > on:
        raise Refused("date_of_birth_in_future", f"{whose} date of birth is in the future.", party=role)
    for name in policy.documents.required_for(doc.type):
        if not getattr(party, name, None):
            raise Refused("required_field_missing",
                          f"{whose} {name} as printed on the {doc.type} is required under the "
                          f"{policy_label(policy)}.", party=role)
    return CheckedParty(role=role, kind=party.kind, name=party.name, date_of_birth=born,
                        address=party.address, doc_type=doc.type, normalised=result.normalised,
                        capture=doc.capture)


def verify_parties(session: Session, parties: Parties, *, verifier: IdentityVerifier, vault: Vault,
                   policy: Policy, clock: Clock, request: RegistrationRequest | TransferRequest
                   ) -> dict[str, Verdict]:
    """Check every party's capture proof, then ask the verification adapter; refuse at the first that fails.

    For each party in turn (seed 003: MIIT notice 182号 禁止人工录入居民身份证信息; Order 25
    冒用他人的证件,或者使用伪造、变造的证件的,电信业务经营者不得为其办理入网手续):

        capture_unproven        a type the policy keeps from manual entry, declared read by a device or
                                verified online, without the proof the reader or the service issued
                                (capture_proof.py)
        capture_proof_invalid   a proof for another document or capture, altered, or expired
        identity_impostor, document_forged, document_lost   the verification adapter flags the document

    The device or service that vouched for a capture goes into the party's verdict (``vouched_by``).
    """
    proofs = capture_proof.presented(request)
    verdicts = {}
    for party in parties.all():
        vouched_by = capture_proof.require(vault, clock=clock, policy=policy, party=party,
                                           proof=proofs.get(party.role))
        verdict = verifier.verify(session=session, doc_type=party.doc_type, normalised=party.normalised,
                                  name=party.name, date_of_birth=party.date_of_birth, capture=party.capture)
        if verdict.result is VerificationResult.impostor:
            raise Refused("identity_impostor",
                          f"The identity verification service reports that the {party.role}'s "
                          f"{party.doc_type} belongs to someone else.", party=party.role)
        if verdict.result is VerificationResult.forged:
            raise Refused("document_forged",
                          f"The identity verification service reports the {party.role}'s {party.doc_type} as "
                          "forged or altered.", party=party.role)
        if verdict.result is VerificationResult.lost:
            raise Refused("document_lost",
                          f"The identity verification service reports the {party.role}'s {party.doc_type} as "
                          "lost or stolen; a document reported lost cannot be used to register.",
                          party=party.role)
        verdicts[party.role] = replace(verdict, vouched_by=vouched_by)
    return verdicts


def _adult(party: PersonIn | None, *, role: str, policy: Policy, on: dt.date) -> CheckedParty | None:
    if party is None:
        return None
    checked = check_party(party, role=role, policy=policy, on=on)
    if checked.date_of_birth is not None and policy.is_minor(dob=checked.date_of_birth, on=on):
        raise Refused(f"{role}_minor",
                      f"The {role} must be an adult: they are under {policy.minor_age} themselves "
                      f"({policy_label(policy)}).", party=role)
    return checked
