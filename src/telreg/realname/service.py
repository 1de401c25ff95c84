"""Register a number to a holder, or transfer it: the rules, the quota, the audit. The edge commits.

Rules run in this order; the first that fails refuses the request with a stable code and a sentence:

    unknown_operator, invalid_number, unknown_number (the number belongs to another operator: answered as the
    read path answers an unknown number, recorded as number_other_operator and audited),
    number_registered (registered already: use a transfer) / number_unavailable (terminated, deactivated or
    in quarantine) — for a transfer: not_registered instead —, then every rule of parties.py (documents,
    minors, guardian, agent, organisation handler and letter), same_holder (transfer only), the verification
    adapter (parties.py), identity_mismatch (identities.py) and finally quota_reached (quotas.py).

Each attempt runs in a savepoint: a refusal rolls back whatever the attempt wrote (an identity, a counter) and
records only the refusal, so nothing is half-applied. The concurrency arbiters are the database's: the unique
number, the unique blind index, the partial unique index of current registrations (each row is inserted with
``INSERT … ON CONFLICT DO NOTHING RETURNING``: a loser gets no row back, with no savepoint of its own) and the
conditional quota upsert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.errors import InvalidNumber
from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.realname import feeds, identities, quotas, repository, words
from telreg.realname.models import NUMBER_KEY_CONSTRAINT, Number
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.outcome import Outcome, Refused
from telreg.realname.parties import Parties, check_parties, verify_parties
from telreg.realname.policy import Policy
from telreg.realname.schemas import RegistrationRequest, TransferRequest
from telreg.realname.verification import IdentityVerifier, Verdict

__all__ = ["AUDIT_SUBJECT", "REGISTRABLE_STATES", "register", "transfer"]

AUDIT_SUBJECT = "realname-number"
OTHER_OPERATOR = "number_other_operator"  # recorded (refusals, audit), never answered: see _ensure_registrable
# States from which a number may be registered: new, a legacy number whose service is being withdrawn
# (registration at any step restores it), or a legacy number held by contract (its holder registers like any
# other when they want to, seed 000 Q4). A terminated, deactivated or quarantined number waits until the
# operator makes it available again.
REGISTRABLE_STATES = frozenset({"unregistered", "outgoing_barred", "suspended", "contract"})


@dataclass
class _Attempt:
    """What a refusal record needs to know, filled in as the rules progress."""

    action: str
    operator_code: str
    number: str


def register(session: Session, *, vault: Vault, policy: Policy, clock: Clock, verifier: IdentityVerifier,
             request: RegistrationRequest, actor: str = "system") -> Outcome:
    """Register ``request.number`` to its holder under the policy; return the outcome (refusals included)."""
    attempt = _Attempt("register", request.operator, request.number)
    for last in (False, True):
        try:
            with session.begin_nested():
                return _register(session, vault=vault, policy=policy, clock=clock, verifier=verifier,
                                 request=request, actor=actor, attempt=attempt)
        except Refused as refused:
            return _refuse(session, clock=clock, attempt=attempt, refused=refused, actor=actor)
        except IntegrityError as exc:
            # PostgreSQL partitions numbers by operator: another operator's concurrent registration of the same
            # new number wins in realname_number_keys, which the insert's ON CONFLICT cannot see. The attempt was
            # rolled back; run once more, and the number is found as that operator's (refused like any other).
            if last or NUMBER_KEY_CONSTRAINT not in str(exc.orig):
                raise
    raise AssertionError("unreachable: the second run returns or raises")


def transfer(session: Session, *, vault: Vault, policy: Policy, clock: Clock, verifier: IdentityVerifier,
             request: TransferRequest, actor: str = "system") -> Outcome:
    """Re-register a registered number under a new holder, ending the old registration as "transferred"."""
    attempt = _Attempt("transfer", request.operator, request.number)
    try:
        with session.begin_nested():
            return _transfer(session, vault=vault, policy=policy, clock=clock, verifier=verifier,
                             request=request, actor=actor, attempt=attempt)
    except Refused as refused:
        return _refuse(session, clock=clock, attempt=attempt, refused=refused, actor=actor)


def _register(session: Session, *, vault: Vault, policy: Policy, clock: Clock, verifier: IdentityVerifier,
              request: RegistrationRequest, actor: str, attempt: _Attempt) -> Outcome:
    operator, national = _operator_and_number(session, policy=policy, request=request, attempt=attempt)
    # A new number (the common case) needs no lock: inserting it below is the arbiter. An existing one is locked
    # and checked now, before the parties, as the rules' order says.
    number = (_lock_registrable(session, national, operator=operator) if operator.number_id is not None
              else None)
    parties = check_parties(request.holder, guardian=request.guardian, agent=request.agent, policy=policy,
                            on=today(clock), agent_letter=request.agent_authorisation_letter)
    verdicts = verify_parties(session, parties, verifier=verifier, vault=vault, policy=policy, clock=clock,
                              request=request)
    ids = _identities(session, vault=vault, clock=clock, parties=parties)
    taken = quotas.take(session, policy=policy, holder_kind=parties.holder.kind,
                        holder_name=parties.holder.name, identity_id=ids["holder"].id,
                        operator_id=operator.id, operator_code=operator.code,
                        service=request.service, line=request.line)
    now = clock.now()
    if number is None:
        number_id = repository.insert_number(session, {
            "operator_id": operator.id, "number": national, "service": request.service, "line": request.line,
            "state": "active", "legacy": False, "created_at": now, "state_changed_at": now})
        if number_id is None:  # a concurrent registration created it first: the rules of an existing number
            number_id = _lock_registrable(session, national, operator=operator).id
    else:
        number_id = number.id
        repository.reactivate_number(session, number_id=number_id, operator_id=operator.id,
                                     service=request.service, line=request.line, at=now)
    registration = _add_registration(session, vault=vault, clock=clock, number_id=number_id, national=national,
                                     operator=operator, parties=parties, ids=ids, verdicts=verdicts, taken=taken,
                                     actor=actor)
    _audit(session, clock=clock, actor=actor, action="realname-registered", national=national,
           operator=operator, registration=registration, taken=taken)
    return Outcome(status="registered", registration_id=registration["id"], number=national,
                   holder=identities.masked_details(ids["holder"].details), quota=taken.as_dict())


def _transfer(session: Session, *, vault: Vault, policy: Policy, clock: Clock, verifier: IdentityVerifier,
              request: TransferRequest, actor: str, attempt: _Attempt) -> Outcome:
    operator, national = _operator_and_number(session, policy=policy, request=request, attempt=attempt)
    number = repository.number_row(session, national, for_update=True)
    theirs = number is not None and number.operator_id == operator.id
    current = repository.current_registration(session, number.id) if number is not None and theirs else None
    if current is None:
        # Another operator's number is answered exactly as an unknown one (issue 14: no probing of another
        # operator's numbers); the refusals table and the audit trail keep what it was.
        raise Refused("not_registered",
                      N_("Number %(number)s is not registered with %(operator)s, so it cannot be "
                         "transferred; register it instead."), number=national, operator=operator.code,
                      recorded_code="not_registered" if number is None or theirs else OTHER_OPERATOR,
                      recorded=None if number is None or theirs else
                      N_("Number %(number)s belongs to another operator, not %(operator)s."))
    parties = check_parties(request.holder, guardian=request.guardian, agent=request.agent, policy=policy,
                            on=today(clock), agent_letter=request.agent_authorisation_letter)
    old_holder = repository.identity(session, current.holder_id)
    new_index = identities.document_index(vault, doc_type=parties.holder.doc_type,
                                          normalised=parties.holder.normalised)
    if new_index == old_holder.document_index:
        raise Refused("same_holder",
                      N_("Number %(number)s is already registered to this holder; a transfer needs a new "
                         "holder (to correct the holder's details, use a change of details)."),
                      party="holder", number=national)
    verdicts = verify_parties(session, parties, verifier=verifier, vault=vault, policy=policy, clock=clock,
                              request=request)
    ids = _identities(session, vault=vault, clock=clock, parties=parties)
    taken = quotas.take(session, policy=policy, holder_kind=parties.holder.kind,
                        holder_name=parties.holder.name, identity_id=ids["holder"].id,
                        operator_id=operator.id, operator_code=operator.code,
                        service=number.service, line=number.line)
    if not repository.end_registration(session, current.id, at=clock.now(), reason="transferred"):
        raise Refused("not_registered",
                      N_("Number %(number)s was changed by someone else meanwhile; try again."),
                      number=national)
    quotas.release(session, identity_id=current.holder_id, operator_id=current.operator_id,
                   service=current.quota_service)
    # The registered user changes: the previous user's do-not-call registration of the number does not carry over
    # (seed 004 Q4.3: only a number whose user is unchanged needs no new registration), so it leaves the registers.
    feeds.record(session, clock=clock, reason="transferred", entries=[(operator.code, national, today(clock))])
    registration = _add_registration(session, vault=vault, clock=clock, number_id=number.id, national=national,
                                     operator=operator, parties=parties, ids=ids, verdicts=verdicts, taken=taken,
                                     actor=actor)
    _audit(session, clock=clock, actor=actor, action="realname-transferred", national=national,
           operator=operator, registration=registration, taken=taken,
           extra={"previous_registration_id": current.id})
    return Outcome(status="transferred", registration_id=registration["id"], previous_registration_id=current.id,
                   number=national, holder=identities.masked_details(ids["holder"].details),
                   quota=taken.as_dict())


def _operator_and_number(session: Session, *, policy: Policy, request: RegistrationRequest | TransferRequest,
                         attempt: _Attempt) -> tuple[Row[Any], str]:
    """Return the operator (id, code, and number_id: the id of the number if it exists) and the national
    number; one round trip. The operator is checked before the number, as the rules' order says."""
    try:
        national: str | None = parse_subscriber_number(request.number, jurisdiction=policy.jurisdiction)
        problem = None
    except InvalidNumber as exc:
        national, problem = None, exc
    operator = repository.operator_and_number(session, code=request.operator, number=national)
    if operator is None:
        raise Refused("unknown_operator", N_("There is no operator with the code %(given)s."),
                      given=repr(request.operator))
    if problem is not None or national is None:  # numbers.py marks every sentence it raises
        assert problem is not None
        raise Refused("invalid_number", problem.template or problem.message, **problem.extra) from None
    attempt.number = national
    return operator, national


