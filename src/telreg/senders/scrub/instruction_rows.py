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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from telreg.core.clock import to_hk
from telreg.senders.scrub.numbers import SLACK, invalid_reason, parse_fields

__all__ = ["CONSENT", "KIND_NAMES", "UNSUBSCRIBE", "InstructionRows", "LineCheck", "UnreadableInstructions",
           "parse_at", "read_instruction_rows"]

CONSENT, UNSUBSCRIBE = 1, 2  # UNSUBSCRIBE sorts after CONSENT, so at equal times it is the one kept
KIND_NAMES = {CONSENT: "consent", UNSUBSCRIBE: "unsubscribe"}
_KINDS = {name: kind for kind, name in KIND_NAMES.items()}
REQUIRED = ("number", "instruction", "at")
MAX_LISTED_ERRORS = 20

LineCheck = Callable[[Mapping[str, str]], list[str]]
"""A caller's own problems with one line, given its raw values by column name (e.g. the database's)."""


class UnreadableInstructions(ValueError):
    """The file as a whole is not an instructions file; ``problem`` says why without naming the file."""

    def __init__(self, problem: str, **extra: object) -> None:
        super().__init__(problem)
        self.problem = problem
        self.extra = extra


@dataclass(frozen=True)
class InstructionRows:
    """The good lines of a file in file order, and its bad lines (line number, problems) in line order."""

    columns: Mapping[str, int]  # each header name (lower case) and the first column holding it
    lines: npt.NDArray[np.int64]
    numbers: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int8]
    given_at: tuple[dt.datetime, ...]
    fields: tuple[list[str], ...]
    errors: tuple[tuple[int, str], ...]

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, name: str) -> list[str]:
        """The stripped values of column ``name`` on each good line (all "" when there is no such column)."""
        index = self.columns.get(name)
        return [""] * len(self) if index is None else [fields[index].strip() for fields in self.fields]

    def describe_errors(self) -> str:
        """The bad lines as a refusal lists them: the first 20, one a line, then how many more."""
        shown = "\n  ".join(f"line {line}: {problem}" for line, problem in self.errors[:MAX_LISTED_ERRORS])
        hidden = len(self.errors) - MAX_LISTED_ERRORS
        return shown + (f"\n  … and {hidden} more" if hidden > 0 else "")


def parse_at(text: str) -> dt.datetime:
    """An ISO date-time (Hong Kong when naive) or an ISO date (its first instant); ValueError otherwise."""
    value = text.strip()
    try:
        return to_hk(dt.datetime.fromisoformat(value))
    except ValueError:
        return to_hk(dt.datetime.combine(dt.date.fromisoformat(value), dt.time()))


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableInstructions("is a binary file, not CSV text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableInstructions("is not UTF-8 text") from None


def _records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (names stripped, lower case) and the non-blank lines with their line numbers."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        records = [(line, fields) for line, fields in enumerate(reader, start=2)
                   if any(f.strip() for f in fields)]
    except csv.Error as exc:  # e.g. a quoted field running past the csv module's field size limit
        raise UnreadableInstructions(f"is not readable CSV at line {reader.line_num} ({exc})") from None
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
        raise UnreadableInstructions(
            f"the header must name the columns number,instruction,at (missing: {', '.join(missing)}; "
            f"found: {', '.join(header) or 'nothing'})", missing=missing)
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(name, index)
    number_at, kind_at, time_at = (columns[name] for name in REQUIRED)
    errors = [(line, f"has {len(fields)} columns, the header has {len(header)}")
              for line, fields in records if len(fields) < len(header)]
    complete = [(line, fields) for line, fields in records if len(fields) >= len(header)]
    numbers = _parse_numbers([fields[number_at] for _, fields in complete])
    good: list[tuple[int, int, int, dt.datetime, list[str]]] = []
    for (line, fields), number in zip(complete, numbers.tolist(), strict=True):
        problems = []
        if number < 0:
            problems.append(invalid_reason(fields[number_at].encode("utf-8")))
        kind = _KINDS.get(fields[kind_at].strip().lower())
        if kind is None:
            problems.append(f"instruction {fields[kind_at]!r} is neither 'consent' nor 'unsubscribe'")
        try:
            at = parse_at(fields[time_at])
        except ValueError:
            problems.append(f"at {fields[time_at]!r} is not an ISO date-time such as 2026-03-02T10:00")
        if check is not None:
            problems += check({name: fields[index] for name, index in columns.items()})
        if problems:
            errors.append((line, "; ".join(problems)))
        else:
            good.append((line, number, kind, at, fields))  # type: ignore[arg-type]
    errors.sort(key=lambda error: error[0])
    return InstructionRows(
        columns=columns,
        lines=np.array([g[0] for g in good], dtype=np.int64),
        numbers=np.array([g[1] for g in good], dtype=np.int64),
        kinds=np.array([g[2] for g in good], dtype=np.int8),
        given_at=tuple(g[3] for g in good),
        fields=tuple(g[4] for g in good),
        errors=tuple(errors),
    )
