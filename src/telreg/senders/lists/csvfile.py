"""The instructions CSV as the database imports it: the file the offline `telreg scrub --instructions` reads.

The file is read by senders.scrub.instruction_rows, the one reader of the format (header
``number,instruction,at``; the numbers, kinds and times are checked there, vectorised); any bad line refuses
the whole file. This module adds the columns the database keeps besides: ``how`` (default given by the
caller), ``reference``, and ``channel`` — when present and not blank it must name the register being imported,
so a fax list is never filed as an SMS one by mistake. A single instruction (the API's, a page's search) is
read with :func:`parse_list_number`.

A refused file's bad lines are in the error twice: ``errors`` — what the API answers — lists each line's
problems in English (``{"line": 3, "problem": "…"}``, beside the error's code), so a script can log them as
they are; the error's ``line_problems`` holds each problem as a marked sentence and its parameters, which the
pages show in their language, and its ``message_in(lang)`` lists the lines in that language too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from telreg.core.errors import InvalidNumber
from telreg.core.i18n import N_
from telreg.core.phone import parse_number
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.scrub.instruction_rows import (KIND_NAMES, LineCheck, Problem, UnreadableInstructions,
                                                   parse_at, problem_text, read_instruction_rows)

__all__ = ["INSTRUCTIONS", "ParsedInstruction", "as_sentence", "check_how", "check_reference", "parse_at",
           "parse_instructions", "parse_list_number"]

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
        raise InvalidNumber(N_("%(value)s is a %(digits)s-digit number; the registers hold 8-digit numbers "
                               "only."), number=raw, value=repr(raw.strip()), digits=len(number.national))
    return number.national


_HOW_EMPTY = N_("how is empty (say how it was given, e.g. web-form, reply-stop, call, written)")
_HOW_LONG = N_("how %(value)s… is longer than %(limit)s characters")
_REFERENCE_LONG = N_("reference is longer than %(limit)s characters")
# The same problems said on their own, as a sentence (one instruction refused rather than a line of a file).
_SENTENCES = {
    _HOW_EMPTY: N_("How is empty (say how it was given, e.g. web-form, reply-stop, call, written)."),
    _HOW_LONG: N_("How %(value)s… is longer than %(limit)s characters."),
    _REFERENCE_LONG: N_("Reference is longer than %(limit)s characters."),
}


def check_how(value: str) -> Problem | None:
    """The problem with a ``how`` value, or None."""
    if not value:
        return _HOW_EMPTY, {}
    if len(value) > MAX_HOW:
        return _HOW_LONG, {"value": repr(value[:20]), "limit": MAX_HOW}
    return None


def check_reference(value: str | None) -> Problem | None:
    if value is not None and len(value) > MAX_REFERENCE:
        return _REFERENCE_LONG, {"limit": MAX_REFERENCE}
    return None


def as_sentence(problem: Problem) -> Problem:
    """A line's problem (from check_how or check_reference) as a sentence of its own."""
    template, params = problem
    return _SENTENCES[template], params


def _database_columns(register: str, default_how: str) -> LineCheck:
    """The problems of a line's how, reference and channel (the format's own are checked by the reader)."""
    def check(values: Mapping[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        channel = values.get("channel", "").strip().lower()
        if channel and channel != register:
            problems.append((N_("channel %(channel)s is not the register being imported (%(register)s)"),
                             {"channel": repr(channel), "register": register}))
        how = values.get("how", "").strip().lower() or default_how
        reference = values.get("reference", "").strip() or None
        return problems + [p for p in (check_how(how), check_reference(reference)) if p]
    return check


def parse_instructions(data: bytes, *, source: str, register: str, default_how: str) -> list[ParsedInstruction]:
    """Read a whole file; refuse it (InstructionsFileRefused, every bad line numbered) if any line is bad."""
    try:
        rows = read_instruction_rows(data, check=_database_columns(register, default_how))
    except UnreadableInstructions as exc:
        raise InstructionsFileRefused(N_("%(source)s: %(problem)s; nothing was recorded."), source=source,
                                      parts={"problem": partial(problem_text, (exc.template, exc.params))},
                                      **exc.extra) from None
    if rows.errors:
        raise InstructionsFileRefused(
            N_("%(source)s: %(bad_lines)s bad line(s); nothing was recorded."), source=source,
            lines=rows.describe_errors, line_problems=rows.problems[:_MAX_ERRORS_IN_BODY],
            bad_lines=len(rows.errors),
            errors=[{"line": line, "problem": problem}
                    for line, problem in rows.errors[:_MAX_ERRORS_IN_BODY]])
    if len(rows) == 0:
        raise InstructionsFileRefused(N_("%(source)s: has no instructions under its header; nothing was "
                                         "recorded."), source=source)
    return [ParsedInstruction(line, f"{number:08d}", KIND_NAMES[kind], at, how.lower() or default_how,
                              reference or None)
            for line, number, kind, at, how, reference in zip(
                rows.lines.tolist(), rows.numbers.tolist(), rows.kinds.tolist(), rows.given_at,
                rows.column("how"), rows.column("reference"), strict=True)]
