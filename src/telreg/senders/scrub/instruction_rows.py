"""Read an instructions CSV into its good rows and its bad lines: the one reader of the format.

The offline scrub (``load_instructions``) and the database import (senders.lists.csvfile) both read through
here, so a file means the same offline and online (the scrub reads a plain file with instruction_fast first, which
answers only when it agrees with this reader, and a test checks it). This module imports no database code:
``telreg scrub`` runs without SQLAlchemy.

The format: a header naming ``number,instruction,at`` (any order, any case; extra columns allowed and handed
back); ``number`` in any form core/phone.py accepts, giving 8 digits (read by the vectorised
``parse_fields``, so the reasons are core/phone.py's); ``instruction`` is ``consent`` or ``unsubscribe`` (any
case); ``at`` is an ISO date-time (Hong Kong time when it has no offset) or an ISO date (its first instant).
Blank lines are skipped; a line with fewer columns than the header is bad. What a caller does with bad lines
is its own affair; both callers refuse the whole file, so nothing runs on half a list.

Each problem is a :data:`Problem`, a marked sentence and its parameters (core/i18n.py), so a page can list a
file's bad lines in its own language (:func:`problem_text`); ``errors`` holds the same problems in English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from telreg.core.clock import to_hk
from telreg.core.i18n import N_, Msgid, format_message
from telreg.senders.scrub.numbers import SLACK, invalid_problem, parse_fields

__all__ = ["CONSENT", "KIND_NAMES", "UNSUBSCRIBE", "InstructionRows", "LineCheck", "Problem",
           "UnreadableInstructions", "describe_lines", "parse_at", "problem_text", "read_instruction_rows"]

CONSENT, UNSUBSCRIBE = 1, 2  # UNSUBSCRIBE sorts after CONSENT, so at equal times it is the one kept
KIND_NAMES = {CONSENT: "consent", UNSUBSCRIBE: "unsubscribe"}
_KINDS = {name: kind for kind, name in KIND_NAMES.items()}
REQUIRED = ("number", "instruction", "at")
MAX_LISTED_ERRORS = 20

Problem = tuple[str, Mapping[str, Any]]
"""One problem of a line: a sentence marked for the catalogs (or plain English) and its parameters."""

LineCheck = Callable[[Mapping[str, str]], Sequence["str | Problem"]]
"""A caller's own problems with one line, given its raw values by column name (e.g. the database's)."""


def problem_text(problem: str | Problem, lang: str = "en") -> str:
    """A problem in LANG: a marked sentence from the catalog, anything else as it was written."""
    if isinstance(problem, str):
        return problem
    template, params = problem
    return format_message(lang, template, params) if isinstance(template, Msgid) else template


def describe_lines(problems: Sequence[tuple[int, Sequence[str | Problem]]], lang: str = "en") -> str:
    """Bad lines as a refusal lists them: the first 20, one a line, then how many more."""
    shown = "\n  ".join(
        format_message(lang, N_("line %(line)s: %(problem)s"),
                       {"line": line, "problem": _joined([problem_text(p, lang) for p in found], lang)})
        for line, found in problems[:MAX_LISTED_ERRORS])
    hidden = len(problems) - MAX_LISTED_ERRORS
    if hidden <= 0:
        return shown
    return shown + "\n  " + format_message(lang, N_("… and %(count)s more"), {"count": hidden})


def _joined(texts: list[str], lang: str) -> str:
    # A line's problems one after the other: "; " between English clauses, ";" between Chinese ones.
    return ("; " if lang == "en" else ";").join(texts)


class UnreadableInstructions(ValueError):
    """The file as a whole is not an instructions file; ``problem`` says why without naming the file (in
    English; ``template`` and ``params`` say it in any language)."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params
        self.problem = problem_text((template, params))
        super().__init__(self.problem)
        self.extra = params


@dataclass(frozen=True)
class InstructionRows:
    """The good lines of a file in file order, and its bad lines (line number, problems) in line order."""

    columns: Mapping[str, int]  # each header name (lower case) and the first column holding it
    lines: npt.NDArray[np.int64]
    numbers: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int8]
    given_at: tuple[dt.datetime, ...]
    fields: tuple[list[str], ...]
    errors: tuple[tuple[int, str], ...]  # each bad line and its problems, in English
    problems: tuple[tuple[int, tuple[str | Problem, ...]], ...] = ()  # the same, each problem a Problem

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, name: str) -> list[str]:
        """The stripped values of column ``name`` on each good line (all "" when there is no such column)."""
        index = self.columns.get(name)
        return [""] * len(self) if index is None else [fields[index].strip() for fields in self.fields]

    def describe_errors(self, lang: str = "en") -> str:
        """The bad lines as a refusal lists them: the first 20, one a line, then how many more."""
        return describe_lines(self.problems or tuple((line, (text,)) for line, text in self.errors), lang)


