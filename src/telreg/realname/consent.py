"""Holders' consent to uses of their data beyond the service (issue 16 §3; seed 002 Q7, seed 003).

A holder grants or withdraws consent per controller (their operator, or the platform's CA) and per purpose (the
policy's ``consent_purposes``). Each instruction is one row (consent_models.py); the instruction in force is the
latest **given** (ties: the later recorded), so a withdrawal given after a grant wins even when it is recorded
first, and an old paper grant recorded late does not undo a newer withdrawal.

Consent belongs to the holder, not to the number: an operator's check of a number asks about the number's
*current* holder, so when a number passes to a new holder the old holder's consent does not come with it.

    record               an operator's staff record a holder's instruction, found by the number they hold
    record_ecert_answer  the e-Cert application's answer on value-added use, as an instruction to the CA
    check                may this controller use this number's holder's data for this purpose? (no record: no)
    consenting_numbers   the operator's numbers whose holders consented (set-based; the marketing list)
    marketing_list       the same for a compliance officer, audited: the one sanctioned way to *use* consent
    history, export_for_holder   every instruction of a holder, for the holder (JSON or CSV)
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, hk_iso, to_hk
from telreg.core.errors import InvalidInput
from telreg.core.exports import csv_writer
from telreg.core.i18n import N_, Message, translate
from telreg.core.masking import mask_number
from telreg.core.models import User
from telreg.realname import consent_repository as store
from telreg.realname import consent_words, repository, staff, words
from telreg.realname.consent_models import CHANNELS, DECISIONS, Consent
from telreg.realname.errors import NotRegistered, NumberNotFound
from telreg.realname.models import Number, Operator
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.policy import get_policy
from telreg.realname.policy.overrides import effective_policy

__all__ = ["AUDIT_SUBJECT", "CA", "ECERT_PURPOSE", "ConsentState", "Controller", "Export", "InvalidConsentTime",
           "UnknownPurpose", "check", "consenting_numbers", "current_holder", "ensure_purpose",
           "export_for_holder", "find_number", "history", "known_purposes", "marketing_list", "record",
           "record_ecert_answer"]

AUDIT_SUBJECT = "realname-identity"
ECERT_PURPOSE = "value-added-marketing"  # what the e-Cert application asks about (seed 002 Q7)
REFERENCE_MAX_CHARS = 100


class UnknownPurpose(InvalidInput):
    code = "unknown_purpose"


class InvalidConsentTime(InvalidInput):
    code = "invalid_given_at"


@dataclass(frozen=True)
class Controller:
    """Who would use the data: an operator (by id) or the CA (``kind="ecert"``, no operator)."""

    kind: str
    operator_id: int | None = None

    @classmethod
    def operator(cls, operator_id: int) -> Controller:
        return cls("operator", operator_id)


CA = Controller("ecert")


@dataclass(frozen=True)
class ConsentState:
    """The answer of a check: allowed only when the instruction in force is a grant."""

    allowed: bool
    decision: str | None  # granted | withdrawn | None (no instruction on record)
    given_at: dt.datetime | None
    channel: str | None


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    content: str


def known_purposes(session: Session, settings: Settings, *, clock: Clock) -> list[str]:
    """The purposes of the policy in force (with approved changes applied)."""
    return list(effective_policy(session, settings, clock=clock).consent_purposes)


def ensure_purpose(session: Session, settings: Settings, purpose: str, *, clock: Clock) -> None:
    """Refuse a purpose the policy does not list, naming the ones it does."""
    known = known_purposes(session, settings, clock=clock)
    if purpose not in known:
        raise UnknownPurpose(N_("%(given)s is not a purpose consent is recorded for; the policy's purposes are "
                                "%(known)s."), field="purpose", given=repr(purpose),
                             known=consent_words.purposes(known))


def find_number(session: Session, settings: Settings, number: str) -> Number:
    """The number row for NUMBER as typed (any spelling of the jurisdiction); NumberNotFound when none."""
    national = parse_subscriber_number(number, jurisdiction=get_policy(settings).jurisdiction)
    row = repository.number_row(session, national)
    if row is None:
        raise NumberNotFound(N_("No operator has number %(number)s."), number=national)
    return row


def record(session: Session, *, clock: Clock, settings: Settings, user: User, number: str, purpose: str,
           decision: str, channel: str, given_at: dt.datetime, reference: str | None = None) -> Consent:
    """Record the instruction of the current holder of NUMBER, given to the user's operator.

    Refused: an unknown purpose, decision or channel; a number of another operator (403); a number with no
    current holder (409); a time in the future or before the number was registered to its holder.
    """
    ensure_purpose(session, settings, purpose, clock=clock)
    _ensure_choice("decision", decision, DECISIONS, consent_words.DECISION_NAMES)
    _ensure_choice("channel", channel, CHANNELS, consent_words.CHANNEL_NAMES)
    row = find_number(session, settings, number)
    operator = session.get(Operator, row.operator_id)
    staff.ensure_acts_for(user, operator.code if operator else None)
    registration = repository.current_registration(session, row.id)
    if registration is None:
        raise NotRegistered(N_("Number %(number)s has no registered holder, so there is nobody whose consent "
                               "could be recorded."), number=row.number)
    at = to_hk(given_at)
    now = clock.now()
    if at > now:
        raise InvalidConsentTime(N_("The consent cannot have been given in the future: %(given_at)s is after "
                                    "now (%(now)s)."), field="given_at", given_at=_shown(at), now=_shown(now))
    if at < registration.registered_at:
        raise InvalidConsentTime(N_("The consent was given (%(given_at)s) before number %(number)s was "
                                    "registered to its holder (%(since)s): it is another holder's instruction."),
                                 field="given_at", given_at=_shown(at), number=row.number,
                                 since=_shown(registration.registered_at))
    controller = Controller.operator(registration.operator_id)
    instruction = _append(session, clock=clock, identity_id=registration.holder_id, controller=controller,
                          purpose=purpose, decision=decision, channel=channel, given_at=at,
                          actor=f"staff:{user.username}", reference=reference)
    audit.record(session, clock=clock, actor=f"staff:{user.username}", action="realname-consent-recorded",
                 subject_type=AUDIT_SUBJECT, subject_key=str(registration.holder_id),
                 details={"consent_id": instruction.id, "operator": operator.code if operator else None,
                          "number": mask_number(row.number), "purpose": purpose, "decision": decision,
                          "channel": channel, "given_at": hk_iso(at)})
    return instruction


def record_ecert_answer(session: Session, *, clock: Clock, identity_id: int, granted: bool,
                        given_at: dt.datetime | None, actor: str, reference: str | None) -> Consent | None:
    """Record an e-Cert application's answer on value-added use as the subscriber's instruction to the CA.

    A renewal that carries the earlier answer over gives no new instruction: the same answer at the same time
    is on record already, so nothing is added (None).
    """
    at = to_hk(given_at or clock.now())
    decision = "granted" if granted else "withdrawn"
    if store.same_instruction(session, identity_id=identity_id, controller=CA.kind, operator_id=None,
                              purpose=ECERT_PURPOSE, decision=decision, given_at=at):
        return None
    instruction = _append(session, clock=clock, identity_id=identity_id, controller=CA, purpose=ECERT_PURPOSE,
                          decision=decision, channel="counter", given_at=at, actor=actor, reference=reference)
    audit.record(session, clock=clock, actor=actor, action="realname-consent-recorded",
                 subject_type=AUDIT_SUBJECT, subject_key=str(identity_id),
                 details={"consent_id": instruction.id, "controller": CA.kind, "purpose": ECERT_PURPOSE,
                          "decision": decision, "channel": "counter", "given_at": hk_iso(at),
                          "reference": reference})
    return instruction


def check(session: Session, *, number: str, purpose: str, controller: Controller) -> ConsentState:
    """May CONTROLLER use the data of NUMBER's current holder for PURPOSE? (NUMBER: national digits.)

    Not allowed without an instruction on record, when the latest is a withdrawal, when the number has no
    current holder, or when an operator asks about a number it does not hold.
    """
    row = repository.number_row(session, number)
    if row is None:
        raise NumberNotFound(N_("No operator has number %(number)s."), number=number)
    registration = repository.current_registration(session, row.id)
    if registration is None or (controller.kind == "operator"
                                and controller.operator_id != registration.operator_id):
        return ConsentState(allowed=False, decision=None, given_at=None, channel=None)
    latest = store.latest(session, identity_id=registration.holder_id, controller=controller.kind,
                          operator_id=controller.operator_id, purpose=purpose)
    if latest is None:
        return ConsentState(allowed=False, decision=None, given_at=None, channel=None)
    return ConsentState(allowed=latest.decision == "granted", decision=latest.decision,
                        given_at=to_hk(latest.given_at), channel=latest.channel)


def current_holder(session: Session, *, number_id: int) -> int | None:
    """The identity id of the number's current holder, or None when the number has none."""
    registration = repository.current_registration(session, number_id)
    return registration.holder_id if registration is not None else None


