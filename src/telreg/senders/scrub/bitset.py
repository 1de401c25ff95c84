"""A set of 8-digit numbers as a bitset over the 10^8 number space (12.5 MB), with rank for per-number data."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["SPACE", "Bitset"]

SPACE = 100_000_000
_WORDS = SPACE // 64 + 1
_SIX = np.int64(6)
_LOW6 = np.int64(63)
_ONE = np.uint64(1)

I64 = npt.NDArray[np.int64]


class Bitset:
    """Membership of 8-digit numbers; ``rank`` numbers the members in ascending order (for per-member arrays)."""

    def __init__(self) -> None:
        self.words = np.zeros(_WORDS, dtype=np.uint64)
        self._rank: npt.NDArray[np.int64] | None = None

    @classmethod
    def from_words(cls, words: npt.NDArray[np.uint64]) -> Bitset:
        bits = cls()
        bits.words = words
        return bits

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
        self._rank = None

    def contains(self, numbers: I64) -> npt.NDArray[np.bool_]:
        word = self.words[numbers >> _SIX]
        return ((word >> (numbers & _LOW6).astype(np.uint64)) & _ONE).astype(bool)

    def rank_table(self) -> npt.NDArray[np.int64]:
        """Members in the words before each word: with a popcount inside the word, a member's rank."""
        if self._rank is None:
            counts = np.bitwise_count(self.words).astype(np.int64)
            self._rank = np.concatenate([[0], np.cumsum(counts[:-1])])
        return self._rank

    def rank(self, members: I64) -> I64:
        """Position of each member among all members in ascending order (only meaningful for members)."""
        self.rank_table()
        assert self._rank is not None
        word = members >> _SIX
        below = self.words[word] & (np.left_shift(_ONE, (members & _LOW6).astype(np.uint64)) - _ONE)
        return self._rank[word] + np.bitwise_count(below).astype(np.int64)

    def members(self) -> I64:
        """Every member, ascending."""
        nonzero = np.flatnonzero(self.words)
        bits = np.unpackbits(self.words[nonzero].view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
        rows, cols = np.nonzero(bits)
        return nonzero[rows].astype(np.int64) * 64 + cols

    def __len__(self) -> int:
        return int(np.bitwise_count(self.words).sum())