def parse_at(text: str) -> dt.datetime:
    """An ISO date-time (Hong Kong when naive) or an ISO date (its first instant); ValueError otherwise."""
    value = text.strip()
    try:
        return to_hk(dt.datetime.fromisoformat(value))
    except ValueError:
        return to_hk(dt.datetime.combine(dt.date.fromisoformat(value), dt.time()))


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableInstructions(N_("is a binary file, not CSV text"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableInstructions(N_("is not UTF-8 text")) from None


def _records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (names stripped, lower case) and the non-blank lines with their line numbers."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        records = [(line, fields) for line, fields in enumerate(reader, start=2)
                   if any(f.strip() for f in fields)]
    except csv.Error as exc:  # e.g. a quoted field running past the csv module's field size limit
        raise UnreadableInstructions(N_("is not readable CSV at line %(line)s (%(reason)s)"),
                                     line=reader.line_num, reason=str(exc)) from None
    return header, records


def _parse_numbers(values: list[str]) -> npt.NDArray[np.int64]:
    """Parse every number with the calling lists' parser (the same rules, vectorised); -1 where refused."""
    encoded = [v.encode("utf-8") for v in values]
    if not encoded:
        return np.empty(0, dtype=np.int64)
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    ends = np.cumsum(lengths + 1) - 1
    buf = np.zeros(int(ends[-1]) + 1 + SLACK, dtype=np.uint8)
    buf[: int(ends[-1]) + 1] = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
    numbers, valid = parse_fields(buf, ends - lengths, ends)
    return np.where(valid, numbers, -1)


def read_instruction_rows(data: bytes, *, check: LineCheck | None = None) -> InstructionRows:
    """Read a whole file into its good rows and its bad lines; UnreadableInstructions when it is no such file.

    ``check`` adds a caller's own problems to a line's (after the format's own, in the same message).
    """
    header, records = _records(_decode(data))
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        found = ", ".join(header)
        raise UnreadableInstructions(
            N_("the header must name the columns number,instruction,at (missing: %(missing_names)s; found: "
               "%(found)s)") if found else
            N_("the header must name the columns number,instruction,at (missing: %(missing_names)s; found: "
               "nothing)"), missing=missing, missing_names=", ".join(missing), found=found)
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(name, index)
    number_at, kind_at, time_at = (columns[name] for name in REQUIRED)
    bad: list[tuple[int, tuple[str | Problem, ...]]] = [
        (line, ((N_("has %(columns)s columns, the header has %(header_columns)s"),
                 {"columns": len(fields), "header_columns": len(header)}),))
        for line, fields in records if len(fields) < len(header)]
    complete = [(line, fields) for line, fields in records if len(fields) >= len(header)]
    numbers = _parse_numbers([fields[number_at] for _, fields in complete])
    good: list[tuple[int, int, int, dt.datetime, list[str]]] = []
    for (line, fields), number in zip(complete, numbers.tolist(), strict=True):
        problems: list[str | Problem] = []
        if number < 0:
            problems.append(invalid_problem(fields[number_at].encode("utf-8")))
        kind = _KINDS.get(fields[kind_at].strip().lower())
        if kind is None:
            problems.append((N_("instruction %(value)s is neither 'consent' nor 'unsubscribe'"),
                             {"value": repr(fields[kind_at])}))
        try:
            at = parse_at(fields[time_at])
        except ValueError:
            problems.append((N_("at %(value)s is not an ISO date-time such as 2026-03-02T10:00"),
                             {"value": repr(fields[time_at])}))
        if check is not None:
            problems += check({name: fields[index] for name, index in columns.items()})
        if problems:
            bad.append((line, tuple(problems)))
        else:
            good.append((line, number, kind, at, fields))  # type: ignore[arg-type]
    bad.sort(key=lambda error: error[0])
    return InstructionRows(
        columns=columns,
        lines=np.array([g[0] for g in good], dtype=np.int64),
        numbers=np.array([g[1] for g in good], dtype=np.int64),
        kinds=np.array([g[2] for g in good], dtype=np.int8),
        given_at=tuple(g[3] for g in good),
        fields=tuple(g[4] for g in good),
        errors=tuple((line, "; ".join(problem_text(p) for p in found)) for line, found in bad),
        problems=tuple(bad),
    )
