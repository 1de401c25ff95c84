"""The decision for every line of a chunk: lines → fields → numbers → decisions, in one C pass (``_kernels.c``).

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

The byte loop reads CSV quoting itself and leaves to Python only the lines it should not judge (status PYTHON): fields
holding non-ASCII text (full-width digits, which core/phone.py folds), quoted fields left open at the end of the line,
lines with too few columns. fallback.py reads them a chunk at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub import _kernels
from telreg.senders.scrub.bitset import SPACE, Bitset
from telreg.senders.scrub.errors import ListRefused
from telreg.senders.scrub.fallback import read_left_lines
from telreg.senders.scrub.instructions import Instructions
from telreg.senders.scrub.numbers import PYTHON
from telreg.senders.scrub.publication import Publication
from telreg.senders.scrub.reader import CHANGED, Chunk, Layout
from telreg.senders.scrub.scratch import scratch

__all__ = ["DECISIONS", "KEPT", "ChunkResult", "Lines", "Lookup", "Rules", "decide_chunk", "kernel_layout",
           "scan_chunk"]

REJECTED_INVALID, DUPLICATE, BLOCKED_UNSUBSCRIBED, ALLOWED_CONSENT, BLOCKED_DNC, NOT_YET, ALLOWED = range(7)
DECISIONS = ("rejected_invalid", "duplicate", "blocked_unsubscribed", "allowed_consent", "blocked_dnc",
             "allowed_not_yet_protected", "allowed")
KEPT = np.zeros(len(DECISIONS), dtype=bool)
KEPT[[ALLOWED_CONSENT, NOT_YET, ALLOWED]] = True

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]


@dataclass(frozen=True)
class Rules:
    """What a decision needs besides the line: the register, the sender's instructions, the send date."""

    publication: Publication
    instructions: Instructions
    send_date: dt.date
    in_force: npt.NDArray[np.uint8] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "in_force", self.publication.in_force(self.send_date).astype(np.uint8))

    @property
    def date_of_member(self) -> npt.NDArray[np.uint16]:
        return self.publication.date_of_member  # 16 bits: half the cache misses of 32


@dataclass(frozen=True)
class Lookup:
    """The decisions' look-up table (see build_lookup in _kernels.c): per block of 192 numbers, one cache line with
    the register's and the repeated numbers' bits and the members before the block."""

    table: npt.NDArray[np.uint64]

    @classmethod
    def build(cls, listed: Bitset, repeated: Bitset, room: npt.NDArray[np.uint64] | None = None) -> Lookup:
        """Build the table, in ``room`` when it is big enough (memory already faulted in: 33 MB of fresh pages cost
        as much as building the table), else in a new array."""
        blocks = (SPACE + 191) // 192
        raw = room if room is not None and len(room) >= blocks * 8 + 8 else np.empty(blocks * 8 + 8, dtype=np.uint64)
        skip = (-raw.ctypes.data % 64) // 8  # start on a cache line, so a block never straddles two
        table = raw[skip : skip + blocks * 8]
        _kernels.build_lookup(listed.words, repeated.words, table)
        return cls(table)


@dataclass
class Lines:
    """A chunk's lines: where each line and its field are (offsets in the chunk), and the number read in it."""

    chunk: Chunk
    starts: U32  # first byte of each line
    ends: U32  # end of each line's text (before CR LF)
    nexts: U32  # first byte after each line's ending
    fs: U32  # the field decided on, buf[fs:fe]
    fe: U32
    numbers: U32
    status: npt.NDArray[np.uint8]  # VALID or INVALID (PYTHON lines are resolved before a Lines is handed out)
    reasons: dict[int, str]  # reasons found while reading fields (missing column, quoted CSV)

    def __len__(self) -> int:
        return len(self.starts)


@dataclass
class ChunkResult:
    lines: Lines
    decision: npt.NDArray[np.int8]
    date_index: npt.NDArray[np.int32]  # registration-date index for listed numbers (else -1)
    again: I64  # (line in the chunk, place among the list's repeated numbers) pairs, for lines whose number repeats
    duplicate_of: I64 | None = None  # line number of the first occurrence (only meaningful for duplicate lines)

    @property
    def chunk(self) -> Chunk:
        return self.lines.chunk


def kernel_layout(layout: Layout) -> tuple[int, int]:
    """The column (-1: the whole line) and delimiter byte (0: none) as the C loops take them."""
    return (-1 if layout.column is None else layout.column, 0 if layout.delimiter is None else layout.delimiter[0])


def scan_chunk(chunk: Chunk, layout: Layout) -> Lines:
    """Split a chunk into lines and read each one's number (into this thread's scratch arrays: valid until the
    thread scans its next chunk)."""
    capacity, arrays_of = chunk.lines, scratch()
    arrays = [arrays_of.get(name, np.uint32, capacity) for name in ("starts", "ends", "nexts", "fs", "fe", "numbers")]
    status = arrays_of.get("status", np.uint8, capacity)
    try:
        n = _kernels.scan(chunk.buf, chunk.size, *kernel_layout(layout), *arrays, status)
    except ValueError as exc:
        if "more lines than the arrays hold" not in str(exc):
            raise
        n = capacity + 1  # more lines than pass 1 counted in these bytes
    if n != capacity:  # fewer or more: the list changed since pass 1
        raise ListRefused(CHANGED)
    starts, ends, nexts, fs, fe, numbers = (a[:n] for a in arrays)
    if layout.column is None:  # the field is the whole line: scan() wrote no separate fs and fe
        fs, fe = starts, ends
    lines = Lines(chunk, starts, ends, nexts, fs, fe, numbers, status[:n], {})
    python = np.flatnonzero(lines.status == PYTHON)
    if len(python):
        read_left_lines(lines, layout, python)
    return lines


def decide_chunk(lines: Lines, rules: Rules, lookup: Lookup) -> ChunkResult:
    """Decide every line of a chunk, except duplicates (an ordered step done after, see dedup.py); ``lookup`` holds
    the register and the numbers met more than once in the list."""
    n, arrays_of = len(lines), scratch()
    decision = arrays_of.get("decision", np.int8, n)
    date_index = arrays_of.get("date_index", np.int32, n)
    again = arrays_of.get("again", np.int64, 2 * n)
    instructions = rules.instructions
    pairs = _kernels.decide(n, lines.numbers, lines.status, lookup.table, rules.date_of_member, rules.in_force,
                            instructions.sieve, instructions.numbers, instructions.kinds, decision, date_index, again)
    return ChunkResult(lines, decision, date_index, again[: 2 * pairs])