def _lock_registrable(session: Session, national: str, *, operator: Row[Any]) -> Number:
    """Lock an existing number (its row lock serialises every change of it) and check it may be registered."""
    number = repository.number_row(session, national, for_update=True)
    assert number is not None, "the number exists (it was found, or its unique key refused an insert)"
    _ensure_registrable(session, number, operator=operator)
    return number


def _ensure_registrable(session: Session, number: Number, *, operator: Row[Any]) -> None:
    if number.operator_id != operator.id:
        # Answered as reading an unknown number answers (realname/staff.py number_for_reader: 404 unknown_number,
        # realname/api.py), so a clerk cannot probe which numbers another operator holds; recorded and audited
        # as what it is.
        raise Refused("unknown_number", N_("Number %(number)s is not one of %(scope)s's numbers."),
                      recorded=N_("Number %(number)s belongs to another operator, not %(operator)s."),
                      recorded_code=OTHER_OPERATOR, number=number.number, scope=operator.code,
                      operator=operator.code)
    if repository.current_registration_id(session, number_id=number.id, operator_id=operator.id) is not None:
        raise Refused("number_registered",
                      N_("Number %(number)s is already registered; to give it to another holder, use a "
                         "transfer."), number=number.number)
    if number.state not in REGISTRABLE_STATES:
        raise Refused("number_unavailable",
                      N_("Number %(number)s is %(state)s; it can be registered again only once the operator "
                         "makes it available."), number=number.number, state=words.number_state(number.state))


