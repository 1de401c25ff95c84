"""Duplicates across a whole list in flat memory: two bitsets in a first pass, the first lines in the second.

Pass 1 (chunks in any order, on several threads) marks the numbers seen more than once: each thread sets bits in
its own ``seen`` and, for a number already there, ``repeated`` (a pair of words per 64 numbers, side by side); the
threads' bits are merged after the pass.
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
        # One array per thread, (seen, repeated) word pairs over the number space (see note() in _kernels.c), all in
        # one block: after the merge the repeated numbers' bitset is its first 12.5 MB, and the rest, already
        # faulted in, holds the look-up table (see ``spare``). A thread that never ran leaves its rows untouched:
        # np.zeros maps them lazily.
        self._rows = np.zeros((max(1, threads), 2 * SPACE_WORDS), dtype=np.uint64)
        self._pairs_given = 0
        self.repeated = Bitset()
        self._first_line = np.empty(0, dtype=np.int64)

    def _pairs(self) -> npt.NDArray[np.uint64]:
        """This thread's (seen, repeated) pairs."""
        pairs = getattr(self._local, "pairs", None)
        if pairs is None:
            with self._lock:
                k = self._pairs_given
                self._pairs_given += 1
            if k >= len(self._rows):
                raise RuntimeError(f"DuplicateFinder made for {len(self._rows)} threads, used by more")
            pairs = self._local.pairs = self._rows[k]
        return pairs

    def observe(self, chunk: Chunk, layout: Layout) -> int:
        """Pass 1: note a chunk's valid numbers (chunks in any order, on any thread); return how many lines it holds.

        One C loop reads the numbers from the bytes and notes them, keeping no per-line arrays; from the first line
        it leaves to Python (non-ASCII text, quoted CSV: rare) the rest of the chunk is scanned the general way.
        Each thread has its own pairs, so the C loops need no atomic stores (see _kernels.c)."""
        pairs = self._pairs()
        lines, stop = _kernels.observe_lines(chunk.buf, chunk.size, *kernel_layout(layout), pairs)
        if stop < chunk.size:
            rest = chunk.buf[stop:]
            scanned = scan_chunk(replace(chunk, buf=rest, size=chunk.size - stop,
                                         lines=_kernels.count_lines(rest, chunk.size - stop)), layout)
            _kernels.observe(scanned.numbers, scanned.status, pairs)
            lines += len(scanned)
        return int(lines)

    def finish_first_pass(self) -> None:
        """Merge the threads' pairs: a number repeats when one thread saw it twice or two threads saw it. The
        merged bitset is written over the start of the block (no new 12.5 MB array: fresh memory to fault in)."""
        _kernels.merge_pairs(self._rows, len(self._rows))
        self.repeated = Bitset(self._rows.reshape(-1)[:SPACE_WORDS])
        self._first_line = np.zeros(len(self.repeated), dtype=np.int64)

    def spare(self) -> npt.NDArray[np.uint64]:
        """After the merge: the block's memory after the repeated numbers' bitset, free for other use."""
        return self._rows.reshape(-1)[SPACE_WORDS:]

    @property
    def repeated_numbers(self) -> int:
        return len(self._first_line)

    def mark(self, result: ChunkResult) -> None:
        """Pass 2, chunks in line order: turn every repeat after the first into a ``duplicate`` line."""
        n = len(result.lines)
        result.duplicate_of = scratch().get("duplicate_of", np.int64, n)
        _kernels.mark(len(result.again) // 2, result.chunk.first_line, result.decision, result.again,
                      self._first_line, result.duplicate_of)
