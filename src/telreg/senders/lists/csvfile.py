"""The instructions CSV as the database imports it: the file the offline `telreg scrub --instructions` reads.

The file is read by senders.scrub.instruction_rows, the one reader of the format (header
``number,instruction,at``; the numbers, kinds and times are checked there, vectorised); any bad line refuses
the whole file. This module adds the columns the database keeps besides: ``how`` (default given by the
caller), ``reference``, and ``channel`` — when present and not blank it must name the register being imported,
so a fax list is never filed as an SMS one by mistake. A single instruction (the API's, a page's search) is
read with :func:`parse_list_number`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from telreg.core.errors import InvalidNumber
from telreg.core.phone import parse_number
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.scrub.instruction_rows import (KIND_NAMES, LineCheck, UnreadableInstructions, parse_at,
                                                   read_instruction_rows)

__all__ = ["INSTRUCTIONS", "ParsedInstruction", "check_how", "check_reference", "parse_at", "parse_instructions",
           "parse_list_number"]

INSTRUCTIONS = ("consent", "unsubscribe")
_MAX_ERRORS_IN_BODY = 100
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


def _database_columns(register: str, default_how: str) -> LineCheck:
    """The problems of a line's how, reference and channel (the format's own are checked by the reader)."""
    def check(values: Mapping[str, str]) -> list[str]:
        problems = []
        channel = values.get("channel", "").strip().lower()
        if channel and channel != register:
            problems.append(f"channel {channel!r} is not the register being imported ({register})")
        how = values.get("how", "").strip().lower() or default_how
        reference = values.get("reference", "").strip() or None
        return problems + [p for p in (check_how(how), check_reference(reference)) if p]
    return check


def parse_instructions(data: bytes, *, source: str, register: str, default_how: str) -> list[ParsedInstruction]:
    """Read a whole file; refuse it (InstructionsFileRefused, every bad line numbered) if any line is bad."""
    try:
        rows = read_instruction_rows(data, check=_database_columns(register, default_how))
    except UnreadableInstructions as exc:
        raise InstructionsFileRefused(f"{source}: {exc.problem}; nothing was recorded.",
                                      **exc.extra) from None
    if rows.errors:
        raise InstructionsFileRefused(
            f"{source}: {len(rows.errors)} bad line(s); nothing was recorded.\n  {rows.describe_errors()}",
            bad_lines=len(rows.errors),
            errors=[{"line": line, "problem": problem}
                    for line, problem in rows.errors[:_MAX_ERRORS_IN_BODY]])
    if len(rows) == 0:
        raise InstructionsFileRefused(f"{source}: has no instructions under its header; nothing was recorded.")
    return [ParsedInstruction(line, f"{number:08d}", KIND_NAMES[kind], at, how.lower() or default_how,
                              reference or None)
            for line, number, kind, at, how, reference in zip(
                rows.lines.tolist(), rows.numbers.tolist(), rows.kinds.tolist(), rows.given_at,
                rows.column("how"), rows.column("reference"), strict=True)]
