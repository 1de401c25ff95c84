"""The real-time online check (FAQ Q3.8): up to 100 numbers against the registers the account holds.

Per number and register the answer is ``listed`` / ``not_listed`` — or ``invalid`` with the reason, for an entry
that is not a registrable Hong Kong number (one bad entry never fails the whole request) — with the registration
date, the day protection starts (the 10th working day after it, the same rule as ``dnc.service``) and whether
protection is in force on the day asked about (default: today in Hong Kong). The account's own seed numbers
(issue 17, enforcement.seeds) are listings for that account, as in its downloaded files. Each check is recorded
(account, registers, how many numbers, address): :class:`check_records.CheckRecord`.

Where the answers come from is a :class:`Sources`: :class:`SessionSources` reads the database in the caller's
transaction (the web page, which records the check in the same transaction); :class:`CachedSources` answers
from the in-memory listing index (dnc.listing_index) and the process's cache of seeds (check_cache.py), which
is what the API uses so that a check costs no database round trip at all (issue 18: the record is then written
by group commit, core/group_commit.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from telreg.config import Settings
from telreg.core.calendar import WorkingCalendar
from telreg.core.clock import Clock, today
from telreg.core.errors import InvalidInput, InvalidNumber
from telreg.core.i18n import N_
from telreg.core.phone import REGISTRABLE, classify, parse_registrable
from telreg.core.weather import load_calendar
from telreg.dnc import repository as dnc_repository
from telreg.dnc.listing_index import _EXTRAS_KEY as _INDEX_KEY
from telreg.dnc.listing_index import REMOVED, _code, _day, listing_index
from telreg.enforcement.seeds.assign import seeds_by_register
from telreg.senders.check_answer import CheckAnswer
from telreg.senders.check_cache import TtlCache
from telreg.senders.check_records import CheckRecord, add_records
from telreg.senders.errors import TooManyNumbers
from telreg.senders.scrub import _kernels
from telreg.senders.scrub.numbers import VALID
from telreg.senders.usage import ensure_account_usable, ensure_register_usable, ensure_usage_open
from telreg.senders.vocabulary import parse_register

if TYPE_CHECKING:
    from telreg.runtime import Runtime
    from telreg.senders.deps import SenderCaller

__all__ = ["MAX_NUMBERS", "CachedSources", "SessionSources", "Sources", "answer_check", "check_numbers",
           "parse_entries", "parse_entry"]

MAX_NUMBERS = 100  # FAQ Q3.8: "This interface will only allow the checking of 100 numbers at a time."
Found = dict[tuple[str, str], dt.date]


class Sources(Protocol):
    """Where a check's answers come from."""

    def listed(self, numbers: np.ndarray, registers: Sequence[str]) -> dict[str, np.ndarray]:
        """Per register, each of NUMBERS' (ints) registration date as a uint32 YYYYMMDD, 0 when not listed."""
        ...

    def seeds(self, account_id: int, day: dt.date) -> dict[str, dict[str, dt.date]]:
        """The account's seed numbers (issue 17) per register: national number -> listed on."""
        ...

    def protection_starts(self, registered_on: dt.date) -> dt.date: ...


# ---- parsing the entries ----------------------------------------------------------------------------------------

# The spellings scripts send nearly always: 8 digits, grouped 4+4 by a space or hyphen, after an optional +852
# or 852 (with or without one separator). Only these skip the general parser (NFKC folding, letter and shape
# checks, which cost ~10 µs an entry); everything else, and every entry that is not registrable (whose reason
# the general parser words), goes through core.phone.parse_registrable. The property test in
# test_online_check_parse.py holds the two to the same answers.
_COMMON = re.compile(r"(?:\+852[ -]?|852[ -]?)?([0-9]{4})[ -]?([0-9]{4})")


# Whether an 8-digit number is registrable depends on its first four digits only (core.phone.classify: the first
# digit, 999, 81–83, else the four-digit block), so the answer is kept per block: at most 10,000 entries.
_REGISTRABLE_BLOCK: dict[str, bool] = {}


def _registrable(national: str) -> bool:
    registrable = _REGISTRABLE_BLOCK.get(national[:4])
    if registrable is None:
        registrable = _REGISTRABLE_BLOCK[national[:4]] = classify(national) in REGISTRABLE
    return registrable


def parse_entry(raw: Any) -> tuple[str | None, str | None]:
    """(national number, None) or (None, the reason the entry is not a registrable Hong Kong number)."""
    if isinstance(raw, str) and (match := _COMMON.fullmatch(raw)):
        national = match.group(1) + match.group(2)
        if _registrable(national):
            return national, None
    try:
        return parse_registrable(None if raw is None else str(raw)).national, None
    except InvalidNumber as problem:
        return None, problem.message


