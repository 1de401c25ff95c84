"""Weather warnings recorded by officers, and the working-day calendar they produce.

Officers record the periods during which a black rainstorm or gale warning was in force, one at a time
or from a CSV file of historical warnings (header ``kind,start,end[,note]``). Every change is audited
(subject_type ``weather-warning``). Rules, for single records and files alike:

- the kind is ``black-rainstorm`` or ``gale``; times without an offset are Hong Kong time;
- a period ends after it starts, has begun already (warnings are recorded once issued), and lasts at most
  seven days: no real warning lasts longer, so a longer one is a typing slip that would wipe out a week of
  working days;
- two periods of the same kind may touch but not overlap.

A file is validated whole before anything is written, and refused whole, with line numbers, on any
problem. A line repeating a period already recorded (same kind, start and end) is reported and skipped, so
re-importing a file is harmless.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.calendar import WorkingCalendar, warning_days
from telreg.core.clock import HK, Clock, to_hk
from telreg.core.errors import Conflict, InvalidInput, NotFound
from telreg.core.files import decode_text_upload
from telreg.core.i18n import N_, Message
from telreg.core.models import WeatherWarning

__all__ = [
    "KINDS",
    "ImportOutcome",
    "add_warning",
    "import_warnings_csv",
    "list_warnings",
    "load_calendar",
    "remove_warning",
    "warning_as_dict",
]

KINDS = ("black-rainstorm", "gale")
MAX_PERIOD = dt.timedelta(days=7)
MAX_NOTE = 500
SUBJECT = "weather-warning"
_HEADER = ["kind", "start", "end"]
_MAX_LISTED_PROBLEMS = 20


@dataclass(frozen=True)
class _Period:
    line: int
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str | None


@dataclass
class ImportOutcome:
    """What an import did: the warnings added and the lines skipped as already recorded."""

    added: list[WeatherWarning] = field(default_factory=list)
    skipped: list[tuple[int, int]] = field(default_factory=list)  # (line, id of the recorded warning)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "skipped": len(self.skipped),
            "added_ids": [w.id for w in self.added],
            "skipped_lines": [{"line": line, "recorded_id": wid} for line, wid in self.skipped],
        }


def load_calendar(session: Session, settings: Settings) -> WorkingCalendar:
    """Build the working-day calendar from every recorded warning period (core/calendar_db.py reads them; a
    session's pending warnings are flushed first, as an ORM query would)."""
    from telreg.core.calendar_db import read_calendar

    if session.autoflush:
        session.flush()
    return read_calendar(session, settings)


def add_warning(
    session: Session,
    *,
    clock: Clock,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    note: str | None = None,
    actor: str,
) -> WeatherWarning:
    """Record one warning period; refuse a malformed one or one overlapping a recorded one of its kind."""
    starts_at, ends_at, note = to_hk(starts_at), to_hk(ends_at), _clean_note(note)
    problems = _period_problems(kind, starts_at, ends_at, note, now=clock.now())
    if problems:
        raise InvalidInput(Message.join(problems), kind=kind)
    for existing in _overlapping(session, kind=kind, starts_at=starts_at, ends_at=ends_at):
        same = _same_period(existing, starts_at, ends_at)
        raise Conflict(
            N_("This %(kind)s warning is already recorded as #%(warning_id)s (%(span)s).") if same else
            N_("This %(kind)s warning overlaps the one recorded as #%(warning_id)s (%(span)s)."),
            warning_id=existing.id, kind=_kind(kind), span=_span(existing.starts_at, existing.ends_at),
        )
    warning = WeatherWarning(kind=kind, starts_at=starts_at, ends_at=ends_at, note=note, created_by=actor,
                             created_at=clock.now())
    _insert(session, [warning])
    audit.record(session, clock=clock, actor=actor, action="weather-warning-added", subject_type=SUBJECT,
                 subject_key=str(warning.id), details=_details(warning))
    return warning


def list_warnings(session: Session, *, year: int | None = None) -> list[WeatherWarning]:
    """Return the recorded warnings, oldest first; with a year, those in force at some time that (HK) year."""
    stmt = select(WeatherWarning).order_by(WeatherWarning.starts_at, WeatherWarning.id)
    if year is not None:
        if not 1900 <= year <= 9998:
            raise InvalidInput(N_("%(year)s is not a plausible year."), year=year)
        first = dt.datetime(year, 1, 1, tzinfo=HK)
        after = dt.datetime(year + 1, 1, 1, tzinfo=HK)
        stmt = stmt.where(WeatherWarning.starts_at < after, WeatherWarning.ends_at > first)
    return list(session.scalars(stmt))


def remove_warning(session: Session, *, clock: Clock, warning_id: int, actor: str) -> WeatherWarning:
    """Delete a recorded warning (a mistake); the audit event keeps what it said."""
    warning = session.get(WeatherWarning, warning_id)
    if warning is None:
        raise NotFound(N_("There is no weather warning #%(warning_id)s."), warning_id=warning_id)
    details = _details(warning)
    session.delete(warning)
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="weather-warning-removed", subject_type=SUBJECT,
                 subject_key=str(warning_id), details=details)
    return warning


