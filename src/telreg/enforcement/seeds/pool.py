"""The pool of seed numbers: numbers the regulator controls, imported with their operator, listed in accounts' copies.

An import is a CSV ``number,operator`` (a header line ``number,operator`` is allowed). Every line is checked and the
file is refused whole, with the line numbers, when any line is: not a Hong Kong number, not registrable, a duplicate
in the file, already in the pool, or **currently listed on any register** (a seed must never be a real listing: a
message at it would be a real contravention, not a trace). The number's kind (mobile, fixed, ...) is core/phone's
classification; it decides which registers a seed can serve (assign.py).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.errors import InvalidNumber
from telreg.core.files import decode_text_upload
from telreg.core.i18n import N_, Message
from telreg.core.phone import parse_registrable
from telreg.dnc import repository as dnc_repository
from telreg.enforcement.errors import SeedRefused
from telreg.enforcement.models import SeedNumber
from telreg.enforcement.vocabulary import SEED_STATES

__all__ = ["MAX_IMPORT_BYTES", "import_seeds", "pool_counts"]

MAX_IMPORT_BYTES = 4 * 1024 * 1024
_MAX_LISTED = 50
SUBJECT = "enforcement-seed"


def _rows(text: str) -> list[tuple[int, list[str]]]:
    rows = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if line == 1 and [c.strip().lower() for c in row[:2]] == ["number", "operator"]:
            continue
        rows.append((line, row))
    return rows


def import_seeds(session: Session, *, clock: Clock, content: bytes, actor: str,
                 source: str = "upload") -> list[SeedNumber]:
    """Add the file's numbers to the pool (state ``free``), all or nothing; refuse with every problem's line."""
    text = decode_text_upload(content, source=source, max_bytes=MAX_IMPORT_BYTES, verb=N_("imported"))
    problems: list[tuple[int, Message]] = []
    wanted: dict[str, tuple[int, str, str]] = {}  # number -> (line, operator, kind)
    for line, row in _rows(text):
        if len(row) != 2 or not row[1].strip():
            problems.append((line, Message(N_("line %(line)s: give two columns, the number and its operator."),
                                           line=line)))
            continue
        raw, operator = row[0].strip(), row[1].strip()
        if len(operator) > 64:
            problems.append((line, Message(N_("line %(line)s: the operator's name is longer than 64 "
                                              "characters."), line=line)))
            continue
        try:
            number = parse_registrable(raw)
        except InvalidNumber as problem:
            told = (Message(problem.template, **problem.extra) if problem.template is not None
                    else problem.message)
            problems.append((line, Message.join([Message(N_("line %(line)s:"), line=line), told])))
            continue
        if number.national in wanted:
            problems.append((line, Message(N_("line %(line)s: %(number)s is already on line %(first)s."),
                                           line=line, number=number.national, first=wanted[number.national][0])))
            continue
        wanted[number.national] = (line, operator, number.kind.value)
    if not wanted and not problems:
        problems.append((1, Message(N_("line %(line)s: the file holds no numbers."), line=1)))
    numbers = sorted(wanted)
    if numbers:
        in_pool = set(session.scalars(select(SeedNumber.number).where(SeedNumber.number.in_(numbers))))
        listed: dict[str, list[str]] = {}
        for row in dnc_repository.listings_among(session, numbers):
            listed.setdefault(row.number, []).append(row.register)
        for number in numbers:
            line = wanted[number][0]
            if number in in_pool:
                problems.append((line, Message(N_("line %(line)s: %(number)s is already in the pool."),
                                               line=line, number=number)))
            elif number in listed:
                problems.append((line, Message(
                    N_("line %(line)s: %(number)s is listed on a register (%(registers)s); a seed number must "
                       "not be a real listing."),
                    line=line, number=number, registers=", ".join(sorted(listed[number])))))
    if problems:
        problems.sort(key=lambda item: item[0])
        shown = [message for _, message in problems[:_MAX_LISTED]]
        head = Message(N_("%(source)s was not imported (%(count)s problem(s)); nothing was recorded:"),
                       source=source, count=len(problems))
        more = len(problems) - len(shown)
        tail = [Message(N_("… and %(more)s more."), more=more)] if more else []
        raise SeedRefused(Message.join([head, *shown, *tail], "\n"), problems=[str(m) for _, m in problems],
                          lines=sorted({line for line, _ in problems}))
    now = clock.now()
    added = [SeedNumber(number=n, operator=wanted[n][1], kind=wanted[n][2], state="free", imported_by=actor,
                        imported_at=now) for n in numbers]
    session.add_all(added)
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="enforcement-seeds-imported", subject_type=SUBJECT,
                 subject_key="pool", details={"source": source, "count": len(added),
                                              "kinds": _count_by(a.kind for a in added)})
    return added


def _count_by(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def pool_counts(session: Session) -> dict[str, Any]:
    """The pool's size by state, by kind and state, and by operator and state (no number is named)."""
    rows = session.execute(select(SeedNumber.state, SeedNumber.kind, SeedNumber.operator, func.count())
                           .group_by(SeedNumber.state, SeedNumber.kind, SeedNumber.operator)).all()
    by_state = dict.fromkeys(SEED_STATES, 0)
    by_kind: dict[str, dict[str, int]] = {}
    by_operator: dict[str, dict[str, int]] = {}
    for state, kind, operator, count in rows:
        by_state[state] = by_state.get(state, 0) + count
        by_kind.setdefault(kind, dict.fromkeys(SEED_STATES, 0))[state] += count
        by_operator.setdefault(operator, dict.fromkeys(SEED_STATES, 0))[state] += count
    return {"total": sum(by_state.values()), "by_state": by_state,
            "by_kind": dict(sorted(by_kind.items())), "by_operator": dict(sorted(by_operator.items()))}
