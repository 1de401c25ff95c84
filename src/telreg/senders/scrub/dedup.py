"""Duplicates across a whole list in flat memory: two bitsets in a first pass, the first lines in the second.

Pass 1 (chunks in any order, on several threads) marks the numbers seen more than once. Pass 2 (chunks in line
order) learns the first line of each repeated number as it goes, so "duplicate of line N" is known when a chunk's
output is written, without holding a table over every number of the list (only over the repeated ones).
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub.bitset import Bitset
from telreg.senders.scrub.engine import DUPLICATE, REJECTED_INVALID, ChunkResult

__all__ = ["DuplicateFinder"]

I64 = npt.NDArray[np.int64]


class DuplicateFinder:
    def __init__(self) -> None:
        self._seen = Bitset()
        self._lock = threading.Lock()
        self.repeated = np.empty(0, dtype=np.int64)
        self._repeated_bits = Bitset()
        self._first_line = np.empty(0, dtype=np.int64)

    def observe(self, numbers: I64) -> None:
        """Pass 1: note a chunk's valid numbers (thread-safe, chunks in any order)."""
        ordered = np.sort(numbers.astype(np.uint32)).astype(np.int64)
        if len(ordered) == 0:
            return
        same = ordered[1:] == ordered[:-1]
        unique = ordered[np.concatenate([[True], ~same])]
        with self._lock:  # bitsets, not lists of numbers: memory stays flat however many numbers repeat
            already = self._seen.contains(unique)
            self._seen.add(unique)
            self._repeated_bits.add(unique[already])
            self._repeated_bits.add(ordered[1:][same])  # sorted, with repeats: add() only needs sorted

    def finish_first_pass(self) -> None:
        self._seen = Bitset()  # release the 12.5 MB early
        self.repeated = self._repeated_bits.members()
        self._first_line = np.zeros(len(self.repeated), dtype=np.int64)

    def mark(self, result: ChunkResult) -> None:
        """Pass 2, chunks in line order: turn every repeat after the first into a ``duplicate`` line."""
        result.duplicate_of = np.zeros(len(result.starts), dtype=np.int64)
        if len(self.repeated) == 0:
            return
        rows = np.flatnonzero(self._repeated_bits.contains(result.numbers) & (result.decision != REJECTED_INVALID))
        if len(rows) == 0:
            return
        which = self._repeated_bits.rank(result.numbers[rows])  # the number's place among the repeated ones
        lines = result.chunk.first_line + rows
        # Numbers first met in this chunk take their earliest line here (minimum.at: exact, and ~9x np.unique).
        new = which[self._first_line[which] == 0]
        self._first_line[new] = np.iinfo(np.int64).max
        np.minimum.at(self._first_line, which, lines)
        original = self._first_line[which]
        again = original != lines
        result.decision[rows[again]] = DUPLICATE
        result.duplicate_of[rows[again]] = original[again]