def _identities(session: Session, *, vault: Vault, clock: Clock,
                parties: Parties) -> dict[str, identities.KnownIdentity]:
    return {party.role: identities.find_or_create(session, vault=vault, clock=clock, party=party)
            for party in parties.all()}


def _add_registration(session: Session, *, vault: Vault, clock: Clock, number_id: int, national: str,
                      operator: Row[Any], parties: Parties, ids: dict[str, identities.KnownIdentity],
                      verdicts: dict[str, Verdict], taken: quotas.Taken, actor: str) -> dict[str, Any]:
    """Insert the registration; return its columns with its id. Refused when a concurrent one won the number."""
    letter, agent_letter = parties.authorisation_letter, parties.agent_letter
    registration: dict[str, Any] = {
        "number_id": number_id,
        "operator_id": operator.id,
        "holder_id": ids["holder"].id,
        "guardian_id": ids["guardian"].id if "guardian" in ids else None,
        "agent_id": ids["agent"].id if "agent" in ids else None,
        "handler_id": ids["handler"].id if "handler" in ids else None,
        "authorisation_letter_sealed": (vault.seal("realname_registrations.authorisation_letter", letter)
                                        if letter else None),
        "agent_letter_sealed": (vault.seal("realname_registrations.agent_letter", agent_letter)
                                if agent_letter else None),
        "capture_method": parties.holder.capture,
        "verified_by": str(verdicts["holder"]),
        "checks": {party.role: {"capture": party.capture, **verdicts[party.role].as_check()}
                   for party in parties.all()},
        "quota_service": taken.service,
        "registered_at": clock.now(),
        "registered_by": actor,
    }
    registration["id"] = repository.insert_registration(session, registration)
    if registration["id"] is None:  # a concurrent registration won the number
        raise Refused("number_registered",
                      N_("Number %(number)s was registered by another request at the same moment."),
                      number=national)
    return registration