def import_warnings_csv(
    session: Session, *, clock: Clock, content: bytes, actor: str, max_bytes: int, source: str = "upload"
) -> ImportOutcome:
    """Validate a CSV file of warning periods whole; record the new ones, skip those already recorded."""
    text = decode_text_upload(content, source=source, max_bytes=max_bytes, verb=N_("imported"))
    periods, problems = _read_rows(text, now=clock.now())
    problems += _overlaps_within(periods)
    outcome = ImportOutcome()
    fresh: list[_Period] = []
    if not problems:
        recorded = _recorded_near(session, periods)
        for period in periods:
            clash = [w for w in recorded if w.kind == period.kind and w.starts_at < period.ends_at
                     and w.ends_at > period.starts_at]
            if len(clash) == 1 and _same_period(clash[0], period.starts_at, period.ends_at):
                outcome.skipped.append((period.line, clash[0].id))
            elif clash:
                problems.append(Message(
                    N_("line %(line)s: overlaps the %(kind)s warning recorded as #%(warning_id)s "
                       "(%(span)s)."),
                    line=period.line, kind=_kind(period.kind), warning_id=clash[0].id,
                    span=_span(clash[0].starts_at, clash[0].ends_at)))
            else:
                fresh.append(period)
    if problems:
        raise InvalidInput(_refusal(source, problems), problems=problems)
    now = clock.now()
    outcome.added = [WeatherWarning(kind=p.kind, starts_at=p.starts_at, ends_at=p.ends_at, note=p.note,
                                    created_by=actor, created_at=now) for p in fresh]
    _insert(session, outcome.added)
    audit.record_many(session, clock=clock, events=[
        {"actor": actor, "action": "weather-warning-imported", "subject_type": SUBJECT,
         "subject_key": str(w.id), "details": {**_details(w), "source": source, "line": p.line}}
        for w, p in zip(outcome.added, fresh, strict=True)
    ])
    return outcome


def warning_as_dict(warning: WeatherWarning, *, settings: Settings | None = None) -> dict[str, Any]:
    """Describe a warning for JSON output; with settings, also the warning days it makes."""
    data: dict[str, Any] = {
        "id": warning.id,
        "kind": warning.kind,
        "starts_at": to_hk(warning.starts_at).isoformat(),
        "ends_at": to_hk(warning.ends_at).isoformat(),
        "note": warning.note,
        "created_by": warning.created_by,
        "created_at": to_hk(warning.created_at).isoformat(),
    }
    if settings is not None:
        window = {"window_start": settings.warning_window_start, "window_end": settings.warning_window_end}
        days = warning_days([(warning.starts_at, warning.ends_at)], **window)
        data["warning_days"] = [day.isoformat() for day in sorted(days)]
    return data


# --- validation ---------------------------------------------------------------------------------------------

