"""The instructions CSV, read and written: the same file the offline `telreg scrub --instructions` accepts.

Header ``number,instruction,at`` (any order, any case), extra columns allowed. Rules shared with
senders.scrub.instructions: ``instruction`` is ``consent`` or ``unsubscribe``; ``at`` is an ISO date-time (Hong Kong
time when it has no offset) or an ISO date (its first instant); blank lines are skipped; a line with fewer columns
than the header is bad; any bad line refuses the whole file. Numbers are read with core.phone.parse_number and must
have 8 digits. Columns the database keeps besides: ``how`` (default given by the caller), ``reference``, and
``channel`` — when present and not blank it must name the register being imported, so a fax list is never filed
as an SMS one by mistake.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from telreg.core.errors import InvalidNumber
from telreg.core.phone import parse_number
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.scrub.instructions import parse_at

__all__ = ["INSTRUCTIONS", "ParsedInstruction", "check_how", "check_reference", "parse_at", "parse_instructions",
           "parse_list_number"]

INSTRUCTIONS = ("consent", "unsubscribe")
_REQUIRED = ("number", "instruction", "at")
_MAX_LISTED_ERRORS = 20
MAX_HOW, MAX_REFERENCE = 40, 200


@dataclass(frozen=True)
class ParsedInstruction:
    line: int
    number: str
    instruction: str
    given_at: dt.datetime
    how: str
    reference: str | None


def parse_list_number(raw: str) -> str:
    """The 8 national digits of a number in any form parse_number accepts; InvalidNumber says what is wrong."""
    number = parse_number(raw)
    if len(number.national) != 8:
        raise InvalidNumber(f"{raw.strip()!r} is a {len(number.national)}-digit number; the registers hold "
                            "8-digit numbers only.", number=raw)
    return number.national


def check_how(value: str) -> str | None:
    """The problem with a ``how`` value, or None."""
    if not value:
        return "how is empty (say how it was given, e.g. web-form, reply-stop, call, written)"
    if len(value) > MAX_HOW:
        return f"how {value[:20]!r}… is longer than {MAX_HOW} characters"
    return None


def check_reference(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_REFERENCE:
        return f"reference is longer than {MAX_REFERENCE} characters"
    return None


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data:
        raise InstructionsFileRefused(f"{source}: is a binary file, not CSV text; nothing was recorded.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InstructionsFileRefused(f"{source}: is not UTF-8 text; nothing was recorded.") from None


def _line_problems(fields: list[str], col: dict[str, int], register: str,
                   default_how: str) -> tuple[list[str], ParsedInstruction | None]:
    def get(name: str) -> str:
        return fields[col[name]].strip() if name in col else ""

    problems: list[str] = []
    number = instruction = None
    at: dt.datetime | None = None
    try:
        number = parse_list_number(fields[col["number"]])
    except InvalidNumber as exc:
        problems.append(exc.message)
    instruction = get("instruction").lower()
    if instruction not in INSTRUCTIONS:
        problems.append(f"instruction {fields[col['instruction']]!r} is neither 'consent' nor 'unsubscribe'")
    try:
        at = parse_at(fields[col["at"]])
    except ValueError:
        problems.append(f"at {fields[col['at']]!r} is not an ISO date-time such as 2026-03-02T10:00")
    channel = get("channel").lower()
    if channel and channel != register:
        problems.append(f"channel {channel!r} is not the register being imported ({register})")
    how = get("how").lower() or default_how
    reference = get("reference") or None
    problems += [p for p in (check_how(how), check_reference(reference)) if p]
    if problems or number is None or at is None:
        return problems, None
    return [], ParsedInstruction(0, number, instruction, at, how, reference)


def parse_instructions(data: bytes, *, source: str, register: str, default_how: str) -> list[ParsedInstruction]:
    """Read a whole file; refuse it (InstructionsFileRefused, every bad line numbered) if any line is bad."""
    text = _decode(data, source)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        raise InstructionsFileRefused(
            f"{source}: the header must name the columns number,instruction,at (missing: {', '.join(missing)}; "
            f"found: {', '.join(header) or 'nothing'}); nothing was recorded.", missing=missing)
    col = {name: header.index(name) for name in header}
    errors: list[tuple[int, str]] = []
    rows: list[ParsedInstruction] = []
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < len(header):
            errors.append((line, f"has {len(fields)} columns, the header has {len(header)}"))
            continue
        problems, row = _line_problems(fields, col, register, default_how)
        if row is None:
            errors.append((line, "; ".join(problems)))
        else:
            rows.append(ParsedInstruction(line, row.number, row.instruction, row.given_at, row.how, row.reference))
    if errors:
        shown = "\n  ".join(f"line {line}: {problem}" for line, problem in errors[:_MAX_LISTED_ERRORS])
        more = f"\n  … and {len(errors) - _MAX_LISTED_ERRORS} more" if len(errors) > _MAX_LISTED_ERRORS else ""
        raise InstructionsFileRefused(
            f"{source}: {len(errors)} bad line(s); nothing was recorded.\n  {shown}{more}", bad_lines=len(errors),
            errors=[{"line": line, "problem": problem} for line, problem in errors[:100]])
    if not rows:
        raise InstructionsFileRefused(f"{source}: has no instructions under its header; nothing was recorded.")
    return rows
