"""Duplicates across a whole list in flat memory: two bitsets in a first pass, the first lines in the second.

Pass 1 (chunks in any order, on several threads) marks the numbers seen more than once: each thread sets bits in
its own ``seen`` and, for a number already there, ``repeated``; the threads' bitsets are merged after the pass.
Pass 2 (chunks in line order) learns the first line of each repeated number as it goes, so "duplicate of line N" is
known when a chunk's output is written, without holding a table over every number of the list (only over the
repeated ones).
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub import _kernels
from telreg.senders.scrub.bitset import SPACE_WORDS, Bitset
from telreg.senders.scrub.engine import ChunkResult, kernel_layout, scan_chunk
from telreg.senders.scrub.reader import Chunk, Layout
from telreg.senders.scrub.scratch import scratch

__all__ = ["DuplicateFinder"]


class DuplicateFinder:
    """Which numbers a list holds more than once (pass 1), and which line each one first appeared on (pass 2)."""

    def __init__(self, threads: int = 2) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        # Every thread's pair of bitsets in one block, (repeated, seen) row after row: after the merge only row 0 is
        # needed, and the rows after it, already faulted in, hold the look-up table (see ``spare``). Rows of a
        # thread that never ran stay untouched: np.zeros maps them lazily.
        self._rows = np.zeros((2 * max(1, threads), SPACE_WORDS), dtype=np.uint64)
        self._pairs_given = 0
        self.repeated = Bitset(self._rows[0])
        self._first_line = np.empty(0, dtype=np.int64)

    def _bits(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        """This thread's (seen, repeated) bitsets."""
        bits = getattr(self._local, "bits", None)
        if bits is None:
            with self._lock:
                k = self._pairs_given
                self._pairs_given += 1
            if 2 * k + 1 >= len(self._rows):
                raise RuntimeError(f"DuplicateFinder made for {len(self._rows) // 2} threads, used by more")
            bits = self._local.bits = (self._rows[2 * k + 1], self._rows[2 * k])
        return bits

    def observe(self, chunk: Chunk, layout: Layout) -> int:
        """Pass 1: note a chunk's valid numbers (chunks in any order, on any thread); return how many lines it holds.

        One C loop reads the numbers from the bytes and notes them, keeping no per-line arrays; from the first line
        it leaves to Python (non-ASCII text, quoted CSV: rare) the rest of the chunk is scanned the general way.
        Each thread has its own pair of bitsets, so the C loops need no atomic stores (see _kernels.c)."""
        bits = self._bits()
        lines, stop = _kernels.observe_lines(chunk.buf, chunk.size, *kernel_layout(layout), *bits)
        if stop < chunk.size:
            rest = chunk.buf[stop:]
            scanned = scan_chunk(replace(chunk, buf=rest, size=chunk.size - stop,
                                         lines=_kernels.count_lines(rest, chunk.size - stop)), layout)
            _kernels.observe(scanned.numbers, scanned.status, *bits)
            lines += len(scanned)
        return int(lines)

    def finish_first_pass(self) -> None:
        """Merge the threads' bitsets into row 0: a number repeats when one thread saw it twice or two threads saw
        it. A later thread's own "repeated" row (already merged) is the scratch for "seen by both": no new 12.5 MB
        arrays, which are fresh memory to fault in."""
        repeated, seen = self._rows[0], self._rows[1]
        for k in range(1, self._pairs_given):
            thread_seen, thread_repeated = self._rows[2 * k + 1], self._rows[2 * k]
            repeated |= thread_repeated
            np.bitwise_and(seen, thread_seen, out=thread_repeated)
            repeated |= thread_repeated
            seen |= thread_seen
        self._first_line = np.zeros(len(self.repeated), dtype=np.int64)

    def spare(self) -> npt.NDArray[np.uint64]:
        """After the merge: the block's memory after row 0, free for other use (the look-up table)."""
        return self._rows[1:].reshape(-1)

    @property
    def repeated_numbers(self) -> int:
        return len(self._first_line)

    def mark(self, result: ChunkResult) -> None:
        """Pass 2, chunks in line order: turn every repeat after the first into a ``duplicate`` line."""
        n = len(result.lines)
        result.duplicate_of = scratch().get("duplicate_of", np.int64, n)
        _kernels.mark(len(result.again) // 2, result.chunk.first_line, result.decision, result.again,
                      self._first_line, result.duplicate_of)