def _audit(session: Session, *, clock: Clock, actor: str, action: str, national: str, operator: Row[Any],
           registration: dict[str, Any], taken: quotas.Taken, extra: dict[str, object] | None = None) -> None:
    # Identity ids, never names or document numbers: the audit trail is not sealed.
    details = {
        "operator": operator.code,
        "registration_id": registration["id"],
        "holder_identity": registration["holder_id"],
        "guardian_identity": registration["guardian_id"],
        "agent_identity": registration["agent_id"],
        "handler_identity": registration["handler_id"],
        "capture": registration["capture_method"],
        "verified_by": registration["verified_by"],
        "quota": {"service": taken.service, **taken.as_dict()},
        **(extra or {}),
    }
    audit.record_many(session, clock=clock, events=[{
        "actor": actor, "action": action, "subject_type": AUDIT_SUBJECT, "subject_key": national,
        "details": details}])


def _refuse(session: Session, *, clock: Clock, attempt: _Attempt, refused: Refused, actor: str) -> Outcome:
    repository.add_refusal(session, {
        "operator_code": attempt.operator_code[:64], "number": attempt.number[:32], "action": attempt.action,
        "code": refused.recorded_code, "message": str(refused.recorded)[:500], "at": clock.now(),
        "actor": actor[:100]})
    if refused.recorded_code == OTHER_OPERATOR:  # an attempt on another operator's number: for the audit trail
        audit.record(session, clock=clock, actor=actor, action="realname-other-operator-number",
                     subject_type=AUDIT_SUBJECT, subject_key=attempt.number[:32],
                     details={"operator": attempt.operator_code[:64], "attempt": attempt.action,
                              "answered": refused.code})
    return Outcome.from_refusal(refused)
