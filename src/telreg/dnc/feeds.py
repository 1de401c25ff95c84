"""Operators' feeds of terminated numbers: validate the whole file, then remove the listings it names.

A terminated number's listing is removed with a ``removed-terminated`` event (seed 004 Q4.4), so when the number is
later reassigned its new user is not protected by the old user's registration. Only listings registered on or
before the termination date are removed: a feed that arrives late must not remove a *new* holder's registration.
A ported number never appears in a termination feed, so it keeps its listing (Q4.3).

File format (UTF-8, LF or CRLF): a header ``number,terminated_on`` then one number and ISO date per line; blank
lines are ignored. Any malformed line rejects the whole file with every problem's line number; each run — applied
or rejected — is recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput, InvalidNumber
from telreg.core.i18n import N_
from telreg.core.phone import parse_registrable
from telreg.dnc import repository, service
from telreg.dnc.models import TerminationImport
from telreg.dnc.vocabulary import Channel, ListingEvent, Verification

__all__ = ["FEED_HEADER", "import_terminated", "parse_feed", "remove_terminated"]

FEED_HEADER = ("number", "terminated_on")
MAX_REPORTED_ERRORS = 200


@dataclass(frozen=True)
class FeedLine:
    line: int
    number: str
    terminated_on: dt.date


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise InvalidInput(N_("line %(line)s: the file is not UTF-8 text (byte %(byte)s)."), line=line,
                           byte=exc.start) from None


def parse_feed(content: bytes, *, today: dt.date) -> tuple[list[FeedLine], list[dict[str, object]]]:
    """Read a feed; return its lines and the problems found (each with its line number)."""
    try:
        text = _decode(content)
    except InvalidInput as exc:
        return [], [{"line": exc.extra["line"], "error": exc.message}]
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None or tuple(h.strip().lower() for h in header) != FEED_HEADER:
        return [], [{"line": 1, "error": f"line 1: the header must be {','.join(FEED_HEADER)}, found {header!r}"}]
    lines: list[FeedLine] = []
    errors: list[dict[str, object]] = []

    def problem(line_no: int, message: str) -> None:
        errors.append({"line": line_no, "error": f"line {line_no}: {message}"})

    for line_no, row in enumerate(rows, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            problem(line_no, f"expected 2 fields (number,terminated_on), found {len(row)}")
            continue
        raw_number, raw_date = row[0].strip(), row[1].strip()
        try:
            number = parse_registrable(raw_number).national
        except InvalidNumber as exc:
            problem(line_no, exc.message)
            continue
        try:
            terminated_on = dt.date.fromisoformat(raw_date)
        except ValueError:
            problem(line_no, f"{raw_date!r} is not an ISO date such as 2026-03-02")
            continue
        if terminated_on > today:
            problem(line_no, f"termination date {terminated_on} is in the future")
            continue
        lines.append(FeedLine(line_no, number, terminated_on))
    return lines, errors


def import_terminated(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    operator: str,
    filename: str,
    content: bytes,
    actor: str,
) -> TerminationImport:
    """Validate and apply a feed; a rejected feed changes no listing but its run is still recorded."""
    service.ensure_changes_open(clock, settings)
    operator = operator.strip()
    if not operator:
        raise InvalidInput(N_("Say which operator sent the feed."))
    started = clock.now()
    if len(content) > settings.feed_max_bytes:
        lines, errors = [], [{"line": 0, "error": f"the file is {len(content):,} bytes; the limit is "
                                                  f"{settings.feed_max_bytes:,} bytes"}]
    else:
        lines, errors = parse_feed(content, today=started.date())
    run = _new_run(operator=operator, source=filename, content=content, started=started, actor=actor,
                   lines=content.count(b"\n") + (0 if content.endswith(b"\n") or not content else 1))
    if errors:
        run.errors = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > MAX_REPORTED_ERRORS:
            run.errors.append({"line": None, "error": f"… and {len(errors) - MAX_REPORTED_ERRORS} more problems"})
        return repository.add_termination_import(session, run)

    latest: dict[str, dt.date] = {}
    for line in lines:  # a number terminated twice in one file: the later termination covers more
        if line.number not in latest or line.terminated_on > latest[line.number]:
            latest[line.number] = line.terminated_on
    return _apply(session, clock=clock, run=run, latest=latest, operator=operator, actor=actor)


def remove_terminated(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    operator: str,
    numbers: dict[str, dt.date],
    actor: str,
    source: str = "realname",
) -> TerminationImport:
    """Apply terminations handed over by another context (number -> the day its service ended), as a feed.

    The same rules as a file: refused during the update window, only listings made on or before the day are
    removed, the run is recorded. The numbers are national digits; one that is not a registrable Hong Kong
    number cannot be listed, so it is simply not found.
    """
    service.ensure_changes_open(clock, settings)
    started = clock.now()
    canonical = "".join(f"{number},{day.isoformat()}\n" for number, day in sorted(numbers.items()))
    run = _new_run(operator=operator.strip()[:64], source=source, content=canonical.encode(), started=started,
                   actor=actor, lines=len(numbers))
    return _apply(session, clock=clock, run=run, latest=dict(numbers), operator=run.operator, actor=actor)


def _new_run(*, operator: str, source: str, content: bytes, started: dt.datetime, actor: str,
             lines: int) -> TerminationImport:
    """A feed run as received: rejected until _apply has applied it."""
    return TerminationImport(operator=operator, filename=source[:255], sha256=hashlib.sha256(content).hexdigest(),
                             lines=lines, numbers=0, removed=0, errors=[], started_at=started, finished_at=started,
                             imported_by=actor, status="rejected")


def _apply(session: Session, *, clock: Clock, run: TerminationImport, latest: dict[str, dt.date],
           operator: str, actor: str) -> TerminationImport:
    run.numbers = len(latest)
    run.status = "applied"
    repository.add_termination_import(session, run)

    doomed = [
        listing
        for listing in repository.listings_among(session, sorted(latest))
        if listing.registration_date <= latest[listing.number]
    ]
    audit.record_many(
        session,
        clock=clock,
        events=(
            {
                "actor": actor,
                "action": ListingEvent.removed_terminated.value,
                "subject_type": "number",
                "subject_key": listing.number,
                "register": listing.register,
                "details": {
                    "channel": Channel.operator_feed.value,
                    "verification": Verification.operator_record.value,
                    "operator": operator,
                    "import": run.id,
                    "terminated_on": latest[listing.number].isoformat(),
                    "registered_on": listing.registration_date.isoformat(),
                },
            }
            for listing in doomed
        ),
    )
    run.removed = repository.delete_listings_by_id(session, [listing.id for listing in doomed])
    run.finished_at = clock.now()
    session.flush()
    return run


def feed_runs(session: Session, *, limit: int = 50) -> list[TerminationImport]:
    return repository.termination_imports(session, limit=limit)
