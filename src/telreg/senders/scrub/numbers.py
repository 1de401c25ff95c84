"""Vectorised parsing of calling-list fields into 8-digit numbers, agreeing exactly with core/phone.py.

A field is valid for a scrub when ``core.phone.parse_number`` accepts it and gives an 8-digit national number (a
9-digit toll-free 800 number is refused: it belongs to a business and is on no register). The accepted spellings are
pinned by core/phone.py: 8 digits, optionally grouped by single spaces or hyphens, optionally after ``+852``/``852``,
blanks around ignored. tests/senders/scrub/test_numbers.py checks with hypothesis that this module and the scalar
parser agree on every input.

Three paths, cheapest first:

* **fast** — a field of exactly 8 bytes: an unaligned 64-bit load per field and SWAR arithmetic check and convert
  all 8 digits at once (the common case of a clean list; no per-byte work at all);
* **matrix** — any other ASCII field up to 64 bytes: the fields are laid out as a padded byte matrix and the shape
  rules of core/phone.py (blanks, single separators between digits, a leading ``+``, the 852 prefix) are checked
  column-wise; the number is the last 8 digits;
* **scalar** — fields holding non-ASCII bytes (full-width digits typed with a Chinese input method, which NFKC
  folds) go through core/phone.py itself. They are rare, so the Python loop is off the hot path.

Reasons for refused fields come from core/phone.py (``invalid_reason``), so they read the same as everywhere else.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from telreg.core.errors import InvalidNumber
from telreg.core.phone import NumberKind, parse_number

__all__ = ["MAX_FIELD", "SLACK", "invalid_reason", "parse_fields", "scalar_number", "swar8", "u64_view"]

MAX_FIELD = 64  # longer fields cannot be a number; they are refused without building a wider matrix
SLACK = MAX_FIELD  # zero bytes a chunk buffer carries after its data, so fixed-width reads never run off its end
_BATCH = 1 << 16  # rows per matrix batch: bounds the temporaries to a few MB

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

_ZEROS = np.uint64(0x3030303030303030)
_HIGH = np.uint64(0xF0F0F0F0F0F0F0F0)
_SIX = np.uint64(0x0606060606060606)
_LOW_BYTE_PAIRS = np.uint64(0x000000FF000000FF)
_MUL_A = np.uint64(100 + (1_000_000 << 32))
_MUL_B = np.uint64(1 + (10_000 << 32))
_POW10 = np.array([10**k for k in range(9)], dtype=np.int64)
_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True  # what str.strip() removes, among ASCII bytes


def u64_view(buf: U8) -> npt.NDArray[np.uint64]:
    """View every byte offset of ``buf`` as the start of a little-endian 64-bit word (buf needs 8 bytes of slack)."""
    return np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, offset=0, strides=(1,))


def swar8(words: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """Convert words holding 8 ASCII digits (first digit in the low byte) to integers; say which were all digits."""
    ok = ((words & _HIGH) == _ZEROS) & (((words + _SIX) & _HIGH) == _ZEROS)
    x = words - _ZEROS
    x = x * np.uint64(10) + (x >> np.uint64(8))
    x = ((x & _LOW_BYTE_PAIRS) * _MUL_A + ((x >> np.uint64(16)) & _LOW_BYTE_PAIRS) * _MUL_B) >> np.uint64(32)
    return x, ok


def parse_fields(buf: U8, fs: I64, fe: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Parse the fields buf[fs:fe] into (numbers, valid). ``buf`` must carry SLACK zero bytes after its data."""
    n = len(fs)
    numbers = np.zeros(n, dtype=np.int64)
    valid = np.zeros(n, dtype=bool)
    length = fe - fs
    fast = np.flatnonzero(length == 8)
    if len(fast):
        value, ok = swar8(u64_view(buf)[fs[fast]])
        numbers[fast] = value.astype(np.int64)
        valid[fast] = ok
        rest = np.concatenate([np.flatnonzero(length != 8), fast[~ok]])
    else:
        rest = np.arange(n)
    rest = rest[(length[rest] > 0) & (length[rest] <= MAX_FIELD)]
    for at in range(0, len(rest), _BATCH):
        rows = rest[at : at + _BATCH]
        got, ok, ascii_only = _parse_matrix(buf, fs[rows], length[rows])
        numbers[rows] = got
        valid[rows] = ok
        for row in rows[~ascii_only].tolist():
            number = scalar_number(bytes(buf[fs[row] : fe[row]]))
            if number is not None:
                numbers[row], valid[row] = number, True
    numbers[~valid] = 0
    return numbers, valid