def _registrable_blocks() -> np.ndarray:
    """Per four-digit block (the first four digits), whether its numbers are registrable: ``_registrable``'s
    answer for all 10,000 blocks at once, built on first use."""
    global _BLOCKS
    if _BLOCKS is None:
        _BLOCKS = np.array([_registrable(f"{block:04d}0000") for block in range(10_000)], dtype=bool)
    return _BLOCKS


_BLOCKS: np.ndarray | None = None


def parse_values(raws: Sequence[Any]) -> tuple[np.ndarray, dict[int, str]]:
    """Each entry's national number as an int64 (-1 when it is not a registrable Hong Kong number) and, for those,
    the reason by position: ``parse_entry`` of every entry, the ASCII text ones at once. A check's 100 entries go
    through the scrub's C number rules (senders/scrub/_answer.h ``parse_texts``, held to core/phone.py by its own
    property test) in one call, read in place (~10 µs, where a regular expression per entry took ~240). An entry it
    does not accept as an 8-digit number — and every other kind of entry — goes through ``parse_entry``, which words
    the reason."""
    values = np.zeros(len(raws), dtype=np.int64)
    status = np.empty(len(raws), dtype=np.uint8)
    _kernels.parse_texts(raws if type(raws) is list else list(raws), values, status)
    accepted = status == VALID
    accepted &= _registrable_blocks()[np.where(accepted, values // 10_000, 0)]
    values[~accepted] = -1
    reasons: dict[int, str] = {}
    for i in np.flatnonzero(~accepted).tolist():
        national, reason = parse_entry(raws[i])
        if national is None:
            reasons[i] = reason or ""
        else:
            values[i] = int(national)
    return values, reasons


def parse_entries(raws: Sequence[Any]) -> list[tuple[str | None, str | None]]:
    """:func:`parse_values` as ``parse_entry`` answers: (national number, None) or (None, the reason)."""
    values, reasons = parse_values(raws)
    return [(f"{value:08d}", None) if value >= 0 else (None, reasons[i]) for i, value in enumerate(values.tolist())]


# ---- the check ------------------------------------------------------------------------------------------------

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


def admit(*, clock: Clock, settings: Settings, caller: SenderCaller, numbers: Sequence[Any],
          registers: list[str] | None) -> list[str]:
    """Refuse a check that may not run (account, update window, size, registers); return the registers."""
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
    return _registers(caller, registers)


def answer_check(sources: Sources, *, clock: Clock, settings: Settings, caller: SenderCaller,
                 numbers: Sequence[Any], registers: list[str] | None = None, on_date: dt.date | None = None,
                 client_address: str | None = None) -> tuple[CheckAnswer, CheckRecord]:
    """Answer a check of up to 100 numbers from SOURCES; return the answer and the record still to be written.

    Set-based: the entries' numbers are looked up per register at once, and the entries fall into a few distinct
    verdict tuples (most: not listed anywhere), whose listed/protected answers are worked out once each."""
    chosen = admit(clock=clock, settings=settings, caller=caller, numbers=numbers, registers=registers)
    day = today(clock)
    on = on_date or day
    values, reasons = parse_values(numbers)
    valid = values >= 0
    wanted = values[valid]
    codes = sources.listed(wanted, chosen)
    # The account's seed numbers are listings for this account (issue 17): the answer agrees with its files.
    for register, seeded in sources.seeds(caller.account_id, day).items():
        if register in codes and seeded:
            column = codes[register] = codes[register].copy()
            for number, listed_on in seeded.items():
                column[(wanted == int(number)) & (column == REMOVED)] = _code(listed_on)
    matrix = np.stack([codes[r] for r in chosen], axis=1) if chosen else np.zeros((len(wanted), 0), np.uint32)
    if matrix.shape[1] == 1:  # one register (most checks): a plain unique, ~4x cheaper than unique rows
        met, inverse = np.unique(matrix[:, 0], return_inverse=True)
        kinds = met.reshape(-1, 1)
    else:
        kinds, inverse = np.unique(matrix, axis=0, return_inverse=True)
        met = np.unique(kinds)
    inverse = inverse.reshape(-1)
    met = met[met != REMOVED]  # the registration dates met, sorted
    begins = {code: _code(sources.protection_starts(_day(code))) for code in met.tolist()}
    listed = kinds != REMOVED
    starts = np.array(list(begins.values()) or [0], dtype=np.uint32)[
        np.minimum(np.searchsorted(met, kinds), max(len(met) - 1, 0))]
    per_kind = np.bincount(inverse, minlength=len(kinds))
    listed_count = int(per_kind[listed.any(axis=1)].sum())
    protected_count = int(per_kind[(listed & (starts <= _code(on))).any(axis=1)].sum())
    ids = np.full(len(values), -1, dtype=np.int32)
    ids[valid] = inverse
    now = clock.now()
    record = CheckRecord(account_id=caller.account_id, registers=tuple(chosen), numbers_checked=len(numbers),
                         api_key_id=caller.api_key_id, client_address=client_address, checked_at=now)
    answer = CheckAnswer(
        checked_at=now, on=on, registers=chosen, inputs=[None if raw is None else str(raw) for raw in numbers],
        values=values, reasons=reasons, ids=ids, kinds=kinds, begins=begins, invalid=len(reasons),
        listed=listed_count, protected=protected_count)
    return answer, record


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
    """Check up to 100 numbers against the caller's registers (all it may use, or those named), reading and
    recording in SESSION's transaction (the web page)."""
    answer, record = answer_check(SessionSources(session, settings), clock=clock, settings=settings, caller=caller,
                                  numbers=numbers, registers=registers, on_date=on_date,
                                  client_address=client_address)
    add_records(session, [record], clock=clock)
    return answer.as_dict()


# ---- sources ------------------------------------------------------------------------------------------------

class SessionSources:
    """Answers read in one database session: one set-based query for all the numbers."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self._session = session
        self._settings = settings
        self._calendar: WorkingCalendar | None = None

    def listed(self, numbers: np.ndarray, registers: Sequence[str]) -> dict[str, np.ndarray]:
        found = sql_listings(self._session, [f"{n:08d}" for n in numbers.tolist()], registers)
        return {register: np.array([_code(found[(f"{n:08d}", register)]) if (f"{n:08d}", register) in found
                                    else REMOVED for n in numbers.tolist()], dtype=np.uint32)
                for register in registers}

    def seeds(self, account_id: int, day: dt.date) -> dict[str, dict[str, dt.date]]:
        return _seed_dates(seeds_by_register(self._session, account_id=account_id, day=day))

    def protection_starts(self, registered_on: dt.date) -> dt.date:
        if self._calendar is None:
            self._calendar = load_calendar(self._session, self._settings)
        return self._calendar.add_working_days(registered_on, self._settings.protection_working_days)


def sql_listings(session: Session, numbers: Sequence[str], registers: Sequence[str]) -> Found:
    """The listings among NUMBERS on REGISTERS, by one query (WHERE number IN (...))."""
    return {(row.number, row.register): row.registration_date
            for row in dnc_repository.listings_among(session, list(numbers)) if row.register in registers}


def _seed_dates(by_register: dict[str, Any]) -> dict[str, dict[str, dt.date]]:
    return {register: {s.number: s.listed_on for s in seeds} for register, seeds in by_register.items()}


_SEEDS = TtlCache()


def _load_seeds(runtime: Runtime, account_id: int) -> dict[str, dict[str, dt.date]]:
    with runtime.read_session_factory() as session:
        return _seed_dates(seeds_by_register(session, account_id=account_id, day=today(runtime.clock)))


class CachedSources:
    """Answers from the listing index (dnc.listing_index: membership, dates and the calendar, kept current by the
    change feed) and this process's cache of the account's seeds; :meth:`warm` says whether answering needs the
    database (then the caller runs the check off the event loop, which fills what was missing)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._seeds: dict[str, dict[str, dt.date]] | None = None

    async def ready(self, account_id: int) -> None:
        """Have in memory what a check of this account reads: the index (built once, in the thread pool) and the
        account's seeds (loaded once per TTL, one load however many checks arrive together)."""
        runtime = self._runtime
        if _INDEX_KEY not in runtime.extras:
            await run_in_threadpool(listing_index, runtime)
        self._seeds = await _SEEDS.get_or_load_async(account_id, runtime.clock, lambda: _load_seeds(runtime, account_id))

    def listed(self, numbers: np.ndarray, registers: Sequence[str]) -> dict[str, np.ndarray]:
        index = listing_index(self._runtime)
        return {register: index.codes(register, numbers) for register in registers}

    def seeds(self, account_id: int, day: dt.date) -> dict[str, dict[str, dt.date]]:
        seeds = self._seeds
        if seeds is None:  # not made ready (a caller outside the event loop)
            seeds = _SEEDS.get_or_load(account_id, self._runtime.clock, lambda: _load_seeds(self._runtime, account_id))
        return seeds

    def protection_starts(self, registered_on: dt.date) -> dt.date:
        return listing_index(self._runtime).protected_from(registered_on)
