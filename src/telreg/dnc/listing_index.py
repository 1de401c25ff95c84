"""The current listings of every register in memory: membership and registration date without a query.

Per register a sorted array of numbers (uint32) with each one's registration date beside it (uint32 YYYYMMDD),
searched with ``np.searchsorted`` (one number) or the C ``lookup_codes`` (a check's numbers), plus an *overlay*: a dict of the numbers changed since the arrays were built
(a date, or ``REMOVED``). A look-up reads the overlay first, then the arrays. When the overlay grows past
``COMPACT_AT`` entries it is merged into new arrays, which replace the old ones in one assignment, so readers
never see a half-made state and never take a lock. 8 bytes per listing: 3,000,000 listings hold ~24 MB.

Built from the database at start-up (the publisher's bulk read: ``COPY`` on PostgreSQL, one string on SQLite; no
ORM rows) and kept current two ways:

* **In the process that makes a change**, after its transaction commits: session hooks note that a commit
  touched listings (ORM rows of ``dnc_listings``, a bulk statement on it, or an audit event about a number or a
  weather warning) and, once the commit has succeeded, the index reads the change feed at once. A rolled-back
  change is never seen: nothing is applied before the commit, and the index only ever reads committed rows.
* **In every other process** (uvicorn workers, the job worker), from the change feed (dnc/listing_feed.py): a
  background thread reads it every ``refresh_seconds`` (0.5 s), or, where no thread was started (the CLI, a
  test's runtime), the first look-up after that interval reads it. Every ``RECONCILE_SECONDS`` the thread
  rebuilds the arrays from the registers whole, a safety net for anything the feed cannot show.

The working-day calendar that gives ``protected_from`` is held here too and reloaded when the feed shows a
weather-warning change, so the public status look-up needs no SQL at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from telreg.config import Settings
from telreg.core.calendar import WorkingCalendar
from telreg.core.models import AuditEvent
from telreg.core.weather import load_calendar
from telreg.dnc import listing_feed as feed
from telreg.dnc.models import Listing
from telreg.dnc.vocabulary import Register

if TYPE_CHECKING:
    from fastapi import FastAPI

    from telreg.runtime import Runtime

__all__ = ["COMPACT_AT", "RECONCILE_SECONDS", "ListingIndex", "install", "listing_index"]

log = logging.getLogger("telreg.dnc.listing_index")

REMOVED = 0  # an overlay value: the number is not listed (any other value is a YYYYMMDD date)
COMPACT_AT = 20_000  # overlay entries before they are merged into the arrays (~10 ms per million listings)
RECONCILE_SECONDS = 900.0
OVERLAP = dt.timedelta(seconds=60)  # see listing_feed: events re-read to catch late commits
_EXTRAS_KEY = "dnc.listing_index"
_BUILD_LOCK = threading.Lock()


@functools.lru_cache(maxsize=65_536)
def _day(code: int) -> dt.date:
    return dt.date(code // 10_000, code // 100 % 100, code % 100)


def _code(day: dt.date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


class _Register:
    """One register: immutable sorted arrays and the overlay of changes made since they were built."""

    __slots__ = ("dates", "numbers", "overlay")

    def __init__(self, numbers: feed.U32, dates: feed.U32) -> None:
        self.numbers, self.dates = numbers, dates
        self.overlay: dict[int, int] = {}

    def code_of(self, number: int) -> int:
        found = self.overlay.get(number)
        if found is not None:
            return found
        # The key as a uint32, never a Python int: NumPy then searches a copy of the whole array cast to int64
        # (~0.6 ms at a million listings, three per status look-up: the look-up's main cost until found).
        at = int(self.numbers.searchsorted(np.uint32(number)))
        if at < len(self.numbers) and self.numbers[at] == number:
            return int(self.dates[at])
        return REMOVED

    def codes_of(self, numbers: Sequence[int] | np.ndarray) -> np.ndarray:
        """Each number's code (YYYYMMDD, or REMOVED) as a uint32 array."""
        from telreg.senders.scrub import _kernels  # the compiled part (a binary search holding the GIL)

        keys = np.ascontiguousarray(numbers, dtype=np.int64)
        codes = np.empty(len(keys), dtype=np.uint32)  # REMOVED (0) where not found
        _kernels.lookup_codes(self.numbers, self.dates, keys, codes)
        if self.overlay:
            overlay = self.overlay
            for i, number in enumerate(keys.tolist()):
                found = overlay.get(number)
                if found is not None:
                    codes[i] = found
        return codes

    def compacted(self) -> _Register:
        """The arrays with the overlay merged in."""
        keys = np.fromiter(self.overlay.keys(), dtype=np.uint32, count=len(self.overlay))
        codes = np.fromiter(self.overlay.values(), dtype=np.uint32, count=len(self.overlay))
        keep = ~np.isin(self.numbers, keys)
        listed = codes != REMOVED
        numbers = np.concatenate([self.numbers[keep], keys[listed]])
        dates = np.concatenate([self.dates[keep], codes[listed]])
        order = np.argsort(numbers, kind="stable")
        return _Register(numbers[order], dates[order])