def _parse_matrix(buf: U8, starts: I64, length: I64) -> tuple[I64, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Apply core/phone.py's shape rules column-wise to ASCII fields; return (numbers, valid, ascii_only)."""
    width = int(length.max())
    windows = np.lib.stride_tricks.sliding_window_view(buf, width)
    m = windows[starts]  # one row copy per field, no per-byte index arrays
    col = np.arange(width)
    real = col < length[:, None]
    ascii_only = ~((m >= 0x80) & real).any(axis=1)
    blank = _WS[m] | ~real
    solid = ~blank
    has_any = solid.any(axis=1)
    first = np.argmax(solid, axis=1)
    last = width - 1 - np.argmax(solid[:, ::-1], axis=1)
    inside = (col >= first[:, None]) & (col <= last[:, None])
    digit = (m >= 48) & (m <= 57) & inside
    sep = ((m == 32) | (m == 45)) & inside
    plus = (m == 43) & inside
    rows = np.arange(len(m))
    has_plus = plus[rows, first]
    # Every separator sits between two digits; a '+' may only open the number; nothing else may appear.
    prev_digit = np.zeros_like(digit)
    prev_digit[:, 1:] = digit[:, :-1]
    next_digit = np.zeros_like(digit)
    next_digit[:, :-1] = digit[:, 1:]
    bad_sep = sep & ~(prev_digit & next_digit)
    stray = inside & ~(digit | sep | plus)
    shape_ok = has_any & ~(bad_sep | stray).any(axis=1) & (plus.sum(axis=1) == has_plus)
    count = digit.sum(axis=1)
    # The first group is the run of digits after the optional '+', up to the first separator.
    opened = first + has_plus
    first_sep = np.where(sep.any(axis=1), np.argmax(sep, axis=1), width)
    group = first_sep - opened
    clipped = np.minimum(opened[:, None] + np.arange(3), width - 1)
    is_852 = (m[rows[:, None], clipped] == np.frombuffer(b"852", dtype=np.uint8)).all(axis=1) & (group >= 3)
    valid = shape_ok & (((count == 8) & ~has_plus) | ((count == 11) & is_852)) & ascii_only
    # The national number is the last 8 digits: weight each digit by its rank from the right.
    from_right = np.cumsum(digit[:, ::-1], axis=1)[:, ::-1]
    weight = np.where(digit & (from_right <= 8), _POW10[np.minimum(from_right, 9) - 1], 0)
    values = ((m.astype(np.int64) - 48) * weight).sum(axis=1)
    return np.where(valid, values, 0), valid, ascii_only


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def scalar_number(raw: bytes) -> int | None:
    """The number core/phone.py reads in ``raw`` (UTF-8), or None when it refuses it or it is not 8 digits."""
    text = _decode(raw)
    if text is None:
        return None
    try:
        number = parse_number(text)
    except InvalidNumber:
        return None
    return int(number.national) if len(number.national) == 8 else None


@functools.lru_cache(maxsize=1 << 16)  # garbage repeats (the same header, placeholder or typo on many lines)
def invalid_reason(raw: bytes) -> str:
    """Say, in core/phone.py's words, why a field is not a number a scrub can decide on."""
    text = _decode(raw)
    if text is None:
        return "The line is not UTF-8 text (save the list as UTF-8 or plain ASCII)."
    try:
        number = parse_number(text)
    except InvalidNumber as exc:
        return exc.message
    if number.kind is NumberKind.toll_free:
        return f"{number.national} is a toll-free (800) number, which belongs to a business and is on no register."
    return f"{text!r} is not an 8-digit Hong Kong number."  # pragma: no cover - parse_number gives 8 or 9 digits