def consenting_numbers(session: Session, *, operator_id: int, purpose: str) -> list[str]:
    """The operator's current numbers whose holders' latest instruction to it for PURPOSE is a grant."""
    return store.consenting_numbers(session, operator_id=operator_id, purpose=purpose)


def marketing_list(session: Session, *, clock: Clock, settings: Settings, user: User,
                   purpose: str) -> tuple[Operator, list[str]]:
    """The numbers the compliance officer's operator may use for PURPOSE, audited with their count."""
    ensure_purpose(session, settings, purpose, clock=clock)
    code = staff.operator_scope(user)
    operator = repository.operator_by_code(session, code) if code else None
    staff.ensure_acts_for(user, operator.code if operator else None)
    assert operator is not None, "ensure_acts_for refuses an account attached to no known operator"
    numbers = consenting_numbers(session, operator_id=operator.id, purpose=purpose)
    audit.record(session, clock=clock, actor=f"staff:{user.username}", action="realname-consent-list-exported",
                 subject_type="operator", subject_key=operator.code,
                 details={"purpose": purpose, "count": len(numbers)})
    return operator, numbers


def history(session: Session, *, identity_id: int, lang: str = "en") -> list[dict[str, Any]]:
    """Every instruction of the holder, oldest given first, with the controllers' names (not masked: the
    holder's own data)."""
    ca_name = translate(lang, consent_words.CONTROLLER_CA_NAME)
    return [{
        "controller": row.controller,
        "controller_code": code if row.controller == "operator" else "ecert",
        "controller_name": name if row.controller == "operator" else ca_name,
        "purpose": row.purpose,
        "purpose_name": _word(lang, consent_words.PURPOSE_NAMES, row.purpose),
        "decision": row.decision,
        "decision_name": _word(lang, consent_words.DECISION_NAMES, row.decision),
        "channel": row.channel,
        "channel_name": _word(lang, consent_words.CHANNEL_NAMES, row.channel),
        "given_at": hk_iso(row.given_at),
        "recorded_at": hk_iso(row.recorded_at),
        "reference": row.reference,
    } for row, code, name in store.history(session, identity_id=identity_id)]


