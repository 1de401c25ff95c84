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

from telreg.core.i18n import NP_, N_, Message
from telreg.realname import capture_proof, words
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

# The words a refusal puts in its sentence: the English stays the code ("for a person", "the holder's
# address"), the other languages read a word.
_KINDS = {"person": Message.term("person", N_("Person")), "organisation": Message.term("organisation",
                                                                                       N_("Organisation"))}
_FIELDS = {"address": Message.term("address", NP_("realname_field", "address"))}


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


def policy_label(policy: Policy) -> Message:
    """Name the policy for a sentence: hong-kong -> "Hong Kong policy" (香港實名登記政策 in Chinese)."""
    return words.policy_label(policy.name)


def check_parties(holder: PersonIn | OrganisationIn, *, guardian: PersonIn | None, agent: PersonIn | None,
                  policy: Policy, on: dt.date, agent_letter: str | None = None) -> Parties:
    """Apply the rules of the module docstring, in order; return the checked parties or raise Refused."""
    checked_holder = check_party(holder, role="holder", policy=policy, on=on)
    is_minor = (checked_holder.date_of_birth is not None
                and policy.is_minor(dob=checked_holder.date_of_birth, on=on))
    if is_minor and guardian is None:
        raise Refused(
            "minor_without_guardian",
            N_("The holder is under %(age)s: an adult must confirm the registration and be registered as "
               "guardian (%(policy)s)."),
            party="holder", age=policy.minor_age, policy=policy_label(policy),
        )
    checked_guardian = _adult(guardian, role="guardian", policy=policy, on=on)
    if agent is not None and not policy.agent_allowed:
        raise Refused("agent_not_allowed",
                      N_("Registering on another person's behalf is not allowed under the %(policy)s."),
                      party="agent", policy=policy_label(policy))
    if agent is not None and agent_letter is None and policy.agent_requires_authorisation_letter:
        raise Refused("agent_letter_required",
                      N_("An agent needs the holder's letter authorising them to register on the holder's "
                         "behalf (%(policy)s)."), party="agent", policy=policy_label(policy))
    checked_agent = _adult(agent, role="agent", policy=policy, on=on)
    handler, letter = None, None
    if isinstance(holder, OrganisationIn):
        if holder.handler is None and policy.organisation_requires_handler:
            raise Refused("handler_required",
                          N_("An organisation registers through a handling person: give the handler's "
                             "identity (%(policy)s)."), party="handler", policy=policy_label(policy))
        if holder.authorisation_letter is None and policy.organisation_requires_authorisation_letter:
            raise Refused("authorisation_letter_required",
                          N_("An organisation's handler needs the organisation's authorisation letter "
                             "(%(policy)s)."), party="handler", policy=policy_label(policy))
        handler = _adult(holder.handler, role="handler", policy=policy, on=on)
        letter = holder.authorisation_letter
    return Parties(checked_holder, checked_guardian, checked_agent, handler, letter,
                   agent_letter if agent is not None else None)


def check_party(party: PersonIn | OrganisationIn, *, role: str, policy: Policy, on: dt.date) -> CheckedParty:
    """Check one party's document: accepted type, capture, integrity, expiry, date of birth."""
    doc = party.document
    who = words.party(role)  # "The %(role)s's …": holder, guardian, agent, handler (機主, 監護人 …)
    document = words.document(doc.type)
    if doc.type not in DOCUMENT_TYPES or not policy.accepts(holder_kind=party.kind, doc_type=doc.type):
        accepted = policy.documents.person if party.kind == "person" else policy.documents.organisation
        raise Refused(
            "document_not_accepted",
            N_("The %(role)s's document type %(doc_type)s is not accepted for a %(kind)s under the "
               "%(policy)s; accepted: %(accepted)s."),
            party=role, role=who, doc_type=words.document(doc.type, quoted=True),
            kind=_KINDS.get(party.kind, party.kind), policy=policy_label(policy),
            accepted=words.documents(accepted),
        )
    if doc.capture == "manual" and not policy.manual_entry_allowed(doc_type=doc.type):
        raise Refused(
            "manual_entry_forbidden",
            N_("The %(role)s's %(doc_type)s may not be typed in by hand under the %(policy)s: read it with a "
               "card reader or verify it online."),
            party=role, role=who, doc_type=document, policy=policy_label(policy),
        )
    if doc.capture != "manual" and doc.capture not in policy.capture_methods:
        raise Refused("capture_not_allowed",
                      N_("Capture by %(capture)s is not allowed under the %(policy)s; allowed: %(allowed)s."),
                      party=role, capture=words.capture(doc.capture), policy=policy_label(policy),
                      allowed=words.comma_list(words.capture(method) for method in policy.capture_methods))
    born = party.date_of_birth if isinstance(party, PersonIn) else None
    result = check_document(doc.type, doc.number, date_of_birth=born, on=on)
    if not result.valid or result.normalised is None:
        raise Refused("invalid_document", N_("The %(role)s's %(doc_type)s is not valid: %(reason)s"),
                      party=role, role=who, doc_type=document, reason=result.reason)
    if result.expires_on is not None and result.expires_on < on:
        raise Refused("document_expired",
                      N_("The %(role)s's %(doc_type)s expired on %(date)s; an expired document cannot be "
                         "used to register."), party=role, role=who, doc_type=document,
                      date=result.expires_on.isoformat())
    if born is not None and born > on:
        raise Refused("date_of_birth_in_future", N_("The %(role)s's date of birth is in the future."),
                      party=role, role=who)
    for name in policy.documents.required_for(doc.type):
        if not getattr(party, name, None):
            raise Refused("required_field_missing",
                          N_("The %(role)s's %(field)s as printed on the %(doc_type)s is required under the "
                             "%(policy)s."), party=role, role=who, field=_FIELDS.get(name, name),
                          doc_type=document, policy=policy_label(policy))
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
        named = {"role": words.party(party.role), "doc_type": words.document(party.doc_type)}
        if verdict.result is VerificationResult.impostor:
            raise Refused("identity_impostor",
                          N_("The identity verification service reports that the %(role)s's %(doc_type)s "
                             "belongs to someone else."), party=party.role, **named)
        if verdict.result is VerificationResult.forged:
            raise Refused("document_forged",
                          N_("The identity verification service reports the %(role)s's %(doc_type)s as "
                             "forged or altered."), party=party.role, **named)
        if verdict.result is VerificationResult.lost:
            raise Refused("document_lost",
                          N_("The identity verification service reports the %(role)s's %(doc_type)s as "
                             "lost or stolen; a document reported lost cannot be used to register."),
                          party=party.role, **named)
        verdicts[party.role] = replace(verdict, vouched_by=vouched_by)
    return verdicts


def _adult(party: PersonIn | None, *, role: str, policy: Policy, on: dt.date) -> CheckedParty | None:
    if party is None:
        return None
    checked = check_party(party, role=role, policy=policy, on=on)
    if checked.date_of_birth is not None and policy.is_minor(dob=checked.date_of_birth, on=on):
        raise Refused(f"{role}_minor",
                      N_("The %(role)s must be an adult: they are under %(age)s themselves (%(policy)s)."),
                      party=role, role=words.party(role), age=policy.minor_age, policy=policy_label(policy))
    return checked
