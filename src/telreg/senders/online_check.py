"""The real-time online check (FAQ Q3.8): up to 100 numbers against the registers the account holds.

Per number and register the answer is ``listed`` / ``not_listed`` — or ``invalid`` with the reason, for an entry
that is not a registrable Hong Kong number (one bad entry never fails the whole request) — with the registration
date, the day protection starts (the 10th working day after it, the same rule as ``dnc.service``) and whether
protection is in force on the day asked about (default: today in Hong Kong). The account's own seed numbers
(issue 17, enforcement.seeds) are listings for that account, as in its downloaded files. Listings are read with one
set-based query for all the numbers. Each check is recorded (account, registers, how many numbers, address).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.errors import InvalidInput, InvalidNumber
from telreg.core.i18n import N_
from telreg.core.phone import parse_registrable
from telreg.core.weather import load_calendar
from telreg.dnc import repository as dnc_repository
from telreg.enforcement.seeds.files import seed_listings
from telreg.senders import repository
from telreg.senders.errors import TooManyNumbers
from telreg.senders.models import SenderCheck
from telreg.senders.usage import ensure_account_usable, ensure_register_usable, ensure_usage_open
from telreg.senders.vocabulary import parse_register

if TYPE_CHECKING:
    from telreg.senders.deps import SenderCaller

__all__ = ["MAX_NUMBERS", "check_numbers"]

MAX_NUMBERS = 100  # FAQ Q3.8: "This interface will only allow the checking of 100 numbers at a time."


def _registers(caller: SenderCaller, registers: list[str] | None) -> list[str]:
    if registers is None:  # not said: every register the account may use now
        return sorted(caller.registers)
    if not registers:  # said, and none: a slip, never "every register"
        raise InvalidInput(N_("Choose at least one register to check: an empty list does not mean every "
                              "register."), registers=[])
    chosen: list[str] = []
    for value in registers:
        register = parse_register(value).value
        ensure_register_usable(caller, register)
        if register not in chosen:
            chosen.append(register)
    return chosen


def _parse(raw: Any) -> tuple[str | None, str | None]:
    """(national number, None) or (None, the reason the entry is not a registrable Hong Kong number)."""
    try:
        return parse_registrable(None if raw is None else str(raw)).national, None
    except InvalidNumber as problem:
        return None, problem.message


def check_numbers(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    caller: SenderCaller,
    numbers: list[str],
    registers: list[str] | None = None,
    on_date: dt.date | None = None,
    client_address: str | None = None,
) -> dict[str, Any]:
    """Check up to 100 numbers against the caller's registers (all it may use, or those named); record the check."""
    ensure_account_usable(caller)
    ensure_usage_open(clock, settings, what="Online checks")
    if len(numbers) > MAX_NUMBERS:
        raise TooManyNumbers(
            N_("A check takes at most %(limit)s numbers per check; this one has %(given)s. Split the list, "
               "or download the whole register to cleanse a large database."),
            limit=MAX_NUMBERS, given=len(numbers),
        )
    if not numbers:
        raise InvalidInput(N_("Give at least one number to check."), limit=MAX_NUMBERS, given=0)
    chosen = _registers(caller, registers)
    on = on_date or today(clock)
    parsed = [_parse(raw) for raw in numbers]
    wanted = sorted({n for n, _ in parsed if n is not None})
    # One query for every number (WHERE number IN (...)); a per-number loop would be 100 round trips.
    found = {(row.number, row.register): row.registration_date
             for row in dnc_repository.listings_among(session, wanted) if row.register in chosen}
    # The account's seed numbers are listings for this account (issue 17): the answer agrees with its files.
    for key, listed_on in seed_listings(session, account_id=caller.account_id, numbers=wanted, registers=chosen,
                                        day=today(clock)).items():
        found.setdefault(key, listed_on)
    calendar = load_calendar(session, settings) if found else None
    starts: dict[dt.date, dt.date] = {}

    def answer(number: str | None, register: str) -> dict[str, Any]:
        if number is None:
            return {"status": "invalid", "registered_on": None, "protection_starts_on": None, "protected": False}
        registered_on = found.get((number, register))
        if registered_on is None:
            return {"status": "not_listed", "registered_on": None, "protection_starts_on": None, "protected": False}
        assert calendar is not None
        if registered_on not in starts:
            starts[registered_on] = calendar.add_working_days(registered_on, settings.protection_working_days)
        begins = starts[registered_on]
        return {"status": "listed", "registered_on": registered_on.isoformat(),
                "protection_starts_on": begins.isoformat(), "protected": on >= begins}

    results = [
        {"input": None if raw is None else str(raw), "number": number, "valid": number is not None,
         "reason": reason, "registers": {r: answer(number, r) for r in chosen}}
        for raw, (number, reason) in zip(numbers, parsed)
    ]
    now = clock.now()
    repository.add(session, SenderCheck(
        account_id=caller.account_id, registers=",".join(chosen), numbers_checked=len(numbers),
        api_key_id=caller.api_key_id, client_address=(client_address or None) and client_address[:64],
        checked_at=now,
    ))
    audit.record(session, clock=clock, actor=f"sender:{caller.account_id}", action="sender-online-check",
                 subject_type="sender", subject_key=str(caller.account_id),
                 details={"registers": chosen, "numbers": len(numbers), "api_key_id": caller.api_key_id})
    return {
        "checked_at": now.isoformat(),
        "on": on.isoformat(),
        "registers": chosen,
        "summary": {
            "numbers": len(numbers),
            "invalid": sum(1 for r in results if not r["valid"]),
            "listed": sum(1 for r in results if any(a["status"] == "listed" for a in r["registers"].values())),
            "protected": sum(1 for r in results if any(a["protected"] for a in r["registers"].values())),
        },
        "results": results,
    }
