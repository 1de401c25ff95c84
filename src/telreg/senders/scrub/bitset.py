"""A set of 8-digit numbers as a bitset over the 10^8 number space (12.5 MB); the C loops read its words."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["SPACE", "SPACE_WORDS", "Bitset"]

SPACE = 100_000_000
SPACE_WORDS = _WORDS = SPACE // 64 + 1
_SIX = np.int64(6)
_LOW6 = np.int64(63)
_ONE = np.uint64(1)

I64 = npt.NDArray[np.int64]


class Bitset:
    """Membership of 8-digit numbers (ranks for per-member data are computed in C: engine.Lookup)."""

    def __init__(self, words: npt.NDArray[np.uint64] | None = None) -> None:
        self.words = np.zeros(_WORDS, dtype=np.uint64) if words is None else words

    @classmethod
    def of(cls, numbers: I64) -> Bitset:
        bits = cls()
        bits.add(np.unique(numbers))
        return bits

    def add(self, ordered: I64) -> None:
        """Add numbers given in ascending order (repeats allowed): one OR per touched word."""
        if len(ordered) == 0:
            return
        word = ordered >> _SIX
        bit = np.left_shift(_ONE, (ordered & _LOW6).astype(np.uint64))
        starts = np.flatnonzero(np.concatenate([[True], word[1:] != word[:-1]]))
        self.words[word[starts]] |= np.bitwise_or.reduceat(bit, starts)

    def __len__(self) -> int:
        return int(np.bitwise_count(self.words).sum())
