"""The decision for every line of a chunk, vectorised: lines → fields → numbers → decisions.

Decisions, in the order of issue 4 §2 (the first that applies wins):

    rejected_invalid           the field is not an 8-digit Hong Kong number (reason in core/phone.py's words)
    duplicate                  the number already appeared on an earlier line (reason: "duplicate of line N")
    blocked_unsubscribed       the sender's latest instruction for the number is an unsubscribe
    allowed_consent            the latest instruction is a consent (even when the number is listed)
    blocked_dnc                listed, and protection is in force on the send date
    allowed_not_yet_protected  listed, but protection starts after the send date (the date is reported)
    allowed                    none of the above

Duplicates: the first line with a number carries the number's decision; every later line with it is dropped from
kept.csv (sending twice to one number is never wanted) and listed in rejected.csv as ``duplicate`` so nothing
disappears silently. Numbers are compared after parsing, so ``2123 4567`` and ``+852 21234567`` are duplicates.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub.instructions import CONSENT, UNSUBSCRIBE, Instructions
from telreg.senders.scrub.numbers import invalid_reason, parse_fields, scalar_number
from telreg.senders.scrub.publication import Publication
from telreg.senders.scrub.reader import Chunk, Layout

__all__ = ["DECISIONS", "KEPT", "ChunkResult", "Rules", "decide_chunk", "locate_fields", "parse_chunk", "split_lines"]

REJECTED_INVALID, DUPLICATE, BLOCKED_UNSUBSCRIBED, ALLOWED_CONSENT, BLOCKED_DNC, NOT_YET, ALLOWED = range(7)
DECISIONS = ("rejected_invalid", "duplicate", "blocked_unsubscribed", "allowed_consent", "blocked_dnc",
             "allowed_not_yet_protected", "allowed")
KEPT = np.zeros(len(DECISIONS), dtype=bool)
KEPT[[ALLOWED_CONSENT, NOT_YET, ALLOWED]] = True

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Rules:
    """What a decision needs besides the line: the register, the sender's instructions, the send date."""

    publication: Publication
    instructions: Instructions
    send_date: dt.date
    in_force: npt.NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "in_force", self.publication.in_force(self.send_date))


@dataclass
class ChunkResult:
    chunk: Chunk
    starts: I64  # first byte of each line
    ends: I64  # end of each line's text (before CR LF)
    nexts: I64  # first byte after each line's ending
    fs: I64  # the field decided on, buf[fs:fe]
    fe: I64
    numbers: I64
    decision: npt.NDArray[np.int8]
    date_index: npt.NDArray[np.int32]  # registration-date index for listed numbers (else -1)
    reasons: dict[int, str]  # reasons found while reading fields (missing column, quoted CSV)
    duplicate_of: I64 | None = None  # line number of the first occurrence, for duplicate lines (else 0)

    @property
    def line_numbers(self) -> I64:
        return self.chunk.first_line + np.arange(len(self.starts), dtype=np.int64)


def split_lines(chunk: Chunk) -> tuple[I64, I64, I64]:
    """Return (starts, text ends, next starts) of the chunk's lines; CR before LF is not part of the text."""
    buf, size = chunk.buf, chunk.size
    feeds = np.flatnonzero(buf[:size] == 10)
    if size and buf[size - 1] != 10:  # the file's last line has no line ending
        ends = np.append(feeds, size)
        nexts = np.append(feeds + 1, size)
    else:
        ends, nexts = feeds, feeds + 1
    starts = np.empty(len(ends), dtype=np.int64)
    if len(ends):
        starts[0] = 0
        starts[1:] = nexts[:-1]
    ends = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13))
    return starts, ends.astype(np.int64), nexts.astype(np.int64)


