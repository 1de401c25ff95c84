"""Check the people and organisations of a registration against the policy, before anything is written.

The rules run in a fixed order and the first that fails refuses the request (``Refused`` with a stable code):

    for each party (holder first, then guardian, agent, handler):
        document_not_accepted   the policy does not take this document type for this kind of holder
        manual_entry_forbidden  typed by hand where the policy wants a reader or online verification
        capture_not_allowed     a capture method the policy does not list
        invalid_document        check_document refuses it (form, check digits, embedded date of birth)
        document_expired        the document's date of expiry has passed
        date_of_birth_in_future
    minor_without_guardian      the holder is under the policy's minor age and no adult confirmed
    guardian_minor              the confirming adult is a minor too (likewise agent_minor, handler_minor)
    agent_not_allowed           the policy does not let anyone register on another's behalf
    handler_required, authorisation_letter_required   an organisation without them, when the policy asks
    identity_impostor, document_forged                 the verification adapter flags a party's document
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telreg.realname.documents import DOCUMENT_TYPES, check_document
from telreg.realname.outcome import Refused
from telreg.realname.policy import Policy
from telreg.realname.schemas import OrganisationIn, PersonIn
from telreg.realname.verification import IdentityVerifier, Verdict, VerificationResult

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
    authorisation_letter: str | None = None

    def all(self) -> list[CheckedParty]:
        return [p for p in (self.holder, self.guardian, self.agent, self.handler) if p is not None]


def policy_label(policy: Policy) -> str:
    """Name the policy for a sentence: hong-kong -> "Hong Kong policy"."""
    return f"{policy.name.replace('-', ' ').title()} policy"


def check_parties(holder: PersonIn | OrganisationIn, *, guardian: PersonIn | None, agent: PersonIn | None,
                  policy: Policy, on: dt.date) -> Parties:
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
    return Parties(checked_holder, checked_guardian, checked_agent, handler, letter)


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
    return CheckedParty(role=role, kind=party.kind, name=party.name, date_of_birth=born,
                        address=party.address, doc_type=doc.type, normalised=result.normalised,
                        capture=doc.capture)


def verify_parties(parties: Parties, *, verifier: IdentityVerifier) -> dict[str, Verdict]:
    """Ask the verification adapter about every party; refuse when it flags one."""
    verdicts = {}
    for party in parties.all():
        verdict = verifier.verify(doc_type=party.doc_type, normalised=party.normalised, name=party.name,
                                  date_of_birth=party.date_of_birth, capture=party.capture)
        if verdict.result is VerificationResult.impostor:
            raise Refused("identity_impostor",
                          f"The identity verification service reports that the {party.role}'s "
                          f"{party.doc_type} belongs to someone else.", party=party.role)
        if verdict.result is VerificationResult.forged:
            raise Refused("document_forged",
                          f"The identity verification service reports the {party.role}'s {party.doc_type} as "
                          "forged or altered.", party=party.role)
        verdicts[party.role] = verdict
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
