"""Flags: a proved person marks a number registered under their identity that they do not recognise; the
number's operator lists the open flags, investigates, and closes each with a note. Every step is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import HK, Clock
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.realname import identities
from telreg.realname import repository as registrations
from telreg.realname.errors import OperatorNotFound
from telreg.realname.lookup import repository
from telreg.realname.lookup.codes import LookupAccess
from telreg.realname.lookup.errors import FlagClosed, FlagNotFound, NotYourNumber
from telreg.realname.lookup.models import NumberFlag
from telreg.realname.models import Number, Operator
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.policy import Policy

__all__ = ["AUDIT_SUBJECT", "NOTE_MAX_CHARS", "close_flag", "count_operator_flags", "flag_number",
           "flag_view", "operator_flags"]

AUDIT_SUBJECT = "realname-flag"
NOTE_MAX_CHARS = 1000


def flag_number(session: Session, *, clock: Clock, policy: Policy, access: LookupAccess,
                position: int | None = None, number: str | None = None,
                actor: str = "public:lookup") -> tuple[NumberFlag, bool]:
    """Flag one number: by its POSITION in the proved operator's list, or by the full NUMBER typed.

    Returns the flag and whether it is new; flagging a number already flagged and open returns that flag.
    """
    if (position is None) == (number is None or not number.strip()):
        raise InvalidInput(N_("Flag one number: give either its position in your list or the full number."))
    row = (_by_position(session, access, position) if position is not None
           else _by_number(session, policy, access, number or ""))
    existing = repository.open_flag(session, number_id=row.id, identity_id=access.identity_id)
    if existing is not None:
        return existing, False
    flag = NumberFlag(operator_id=row.operator_id, number_id=row.id, number=row.number,
                      identity_id=access.identity_id, challenge_id=access.challenge_id, at=clock.now(),
                      status="open")
    if not add_unless_duplicate(session, flag):  # the same person flagged it at the same moment elsewhere
        again = repository.open_flag(session, number_id=row.id, identity_id=access.identity_id)
        assert again is not None, "the unique index refused the flag, so an open one exists"
        return again, False
    operator = session.get(Operator, row.operator_id)
    audit.record(session, clock=clock, actor=actor, action="realname-flag-raised", subject_type=AUDIT_SUBJECT,
                 subject_key=str(flag.id),
                 details={"number": row.number, "operator": operator.code if operator else None,
                          "identity": access.identity_id, "lookup": access.challenge_id})
    return flag, True


def operator_flags(session: Session, *, vault: Vault, operator_code: str, status: str = "open",
                   limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """Return an operator's flags in one status, with the flagging holder masked and whether they still hold
    the number (a page of them with LIMIT and OFFSET)."""
    operator_id = _flags_of(session, operator_code=operator_code, status=status)
    rows = repository.flags_of_operator(session, operator_id=operator_id, status=status, limit=limit,
                                        offset=offset)
    return [flag_view(session, vault, flag) for flag in rows]


def count_operator_flags(session: Session, *, operator_code: str, status: str = "open") -> int:
    """How many flags an operator has in one status."""
    operator_id = _flags_of(session, operator_code=operator_code, status=status)
    return repository.count_flags_of_operator(session, operator_id=operator_id, status=status)


def _flags_of(session: Session, *, operator_code: str, status: str) -> int:
    if status not in ("open", "closed"):
        raise InvalidInput(N_("A flag is open or closed, not %(given)s."), status=status, given=repr(status))
    operator = registrations.operator_by_code(session, operator_code)
    if operator is None:
        raise OperatorNotFound(N_("There is no operator with the code %(given)s."), code=operator_code,
                               given=repr(operator_code))
    return operator.id


def close_flag(session: Session, *, clock: Clock, flag_id: int, note: str, actor: str) -> NumberFlag:
    """Close an open flag with the operator's note (what was found, what was done)."""
    note = note.strip()
    if not note:
        raise InvalidInput(N_("Say what was found or done in a note before closing the flag."), field="note")
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidInput(N_("A note has at most %(limit)s characters (this one has %(count)s)."),
                           field="note", limit=NOTE_MAX_CHARS, count=len(note))
    flag = repository.flag_row(session, flag_id)
    if flag is None:
        raise FlagNotFound(N_("There is no flag %(flag_id)s."), flag_id=flag_id)
    if flag.status == "closed":
        raise FlagClosed(N_("Flag %(flag_id)s was closed already by %(by)s."), flag_id=flag_id,
                         by=flag.closed_by)
    flag.status, flag.note, flag.closed_at, flag.closed_by = "closed", note, clock.now(), actor[:100]
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="realname-flag-closed", subject_type=AUDIT_SUBJECT,
                 subject_key=str(flag.id), details={"number": flag.number, "note": note})
    return flag


def _by_position(session: Session, access: LookupAccess, position: int) -> Number:
    own = repository.held_numbers(session, identity_id=access.identity_id, operator_id=access.operator_id)
    if not 1 <= position <= len(own):
        raise InvalidInput(N_("There is no number at position %(position)s: your list has %(count)s."),
                           position=position, count=len(own))
    return own[position - 1]


def _by_number(session: Session, policy: Policy, access: LookupAccess, number: str) -> Number:
    national = parse_subscriber_number(number, jurisdiction=policy.jurisdiction)
    row = registrations.number_row(session, national)
    current = registrations.current_registration(session, row.id) if row is not None else None
    if row is None or current is None or current.holder_id != access.identity_id:
        raise NotYourNumber(N_("Number %(number)s is not registered under the identity you proved, so there "
                               "is nothing to flag."), number=national)
    return row


def flag_view(session: Session, vault: Vault, flag: NumberFlag) -> dict[str, Any]:
    """Return a flag as staff see it: the number, the flagging holder masked, whether they still hold it."""
    current = registrations.current_registration(session, flag.number_id)
    holder = identities.masked(vault, registrations.identity(session, flag.identity_id))
    return {
        "id": flag.id,
        "number": flag.number,
        "at": flag.at.astimezone(HK).isoformat(),
        "status": flag.status,
        "holder": {"name": holder["name"], "document": holder["document"]},
        "still_held": current is not None and current.holder_id == flag.identity_id,
        "note": flag.note,
        "closed_at": flag.closed_at.astimezone(HK).isoformat() if flag.closed_at else None,
        "closed_by": flag.closed_by,
    }