class ListingIndex:
    """This process's view of the current listings; see the module docstring for how it stays current."""

    def __init__(self, session_factory: sessionmaker[Session], settings: Settings, *,
                 refresh_seconds: float = 0.5, overlap: dt.timedelta = OVERLAP) -> None:
        self._sessions = session_factory  # read-only sessions (SQLite: no writer lock taken)
        self._settings = settings
        self.refresh_seconds = refresh_seconds
        self._overlap = overlap
        self._lock = threading.RLock()  # writers only: feed reads, hooks, compaction, rebuilds
        self._registers: dict[str, _Register] = {}
        self._calendar = WorkingCalendar()
        self._protected: dict[dt.date, dt.date] = {}
        self._mark = feed.FeedMark(0, None)
        self._seen: dict[int, dt.datetime] = {}  # feed events handled, within the overlap
        self._last_poll = 0.0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._users = 0
        self.build_seconds = 0.0

    # ---- look-ups (any thread, no lock) ---------------------------------------------------------------------

    def registration_dates(self, register: str, numbers: Sequence[str]) -> dict[str, dt.date]:
        """National 8-digit numbers -> registration date, for the listed ones only."""
        self._refresh_if_due()
        codes = self._registers[register].codes_of([int(n) for n in numbers]).tolist()
        return {n: _day(c) for n, c in zip(numbers, codes, strict=True) if c != REMOVED}

    def codes(self, register: str, numbers: np.ndarray) -> np.ndarray:
        """Each of NUMBERS' (ints) registration date on REGISTER as a uint32 YYYYMMDD, REMOVED when not listed."""
        self._refresh_if_due()
        return self._registers[register].codes_of(numbers)

    def registration_date(self, register: str, number: str) -> dt.date | None:
        """The date NUMBER was listed on REGISTER, or None when it is not listed."""
        self._refresh_if_due()
        code = self._registers[register].code_of(int(number))
        return None if code == REMOVED else _day(code)

    def protected_from(self, registered_on: dt.date) -> dt.date:
        """The day protection starts for a number listed on REGISTERED_ON (cached per date)."""
        found = self._protected.get(registered_on)
        if found is None:
            found = self._calendar.add_working_days(registered_on, self._settings.protection_working_days)
            self._protected[registered_on] = found
        return found

    def counts(self) -> dict[str, int]:
        """Listings per register (for figures and tests; not on a hot path)."""
        return {name: len(state.compacted().numbers) for name, state in self._registers.items()}

    # ---- building and refreshing ----------------------------------------------------------------------------

    def build(self) -> ListingIndex:
        """Read every register whole (seconds for millions of listings) and replace what is held."""
        started = time.perf_counter()
        with self._sessions() as session:
            mark = feed.feed_mark(session)  # before the registers: later changes are re-read from the feed
            arrays = feed.read_registers(session)
            empty = np.empty(0, dtype=np.uint32)
            registers = {r.value: _Register(*arrays.get(r.value, (empty, empty))) for r in Register}
            calendar = load_calendar(session, self._settings)
        with self._lock:
            self._registers = registers
            self._set_calendar(calendar)
            self._mark, self._seen = mark, {}  # re-read the overlap: idempotent, and nothing slips between
        self.build_seconds = time.perf_counter() - started
        self.poll()
        return self

    def poll(self) -> int:
        """Read the change feed and apply what it shows; return how many numbers were re-read."""
        with self._lock:
            self._last_poll = time.monotonic()
            since = self._mark.newest - self._overlap if self._mark.newest else None
            with self._sessions() as session:
                events = feed.read_feed(session, since=since, after_id=self._mark.last_id)
                fresh = [e for e in events if e.id not in self._seen]
                numbers = {e.subject_key for e in fresh if e.subject_type == feed.NUMBER_SUBJECT}
                if numbers:
                    self._apply(numbers, feed.current_rows(session, numbers))
                if any(e.subject_type == feed.CALENDAR_SUBJECT for e in fresh):
                    self._set_calendar(load_calendar(session, self._settings))
            self._advance(events)
            return len(numbers)

    def refresh_numbers(self, numbers: Iterable[str]) -> None:
        """Re-read these numbers' rows now (a change made in this process, without an audit event)."""
        wanted = {n for n in numbers if len(n) == 8 and n.isdigit()}
        if not wanted:
            return
        with self._lock, self._sessions() as session:
            self._apply(wanted, feed.current_rows(session, wanted))

    def _apply(self, numbers: set[str], rows: list[tuple[str, str, dt.date]]) -> None:
        listed = {(number, register): day for number, register, day in rows}
        for name, state in self._registers.items():
            overlay = state.overlay
            for number in numbers:
                if not (len(number) == 8 and number.isdigit()):
                    continue  # an audit subject that is not a national number cannot be listed
                day = listed.get((number, name))
                overlay[int(number)] = REMOVED if day is None else _code(day)
            if len(overlay) >= COMPACT_AT:
                self._registers = {**self._registers, name: state.compacted()}

    def _advance(self, events: list[feed.FeedEvent]) -> None:
        """Remember the events handled and move the mark; forget events older than the overlap."""
        if not events:
            return
        for e in events:
            self._seen[e.id] = e.occurred_at
        newest = max(e.occurred_at for e in events)
        if self._mark.newest is not None:
            newest = max(newest, self._mark.newest)
        self._mark = feed.FeedMark(max(self._mark.last_id, max(e.id for e in events)), newest)
        horizon = newest - self._overlap
        self._seen = {i: at for i, at in self._seen.items() if at >= horizon}

    def _set_calendar(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar
        self._protected = {}

    def _refresh_if_due(self) -> None:
        """Without a background thread, the first look-up after the interval reads the feed."""
        if self._thread is None and time.monotonic() - self._last_poll >= self.refresh_seconds:
            try:
                self.poll()
            except Exception:  # a database hiccup must not fail a look-up: answer from what is held
                log.exception("the listing index could not read the change feed")

    # ---- the background thread ------------------------------------------------------------------------------

    def start(self) -> None:
        """Keep current from a background thread (idempotent; one stop() per start())."""
        with self._lock:
            self._users += 1
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="listing-index", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._users = max(0, self._users - 1)
            thread = self._thread if self._users == 0 else None
            if thread is None:
                return
            self._stop.set()
        thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        reconcile_at = time.monotonic() + RECONCILE_SECONDS
        while not self._stop.wait(self.refresh_seconds):
            try:
                if time.monotonic() >= reconcile_at:
                    reconcile_at = time.monotonic() + RECONCILE_SECONDS
                    self.build()
                else:
                    self.poll()
            except Exception:  # keep serving what is held; the next round tries again
                log.exception("the listing index could not refresh")


# ---- this process's index, per runtime ------------------------------------------------------------------------

_BY_POOL: weakref.WeakKeyDictionary[Any, ListingIndex] = weakref.WeakKeyDictionary()


def listing_index(runtime: Runtime) -> ListingIndex:
    """This process's index for RUNTIME's database: built on first use, kept current afterwards."""
    index = runtime.extras.get(_EXTRAS_KEY)
    if index is None:
        with _BUILD_LOCK:
            index = runtime.extras.get(_EXTRAS_KEY)
            if index is None:
                index = ListingIndex(runtime.read_session_factory, runtime.settings).build()
                _BY_POOL[runtime.engine.pool] = index
                runtime.extras[_EXTRAS_KEY] = index
    assert isinstance(index, ListingIndex)
    return index


def install(app: FastAPI) -> None:
    """Build the index when APP starts (before it answers) and keep it current from a thread until it stops."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Any) -> AsyncIterator[Any]:
        index = listing_index(app.state.runtime)
        index.start()
        try:
            async with inner(started) as state:
                yield state
        finally:
            index.stop()

    app.router.lifespan_context = lifespan


# ---- after-commit hooks: the process that makes a change applies it ----------------------------------------------

_TOUCHED = "telreg.listing_index.touched"  # session.info: numbers of listing rows written through the ORM
_FEED = "telreg.listing_index.feed"  # session.info: something the feed shows was written


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    for obj in chain(session.new, session.deleted, session.dirty):
        if isinstance(obj, Listing):
            session.info.setdefault(_TOUCHED, set()).add(obj.number)
        elif isinstance(obj, AuditEvent) and obj.subject_type in _FEED_SUBJECTS:
            session.info[_FEED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: Any) -> None:
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == Listing.__tablename__ or (name == AuditEvent.__tablename__ and _about_listings(state.parameters)):
        state.session.info[_FEED] = True


def _about_listings(parameters: Any) -> bool:
    """Whether bulk-inserted audit events include one the feed shows (others, e.g. check records, do not count)."""
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    return any(row.get("subject_type") in _FEED_SUBJECTS for row in rows if isinstance(row, dict))


_FEED_SUBJECTS = (feed.NUMBER_SUBJECT, feed.CALENDAR_SUBJECT)


@event.listens_for(Session, "after_commit")
def _apply_committed(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    changed = session.info.pop(_FEED, False)
    if not (touched or changed):
        return
    bind = session.bind
    index = _BY_POOL.get(getattr(bind, "pool", None)) if bind is not None else None
    if index is None:
        return
    try:
        if touched:
            index.refresh_numbers(touched)
        if changed:
            index.poll()
    except Exception:  # the commit stands; the background refresh catches up
        log.exception("the listing index could not apply a committed change")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
    session.info.pop(_FEED, None)
