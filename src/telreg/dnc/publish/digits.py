"""Eight ASCII digits ⇄ an integer, for millions of values at once, with whole-array numpy operations.

Both directions treat eight digits as one little-endian 64-bit word (the first digit in the lowest byte):

* **to text**, a value below 10^8 splits into two halves below 10^4, and a 10,000-entry table holds each half's
  four digits as one 32-bit word: two look-ups and a shift make the word.
* **from text**, the SWAR method (SIMD within a register): subtract ``'0'`` from every byte, then fold neighbouring
  digits three times — pairs (×10), quads (×100), the whole (×10,000) — each fold a multiply, a shift and a mask
  over the whole array. Validation is two masks: every byte's high nibble is 3 and its low nibble at most 9.

Measured on 3,000,000 values this is ~10× the per-digit arithmetic it replaced (a uint64 matrix product), and the
words are written into rows as fields of a structured dtype (no per-line Python, no byte matrix copies).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["ascii8", "first_not_ascii8", "is_ascii8", "parse8", "words8"]

Words = npt.NDArray[np.uint64]

_U = np.uint64
_ZEROS = _U(0x3030303030303030)
_HIGH = _U(0xF0F0F0F0F0F0F0F0)
_LOW = _U(0x0F0F0F0F0F0F0F0F)
_SIXES = _U(0x0606060606060606)

_i = np.arange(10_000)
# The four ASCII digits of 0..9999 packed into one little-endian word each (first digit in the lowest byte).
_QUADS = (
    (np.stack([_i // 1000, _i // 100 % 10, _i // 10 % 10, _i % 10], axis=1) + ord("0"))
    .astype(np.uint8).view("<u4").ravel().astype(np.uint64)
)


def ascii8(values: npt.NDArray[np.unsignedinteger]) -> Words:
    """Return each value (0..99,999,999) as its eight zero-padded ASCII digits packed in a little-endian word."""
    v = np.asarray(values)
    out = np.empty(len(v), dtype=np.uint64)
    high = np.empty(min(len(v), _BLOCK), dtype=np.uint32)
    low, low_word = np.empty_like(high), np.empty(len(high), dtype=np.uint64)
    for at in range(0, len(v), _BLOCK):  # block by block: see parse8
        block, n = v[at : at + _BLOCK], min(_BLOCK, len(v) - at)
        h, lo, lw = high[:n], low[:n], low_word[:n]
        np.floor_divide(block, np.uint32(10_000), out=h, casting="unsafe")
        np.multiply(h, np.uint32(10_000), out=lo)
        np.subtract(block, lo, out=lo, casting="unsafe")
        np.take(_QUADS, h, out=out[at : at + n])
        np.take(_QUADS, lo, out=lw)
        lw <<= _U(32)
        out[at : at + n] |= lw
    return out


def words8(rows: npt.NDArray[np.uint8]) -> Words:
    """Pack an (n, 8) byte matrix (eight characters per row) into one little-endian word per row."""
    return np.ascontiguousarray(rows, dtype=np.uint8).view("<u8").ravel()


def is_ascii8(words: Words) -> bool:
    """Tell whether every byte of every word is an ASCII digit."""
    return all(_block_is_ascii8(words[at : at + _BLOCK]) for at in range(0, len(words), _BLOCK))


def first_not_ascii8(words: Words) -> int:
    """The index of the first word holding a byte that is not an ASCII digit (-1 when there is none)."""
    for at in range(0, len(words), _BLOCK):
        block = words[at : at + _BLOCK]
        if not _block_is_ascii8(block):
            high, low = block & _HIGH, ((block & _LOW) + _SIXES) & _HIGH
            return at + int(np.argmin((high == _ZEROS) & (low == 0)))
    return -1


def _block_is_ascii8(block: Words) -> bool:
    high = block & _HIGH
    low = block & _LOW
    low += _SIXES  # a low nibble above 9 carries into its high nibble
    low &= _HIGH
    return bool((high == _ZEROS).all() and not low.any())


def parse8(words: Words) -> Words:
    """Turn words of eight ASCII digits (checked by the caller with ``is_ascii8``) into their values.

    Block by block, in place: each step's temporaries stay in the CPU cache (over whole 9 M-word arrays the same
    dozen steps ran 3× slower, bound by memory traffic and page faults)."""
    out = np.empty(len(words), dtype=np.uint64)
    t = np.empty(min(len(words), _BLOCK), dtype=np.uint64)
    for at in range(0, len(words), _BLOCK):
        v = out[at : at + _BLOCK]
        np.subtract(words[at : at + _BLOCK], _ZEROS, out=v)
        tmp = t[: len(v)]
        for factor, shift, mask in _FOLDS:
            np.multiply(v, factor, out=tmp)
            v >>= shift
            v += tmp
            v &= mask
    return out


_BLOCK = 1 << 15  # 256 KiB of words: a step's input, output and temporary fit in L2
# (d0*10 + d1) in every other byte, then (pairs*100 + pairs) in every other 16 bits, then the whole in the low 32.
_FOLDS = ((_U(10), _U(8), _U(0x00FF00FF00FF00FF)), (_U(100), _U(16), _U(0x0000FFFF0000FFFF)),
          (_U(10_000), _U(32), _U(0xFFFFFFFF)))