def _column_fields(chunk: Chunk, layout: Layout, starts: I64, ends: I64,
                   ) -> tuple[I64, I64, dict[int, tuple[int | None, str | None]]]:
    """Locate the chosen column in each line; lines with quotes go through the csv module."""
    assert layout.delimiter is not None and layout.column is not None
    buf, k = chunk.buf[: chunk.size], layout.column
    delim = np.flatnonzero(buf == layout.delimiter[0])
    lo = np.searchsorted(delim, starts)
    count = np.searchsorted(delim, ends) - lo
    has = count >= k
    fs = starts.copy()
    if k:
        fs[has] = delim[lo[has] + k - 1] + 1
    fe = ends.copy()
    more = count > k
    fe[more] = delim[lo[more] + k]
    overrides: dict[int, tuple[int | None, str | None]] = {}
    for row in np.flatnonzero(~has).tolist():
        overrides[row] = (None, f"the line has {int(count[row]) + 1} column(s); {layout.column_name!r} is column "
                                f"{k + 1}")
    if (buf == ord('"')).any():
        quoted = np.flatnonzero(np.add.reduceat((buf == ord('"')).astype(np.int64), starts)
                                if len(starts) else np.zeros(0, dtype=np.int64))
        delimiter = layout.delimiter.decode()
        for row in quoted.tolist():
            raw = bytes(buf[starts[row] : ends[row]])
            try:
                values = next(csv.reader([raw.decode("utf-8")], delimiter=delimiter))
            except (UnicodeDecodeError, csv.Error, StopIteration):
                overrides[row] = (None, "the line is not valid UTF-8 CSV")
                continue
            if len(values) <= k:
                overrides[row] = (None, f"the line has {len(values)} column(s); {layout.column_name!r} is column "
                                        f"{k + 1}")
                continue
            value = values[k].encode("utf-8")
            number = scalar_number(value)
            overrides[row] = (number, None if number is not None else invalid_reason(value))
    return fs, fe, overrides


Parsed = tuple[I64, I64, I64, I64, I64, I64, npt.NDArray[np.bool_], dict[int, str]]


def locate_fields(chunk: Chunk, layout: Layout) -> tuple[I64, I64, I64, I64, I64]:
    """Where each line and its field are, without parsing: (starts, ends, nexts, fs, fe)."""
    starts, ends, nexts = split_lines(chunk)
    if layout.column is None:
        return starts, ends, nexts, starts, ends
    fs, fe, _ = _column_fields(chunk, layout, starts, ends)
    return starts, ends, nexts, fs, fe


def parse_chunk(chunk: Chunk, layout: Layout) -> Parsed:
    """Split a chunk into lines and read each one's number: (starts, ends, nexts, fs, fe, numbers, valid, reasons)."""
    starts, ends, nexts = split_lines(chunk)
    if layout.column is None:
        fs, fe, overrides = starts, ends, {}
    else:
        fs, fe, overrides = _column_fields(chunk, layout, starts, ends)
    numbers, valid = parse_fields(chunk.buf, fs, fe)
    reasons: dict[int, str] = {}
    for row, (number, reason) in overrides.items():
        numbers[row], valid[row] = (number, True) if number is not None else (0, False)
        if reason is not None:
            reasons[row] = reason
    return starts, ends, nexts, fs, fe, numbers, valid, reasons


def decide_chunk(chunk: Chunk, layout: Layout, rules: Rules, parsed: Parsed | None = None) -> ChunkResult:
    """Decide every line of a chunk (parsing it unless given), except duplicates (an ordered step done after)."""
    starts, ends, nexts, fs, fe, numbers, valid, reasons = parsed or parse_chunk(chunk, layout)
    decision = np.full(len(starts), ALLOWED, dtype=np.int8)
    decision[~valid] = REJECTED_INVALID
    date_index = np.full(len(starts), -1, dtype=np.int32)
    rows = np.flatnonzero(valid)
    values = numbers[rows]
    listed = rules.publication.listed.contains(values)
    listed_rows = rows[listed]
    if len(listed_rows):
        which = rules.publication.date_of_member[rules.publication.listed.rank(values[listed])]
        date_index[listed_rows] = which
        decision[listed_rows] = np.where(rules.in_force[which], BLOCKED_DNC, NOT_YET)
    latest = rules.instructions.latest(values)
    decision[rows[latest == CONSENT]] = ALLOWED_CONSENT
    decision[rows[latest == UNSUBSCRIBE]] = BLOCKED_UNSUBSCRIBED
    return ChunkResult(chunk, starts, ends, nexts, fs, fe, numbers, decision, date_index, reasons)
