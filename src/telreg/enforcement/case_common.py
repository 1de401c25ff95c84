"""What every step of a case shares: finding and locking a case, its events (each mirrored in the audit log),
references, the state checks that refuse a step, and how a receiving number is shown in a letter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import HK, Clock
from telreg.core.i18n import N_, Message
from telreg.enforcement.errors import CaseNotFound, StepRefused
from telreg.enforcement.models import Case, CaseEvent, Notice

__all__ = ["CLOSED_STATES", "STATE_WORDS", "state_term", "by_reference", "close", "event", "get_case", "get_notice", "is_open", "lock_case",
           "lock_notice", "mask_number", "next_reference", "require_state", "start_of_day_after"]

# A case in one of these states has no open key: a new report about the sender opens a new case.
CLOSED_STATES = ("no-action", "closed")


def by_reference(session: Session, reference: str) -> Case | None:
    return session.scalar(select(Case).where(Case.reference == reference.strip().upper()))


def get_case(session: Session, reference: str) -> Case:
    """The case REFERENCE (CaseNotFound when there is none)."""
    case = by_reference(session, reference)
    if case is None:
        raise CaseNotFound(N_("There is no enforcement case %(reference)s."), reference=reference)
    return case


def lock_case(session: Session, case: Case | str) -> Case:
    """The case, its row locked for the step (PostgreSQL; SQLite's writer lock serialises the steps)."""
    reference = case if isinstance(case, str) else case.reference
    row = session.scalar(select(Case).where(Case.reference == reference.strip().upper())
                         .with_for_update().execution_options(populate_existing=True))
    if row is None:
        raise CaseNotFound(N_("There is no enforcement case %(reference)s."), reference=reference)
    return row


def get_notice(session: Session, reference: str) -> Notice:
    notice = session.scalar(select(Notice).where(Notice.reference == reference.strip().upper()))
    if notice is None:
        raise CaseNotFound(N_("There is no enforcement notice %(reference)s."), reference=reference)
    return notice


def lock_notice(session: Session, notice: Notice | str) -> Notice:
    reference = notice if isinstance(notice, str) else notice.reference
    row = session.scalar(select(Notice).where(Notice.reference == reference.strip().upper())
                         .with_for_update().execution_options(populate_existing=True))
    if row is None:
        raise CaseNotFound(N_("There is no enforcement notice %(reference)s."), reference=reference)
    return row


def is_open(case: Case) -> bool:
    return case.open_key is not None


# The states as sentences name them (the codes stay in English sentences and in the API's values).
STATE_WORDS = {
    "collecting": N_("collecting reports"), "investigating": N_("under investigation"),
    "no-action": N_("closed with no action"), "warning": N_("closed with a warning"),
    "notice-served": N_("served with a notice"), "complied": N_("complied with its notice"),
    "referred": N_("referred for prosecution"), "closed": N_("closed by an officer"),
    "issued": N_("issued, not yet served"), "served": N_("served, awaiting its deadline"),
    "breached": N_("found breached"), "withdrawn": N_("withdrawn by the regulator"),
}


def state_term(state: str) -> Message | str:
    """A case's or notice's state for a sentence: its words in every language."""
    return Message.term(state, STATE_WORDS[state]) if state in STATE_WORDS else state


def require_state(case: Case, allowed: Iterable[str], *, step: str) -> None:
    """Refuse STEP (a marked phrase) unless the case is in one of ALLOWED (StepRefused naming its state)."""
    allowed = tuple(allowed)
    if case.state not in allowed:
        raise StepRefused(N_("Case %(reference)s is %(state)s: %(step)s needs it to be %(needed)s."),
                          reference=case.reference, state=state_term(case.state), step=step,
                          needed=Message.join([state_term(a) for a in allowed], N_(" or ")))


def close(case: Case, *, clock: Clock, state: str = "closed") -> None:
    """End the case: its key is free for a new case about the sender."""
    case.state = state
    case.open_key = None
    case.closed_at = clock.now()
    case.updated_at = clock.now()


def event(session: Session, *, clock: Clock, case: Case, kind: str, actor: str,
          details: dict[str, Any] | None = None, document_id: int | None = None) -> CaseEvent:
    """Append a step to the case's timeline and to the audit log, in the caller's transaction."""
    details = details or {}
    row = CaseEvent(case_id=case.id, kind=kind, actor=actor, at=clock.now(), details=details,
                    document_id=document_id)
    session.add(row)
    case.updated_at = clock.now()
    audit.record(session, clock=clock, actor=actor, action=f"enforcement-case-{kind}",
                 subject_type="enforcement-case", subject_key=case.reference, register=case.register,
                 details={**details, **({"document": document_id} if document_id else {})})
    return row


def next_reference(session: Session, column: Any, prefix: str, width: int) -> str:
    """The next free reference PREFIX + a zero-padded number (the unique constraint decides a race)."""
    last = session.scalar(select(func.max(column)).where(column.like(f"{prefix}%")))
    number = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{number:0{width}d}"


def mask_number(number: str) -> str:
    """A receiving number as a letter shows it: '91234584' → '9xxx xx84'."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) != 8:
        return "x" * max(len(digits) - 2, 0) + digits[-2:]
    return f"{digits[0]}xxx xx{digits[-2:]}"


def start_of_day_after(day: dt.date) -> dt.datetime:
    """Midnight in Hong Kong at the end of DAY: what arrives from then on arrived after DAY."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), HK)