EXPORT_COLUMNS = ("given_at", "recorded_at", "controller_code", "controller_name", "purpose", "purpose_name",
                  "decision", "decision_name", "channel", "channel_name", "reference")


def export_for_holder(session: Session, *, clock: Clock, identity_id: int, fmt: str = "json",
                      lang: str = "en") -> Export:
    """The holder's consent history as a file: JSON (every instruction, and the one in force per controller
    and purpose) or CSV (one line per instruction)."""
    if fmt not in ("json", "csv"):
        raise InvalidInput(N_("The export is JSON or CSV (not %(given)s)."), field="format", given=repr(fmt))
    rows = history(session, identity_id=identity_id, lang=lang)
    stamp = to_hk(clock.now()).strftime("%Y%m%d")
    if fmt == "csv":
        out = io.StringIO()
        writer = csv_writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows([row[column] for column in EXPORT_COLUMNS] for row in rows)
        return Export(f"consents-{stamp}.csv", "text/csv; charset=utf-8", out.getvalue())
    in_force: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:  # oldest given first (ties: recorded order), so the last one per key is in force
        in_force[(row["controller_code"], row["purpose"])] = row
    document = {"exported_at": hk_iso(clock.now()), "instructions": rows,
                "in_force": [{key: row[key] for key in ("controller_code", "controller_name", "purpose",
                                                        "decision", "given_at", "channel")}
                             for row in in_force.values()]}
    return Export(f"consents-{stamp}.json", "application/json",
                  json.dumps(document, ensure_ascii=False, indent=2))


# ---- helpers ---------------------------------------------------------------------------------------------------


def _append(session: Session, *, clock: Clock, identity_id: int, controller: Controller, purpose: str,
            decision: str, channel: str, given_at: dt.datetime, actor: str, reference: str | None) -> Consent:
    store.lock_key(session, identity_id=identity_id, controller=controller.kind,
                   operator_id=controller.operator_id, purpose=purpose)
    reference = (reference or "").strip()[:REFERENCE_MAX_CHARS] or None
    # recorded_at is read after the lock, so an instruction recorded after another one waited for never
    # carries an earlier time.
    return store.add(session, Consent(
        identity_id=identity_id, controller=controller.kind, operator_id=controller.operator_id, purpose=purpose,
        decision=decision, channel=channel, given_at=given_at, recorded_at=clock.now(), recorded_by=actor[:100],
        reference=reference))


def _ensure_choice(field: str, given: str, known: tuple[str, ...], names: dict[str, Any]) -> None:
    if given in known:
        return
    listed = words.comma_list(Message.term(code, names[code]) for code in known)
    if field == "decision":
        raise InvalidInput(N_("%(given)s is not a decision on consent; use one of %(known)s."), field=field,
                           given=repr(given), known=listed)
    raise InvalidInput(N_("%(given)s is not a channel consent is given through; use one of %(known)s."),
                       field=field, given=repr(given), known=listed)


def _word(lang: str, names: dict[str, Any], code: str) -> str:
    name = names.get(code)
    return translate(lang, name) if name is not None else code


def _shown(at: dt.datetime) -> str:
    return to_hk(at).strftime("%Y-%m-%d %H:%M:%S")