def _period_problems(
    kind: str, starts_at: dt.datetime, ends_at: dt.datetime, note: str | None, *, now: dt.datetime
) -> list[str]:
    problems = []
    if kind not in KINDS:
        problems.append(_unknown_kind(kind))
    if ends_at <= starts_at:
        problems.append(Message(N_("The end (%(end)s) must be after the start (%(start)s)."),
                                end=_hk(ends_at), start=_hk(starts_at)))
    elif ends_at - starts_at > MAX_PERIOD:
        problems.append(Message(N_("%(span)s lasts over %(days)s days; check the dates."),
                                span=_span(starts_at, ends_at), days=MAX_PERIOD.days))
    if starts_at > now:
        problems.append(Message(N_("The start (%(start)s) is in the future; record a warning once it is "
                                   "issued."), start=_hk(starts_at)))
    if note is not None and len(note) > MAX_NOTE:
        problems.append(Message(N_("The note has %(length)s characters; at most %(most)s are kept."),
                                length=len(note), most=MAX_NOTE))
    return problems


def _unknown_kind(kind: str) -> Message:
    return Message(N_("The kind '%(kind)s' is not one of %(kinds)s."), kind=kind, kinds=", ".join(KINDS))


def _read_rows(text: str, *, now: dt.datetime) -> tuple[list[_Period], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    periods: list[_Period] = []
    problems: list[str] = []
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        if header not in (_HEADER, [*_HEADER, "note"]):
            refusal = Message(N_("line 1: the header must be 'kind,start,end' or 'kind,start,end,note', not "
                                 "'%(found)s'."), found=",".join(header))
            return [], [refusal]
        line_end = reader.line_num
        for row in reader:
            # A quoted note may span lines: report the line where the record starts.
            line, line_end = line_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines (a trailing newline, spacing) carry nothing
            if len(row) not in (3, len(header)):
                problems.append(Message(N_("line %(line)s: expected %(expected)s fields (%(header)s), found "
                                           "%(found)s."), line=line, expected=len(header),
                                        header=",".join(header), found=len(row)))
                continue
            period, problem = _read_row(line, row, now=now)
            if problem:
                problems.append(problem)
            elif period is not None:
                periods.append(period)
    except csv.Error as exc:
        # The csv module's own (English) words say what is wrong.
        problems.append(Message(N_("line %(line)s: %(problem)s."), line=reader.line_num, problem=str(exc)))
    if not periods and not problems:
        problems.append(Message(N_("the file holds no warnings.")))
    return periods, problems


def _read_row(line: int, row: Sequence[str], *, now: dt.datetime) -> tuple[_Period | None, str | None]:
    kind = row[0].strip()
    note = _clean_note(row[3] if len(row) > 3 else None)
    starts_at, start_problem = _read_instant(row[1], "start")
    ends_at, end_problem = _read_instant(row[2], "end")
    problems = [p for p in (start_problem, end_problem) if p]
    if starts_at is not None and ends_at is not None:
        problems += _period_problems(kind, starts_at, ends_at, note, now=now)
    elif kind not in KINDS:
        problems.insert(0, _unknown_kind(kind))
    if problems or starts_at is None or ends_at is None:
        return None, Message(N_("line %(line)s: %(problems)s"), line=line, problems=Message.join(problems))
    return _Period(line, kind, starts_at, ends_at, note), None


_NOT_AN_INSTANT = {
    "start": N_("The start '%(entered)s' is not an ISO date-time such as 2026-07-17T08:40."),
    "end": N_("The end '%(entered)s' is not an ISO date-time such as 2026-07-17T08:40."),
}
_NO_TIME_OF_DAY = {
    "start": N_("The start '%(entered)s' has no time of day; give one, e.g. %(entered)sT08:40."),
    "end": N_("The end '%(entered)s' has no time of day; give one, e.g. %(entered)sT08:40."),
}


def _read_instant(cell: str, what: str) -> tuple[dt.datetime | None, str | None]:
    text = cell.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None, Message(_NOT_AN_INSTANT[what], entered=text)
    if len(text) <= len("2026-07-17"):
        return None, Message(_NO_TIME_OF_DAY[what], entered=text)
    return to_hk(value), None


def _overlaps_within(periods: list[_Period]) -> list[str]:
    problems = []
    for kind in KINDS:
        ordered = sorted((p for p in periods if p.kind == kind), key=lambda p: (p.starts_at, p.line))
        latest: _Period | None = None  # the period reaching furthest so far
        for period in ordered:
            if latest is not None and period.starts_at < latest.ends_at:
                template = N_("line %(line)s: repeats line %(other)s (the same %(kind)s period).") \
                    if _same_span(period, latest) else \
                    N_("line %(line)s: overlaps line %(other)s (the same %(kind)s period).")
                problems.append(Message(template, line=period.line, other=latest.line, kind=_kind(kind)))
            if latest is None or period.ends_at > latest.ends_at:
                latest = period
    return sorted(problems, key=_line_of)


def _refusal(source: str, problems: list[str]) -> Message:
    problems = sorted(problems, key=_line_of)
    shown = problems[:_MAX_LISTED_PROBLEMS]
    more = len(problems) - len(shown)
    head = Message(N_("%(source)s was not imported (%(count)s problem(s)); nothing was recorded:"),
                   source=source, count=len(problems))
    tail = [Message(N_("… and %(more)s more."), more=more)] if more else []
    return Message.join([head, *shown, *tail], "\n")


def _line_of(problem: str) -> int:
    head = problem.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0


# --- storage ------------------------------------------------------------------------------------------------

def _overlapping(
    session: Session, *, kind: str, starts_at: dt.datetime, ends_at: dt.datetime
) -> list[WeatherWarning]:
    stmt = select(WeatherWarning).where(
        WeatherWarning.kind == kind, WeatherWarning.starts_at < ends_at, WeatherWarning.ends_at > starts_at
    ).order_by(WeatherWarning.starts_at)
    return list(session.scalars(stmt))


def _recorded_near(session: Session, periods: list[_Period]) -> list[WeatherWarning]:
    """Load, in one query, every recorded warning that could overlap one of the periods."""
    if not periods:
        return []
    first = min(p.starts_at for p in periods)
    last = max(p.ends_at for p in periods)
    stmt = select(WeatherWarning).where(WeatherWarning.starts_at < last, WeatherWarning.ends_at > first)
    return list(session.scalars(stmt.order_by(WeatherWarning.starts_at)))


def _insert(session: Session, warnings: list[WeatherWarning]) -> None:
    try:
        with session.begin_nested():
            session.add_all(warnings)
    except IntegrityError:
        # Another officer recorded the same warning between our check and our insert.
        raise Conflict(
            N_("A warning with the same kind and start was recorded meanwhile; list the warnings and try "
               "again.")
        ) from None


# --- small helpers ------------------------------------------------------------------------------------------

def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    return note or None


def _same_period(warning: WeatherWarning, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    return warning.starts_at == starts_at and warning.ends_at == ends_at


def _same_span(a: _Period, b: _Period) -> bool:
    return a.starts_at == b.starts_at and a.ends_at == b.ends_at


def _hk(at: dt.datetime) -> str:
    return to_hk(at).strftime("%Y-%m-%d %H:%M")


def _span(starts_at: dt.datetime, ends_at: dt.datetime) -> Message:
    return Message(N_("%(start)s – %(end)s HK time"), start=_hk(starts_at), end=_hk(ends_at))


# A warning's kind is its code in English sentences ("gale") and its name in the other languages.
_KIND_NAMES = {"black-rainstorm": N_("black rainstorm"), "gale": N_("gale")}


def _kind(kind: str) -> str:
    return Message.term(kind, _KIND_NAMES[kind]) if kind in _KIND_NAMES else kind


def _details(warning: WeatherWarning) -> dict[str, Any]:
    return {"kind": warning.kind, "starts_at": to_hk(warning.starts_at).isoformat(),
            "ends_at": to_hk(warning.ends_at).isoformat(), "note": warning.note}
