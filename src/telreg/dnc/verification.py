"""Proving that a caller controls a number they keyed: telephone callbacks and faxed one-time codes.

A hotline caller whose caller ID cannot be read keys the number instead; before anything changes we call that
number back (2/3-prefix fixed lines and 81–83 personal numbers, seed 004 Q3.1, Q2.5) or, on the fax register's
hotline, fax a one-time code to it that the caller keys on the confirmation line (Q3.3–Q3.5). Each request is a
``dnc_verifications`` row; every attempt and state change is an audit event about it (subject_type
"verification"); the register change itself goes through ``dnc.service`` like every other channel.

Each callback or fax attempt is its own job, and an unanswered attempt enqueues the next one in the same
transaction. (A handler's ``RetryLater`` rolls its session back, which would lose the record of the attempt; it
is used only to defer work that falls due inside the nightly update window, where nothing has been done yet.)
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, jobs
from telreg.core.clock import HK, Clock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.notify import CallOutcome, FaxOutcome, FaxSender, Telephony
from telreg.core.phone import HKNumber, parse_registrable
from telreg.dnc import service
from telreg.dnc import vocabulary as vocab
from telreg.dnc.ivr import prompts
from telreg.dnc.models import Verification

__all__ = [
    "ACTIONS",
    "CALLBACK_JOB",
    "FAX_CODE_JOB",
    "CodeCheck",
    "attempt_callback",
    "confirm_fax_code",
    "get_verification",
    "pending_fax_code",
    "request_callback",
    "request_fax_code",
    "send_fax_code",
]

Action = Literal["register", "deregister", "status"]
ACTIONS: tuple[str, ...] = ("register", "deregister", "status")
CALLBACK_JOB = "dnc.callback"
FAX_CODE_JOB = "dnc.fax-code"
CODE_DIGITS = 6
JOB_MAX_ATTEMPTS = 3  # a crashing adapter is retried by the queue; unanswered calls are counted here instead
# A 6-digit code has a small space, so slow the hash down (argon2id, per-code salt) even though keying is limited.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def get_verification(session: Session, verification_id: int, *, for_update: bool = False) -> Verification | None:
    stmt = select(Verification).where(Verification.id == verification_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def _pending(session: Session, *, number: str, method: str, action: str | None = None) -> Verification | None:
    stmt = select(Verification).where(
        Verification.number == number, Verification.method == method, Verification.state == "pending"
    )
    if action is not None:
        stmt = stmt.where(Verification.action == action)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt.order_by(Verification.created_at.desc(), Verification.id.desc())).first()


def _record(session: Session, *, clock: Clock, v: Verification, action: str, actor: str, **details: Any) -> None:
    audit.record(
        session, clock=clock, actor=actor, action=action, subject_type="verification", subject_key=str(v.id),
        register=v.registers[0] if len(v.registers) == 1 else None,
        details={"number": v.number, "action": v.action, "method": v.method, "registers": v.registers, **details},
    )


def _settle(session: Session, *, clock: Clock, v: Verification, state: str, outcome: str, actor: str,
            **details: Any) -> None:
    v.state = state
    v.outcome = outcome[:200]
    v.updated_at = clock.now()
    _record(session, clock=clock, v=v, action=f"verification-{state}", actor=actor, outcome=outcome, **details)


def _create(session: Session, *, clock: Clock, settings: Settings, number: HKNumber, registers: list[vocab.Register],
            action: str, method: str, channel: vocab.Channel, actor: str, details: dict[str, Any]) -> Verification:
    if action not in ACTIONS:
        raise InvalidInput(N_("'%(action)s' is not something a verification can confirm."), action=action)
    if action != "status":
        service.ensure_changes_open(clock, settings)
    now = clock.now()
    v = Verification(
        number=number.national, registers=[r.value for r in registers], action=action, method=method,
        channel=channel.value, state="pending", attempts=0, wrong_codes=0, created_at=now, updated_at=now,
    )
    session.add(v)
    session.flush()
    _record(session, clock=clock, v=v, action="verification-requested", actor=actor, channel=channel.value,
            **details)
    return v


def _enqueue(session: Session, *, clock: Clock, kind: str, v: Verification, attempt: int, lang: str | None,
             run_at: dt.datetime) -> None:
    jobs.enqueue(session, clock=clock, kind=kind, payload={"verification_id": v.id, "attempt": attempt, "lang": lang},
                 run_at=run_at, unique_key=f"{kind}:{v.id}:{attempt}", max_attempts=JOB_MAX_ATTEMPTS)


def request_callback(
    session: Session, *, clock: Clock, settings: Settings, number: HKNumber, registers: list[vocab.Register],
    action: str, channel: vocab.Channel, actor: str, lang: str | None = None, details: dict[str, Any] | None = None,
) -> Verification:
    """Ask to call the number back; a request already waiting for the same number and action is reused."""
    if not number.callback_eligible:
        raise InvalidInput(N_("%(number)s cannot be called back: only fixed lines starting with 2 or 3 and "
                              "personal numbers (81–83) can."), number=number.national)
    existing = _pending(session, number=number.national, method="callback", action=action)
    if existing is not None and existing.registers == [r.value for r in registers]:
        return existing  # one caller must not be able to make us ring a number over and over
    v = _create(session, clock=clock, settings=settings, number=number, registers=registers, action=action,
                method="callback", channel=channel, actor=actor, details=details or {})
    _enqueue(session, clock=clock, kind=CALLBACK_JOB, v=v, attempt=1, lang=lang, run_at=clock.now())
    return v


def request_fax_code(
    session: Session, *, clock: Clock, settings: Settings, number: HKNumber, registers: list[vocab.Register],
    action: str, actor: str, lang: str | None = None, details: dict[str, Any] | None = None,
) -> Verification:
    """Ask to fax a one-time code to the number; an earlier code still waiting for it stops being valid."""
    earlier = _pending(session, number=number.national, method="fax-code")
    if earlier is not None:
        _settle(session, clock=clock, v=earlier, state="expired", outcome="superseded by a newer request",
                actor=actor)
    v = _create(session, clock=clock, settings=settings, number=number, registers=registers, action=action,
                method="fax-code", channel=vocab.Channel.fax_callback, actor=actor, details=details or {})
    _enqueue(session, clock=clock, kind=FAX_CODE_JOB, v=v, attempt=1, lang=lang, run_at=clock.now())
    return v


def _apply(session: Session, *, clock: Clock, settings: Settings, v: Verification, proof: vocab.Verification,
           actor: str) -> dict[str, Any]:
    """Do what was asked, now that the number is proven; return the outcomes (or the status document)."""
    number = parse_registrable(v.number)
    registers = vocab.parse_registers(v.registers)
    if v.action == "status":
        return {"status": service.number_status(session, settings=settings, number=number)}
    change = service.register_number if v.action == "register" else service.deregister_number
    outcomes = change(session, clock=clock, settings=settings, number=number, registers=registers,
                      channel=vocab.Channel(v.channel), verification=proof, actor=actor,
                      details={"verification_id": v.id})
    return {"outcomes": [o.as_dict() for o in outcomes]}


def _summary(result: dict[str, Any]) -> str:
    if "status" in result:
        return "status read out"
    return ", ".join(f"{o['register']}: {o['result']}" for o in result["outcomes"])


def _status_prompt(session: Session, *, settings: Settings, v: Verification) -> prompts.Prompt:
    document = service.number_status(session, settings=settings, number=v.number)
    said = prompts.EMPTY
    for register in v.registers:
        said = said + prompts.status(v.number, register, document["registers"][register])
    return said


def attempt_callback(
    session: Session, *, clock: Clock, settings: Settings, telephony: Telephony, verification_id: int, attempt: int,
    lang: str | None = None,
) -> str:
    """Place one callback; confirm, fail, or schedule the next attempt. Returns what happened."""
    v = get_verification(session, verification_id, for_update=True)
    if v is None or v.method != "callback" or v.state != "pending" or v.attempts >= attempt:
        return "skipped"  # settled meanwhile, or this attempt already ran
    status_text = _status_prompt(session, settings=settings, v=v) if v.action == "status" else None
    message = prompts.callback_message(v.action, v.number, v.registers, status_text).say(lang)
    outcome = telephony.call_for_confirmation(v.number, message)
    actor = f"verification:{v.id}"
    v.attempts += 1
    v.updated_at = clock.now()
    _record(session, clock=clock, v=v, action="callback-attempted", actor="system:callback", attempt=v.attempts,
            outcome=outcome.value)
    if outcome is CallOutcome.confirmed:
        result = _apply(session, clock=clock, settings=settings, v=v, proof=vocab.Verification.callback, actor=actor)
        _settle(session, clock=clock, v=v, state="confirmed", outcome=_summary(result), actor="system:callback",
                **result)
    elif outcome is CallOutcome.declined:
        _settle(session, clock=clock, v=v, state="failed", outcome="declined on the callback",
                actor="system:callback")
    elif v.attempts >= settings.callback_attempts:
        _settle(session, clock=clock, v=v, state="failed", outcome=f"no answer after {v.attempts} callbacks",
                actor="system:callback")
    else:
        _enqueue(session, clock=clock, kind=CALLBACK_JOB, v=v, attempt=v.attempts + 1, lang=lang,
                 run_at=clock.now() + dt.timedelta(minutes=settings.callback_interval_minutes))
    return outcome.value


def send_fax_code(
    session: Session, *, clock: Clock, settings: Settings, fax: FaxSender, verification_id: int, attempt: int,
    lang: str | None = None,
) -> str:
    """Fax a fresh one-time code; on a busy line schedule another attempt. Returns what happened."""
    v = get_verification(session, verification_id, for_update=True)
    if v is None or v.method != "fax-code" or v.state != "pending" or v.attempts >= attempt:
        return "skipped"
    now = clock.now()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    expires_at = now + dt.timedelta(minutes=settings.fax_code_ttl_minutes)
    outcome = fax.send_fax(v.number, prompts.fax_text(v.number, code, expires_at.astimezone(HK)))
    v.attempts += 1
    v.updated_at = now
    if outcome is FaxOutcome.delivered:
        v.code_hash = _hasher.hash(code)
        v.code_expires_at = expires_at
        _record(session, clock=clock, v=v, action="fax-code-sent", actor="system:fax", attempt=v.attempts,
                expires_at=expires_at.isoformat())
    elif v.attempts >= settings.fax_send_attempts:
        _settle(session, clock=clock, v=v, state="failed", outcome=f"fax not delivered after {v.attempts} attempts",
                actor="system:fax", last=outcome.value)
    else:
        _record(session, clock=clock, v=v, action="fax-code-undelivered", actor="system:fax", attempt=v.attempts,
                outcome=outcome.value)
        _enqueue(session, clock=clock, kind=FAX_CODE_JOB, v=v, attempt=v.attempts + 1, lang=lang,
                 run_at=now + dt.timedelta(minutes=settings.callback_interval_minutes))
    return outcome.value


def pending_fax_code(session: Session, *, number: str) -> Verification | None:
    """The code request waiting for this fax number (the code has been faxed), if any."""
    v = _pending(session, number=number, method="fax-code")
    return v if v is not None and v.code_hash is not None else None


@dataclass
class CodeCheck:
    """What keying a code did: confirmed | wrong | failed | expired | none | window-closed."""

    result: str
    remaining: int = 0
    action: str | None = None
    registers: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


def confirm_fax_code(
    session: Session, *, clock: Clock, settings: Settings, number: str, code: str, actor: str
) -> CodeCheck:
    """Check a keyed code against the code faxed to the number, and if it is right do what was asked."""
    v = pending_fax_code(session, number=number)
    if v is None:
        return CodeCheck("none")
    now = clock.now()
    if v.action != "status" and service.in_update_window(now, settings):
        return CodeCheck("window-closed")  # the caller is not to blame: no wrong-code attempt is used
    assert v.code_expires_at is not None and v.code_hash is not None
    if now >= v.code_expires_at:
        _settle(session, clock=clock, v=v, state="expired", outcome="code keyed after it expired", actor=actor)
        return CodeCheck("expired")
    if not _matches(v.code_hash, code):
        v.wrong_codes += 1
        v.updated_at = now
        _record(session, clock=clock, v=v, action="fax-code-wrong", actor=actor, wrong_codes=v.wrong_codes)
        if v.wrong_codes >= settings.fax_code_max_wrong:
            _settle(session, clock=clock, v=v, state="failed", outcome=f"{v.wrong_codes} wrong codes", actor=actor)
            return CodeCheck("failed")
        return CodeCheck("wrong", remaining=settings.fax_code_max_wrong - v.wrong_codes)
    result = _apply(session, clock=clock, settings=settings, v=v, proof=vocab.Verification.fax_code,
                    actor=f"verification:{v.id}")
    _settle(session, clock=clock, v=v, state="confirmed", outcome=_summary(result), actor=actor, **result)
    return CodeCheck("confirmed", action=v.action, registers=list(v.registers), detail=result)


def _matches(code_hash: str, code: str) -> bool:
    try:
        return _hasher.verify(code_hash, code)
    except (VerificationError, InvalidHashError):
        return False
