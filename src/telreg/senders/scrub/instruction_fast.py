"""The instructions file read in numpy when it is plain: the offline scrub's fast path around instruction_rows.

instruction_rows reads any CSV the format allows, a line at a time in Python: for the 20,000 lines of a usual list
that is 0.07 s and 19 MB of short-lived objects on a thread that runs beside the list's first pass, whose Python
work waits on it (the GIL). Most files are plain: ASCII, no quotes, every line with the header's columns, lower-case
instructions and naive ISO times. Those are read here with whole-array operations; anything else — a quote, a blank
or short line, an offset, a time before 1980 (when Hong Kong still kept summer time), a bad value — returns None and
the file goes through instruction_rows, which words the errors. A hypothesis test checks that both readers agree
whenever this one answers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub.instruction_rows import CONSENT, REQUIRED, UNSUBSCRIBE
from telreg.senders.scrub.numbers import SLACK, parse_fields
from telreg.senders.scrub.reader import BOM

__all__ = ["PlainInstructions", "read_plain"]

I64 = npt.NDArray[np.int64]
PlainInstructions = tuple[I64, npt.NDArray[np.int8], I64]  # numbers, kinds, given at (µs since 1970, UTC)

_HK_OFFSET_S = 8 * 3600  # Hong Kong has kept +08:00 all year since 1980
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_DIGITS = {10: [0, 1, 2, 3, 5, 6, 8, 9], 16: [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15],
           19: [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]}
_MARKS = {10: {4: b"-", 7: b"-"}, 16: {4: b"-", 7: b"-", 10: b"T", 13: b":"},
          19: {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":"}}


def read_plain(raw: bytes) -> PlainInstructions | None:
    """Every line's (number, kind, time) of a plain instructions file, in file order; None when it is not plain."""
    data = raw[len(BOM) :] if raw.startswith(BOM) else raw
    if not data.isascii() or b'"' in data or b"\x00" in data:
        return None
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        data = data.replace(b"\r\n", b"\n")
    head, newline, body = data.partition(b"\n")
    header = [name.strip().lower() for name in head.decode("ascii").split(",")]
    if not newline or not body or any(name not in header for name in REQUIRED):
        return None
    if not body.endswith(b"\n"):
        body += b"\n"
    buf = np.zeros(len(body) + SLACK, dtype=np.uint8)  # zero slack: fixed-width reads never run off the end
    buf[: len(body)] = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(buf[: len(body)] == ord("\n"))
    starts = np.concatenate([[0], ends[:-1] + 1])
    commas = np.flatnonzero(buf[: len(body)] == ord(","))
    width = len(header)
    if np.any(ends == starts) or np.any(np.searchsorted(commas, ends) - np.searchsorted(commas, starts) != width - 1):
        return None  # a blank line, or a line without exactly the header's columns
    cuts = commas.reshape(len(ends), width - 1)
    bounds = np.column_stack([starts - 1, cuts, ends])  # column j spans bounds[:, j] + 1 .. bounds[:, j + 1]

    def column(name: str) -> tuple[I64, I64]:
        j = header.index(name)
        return bounds[:, j] + 1, bounds[:, j + 1]

    numbers, valid = parse_fields(buf, *column("number"))
    kinds = _kinds(buf, *column("instruction"))
    micros = _times(buf, *column("at"))
    if not valid.all() or kinds is None or micros is None:
        return None
    return numbers, kinds, micros


def _windows(buf: npt.NDArray[np.uint8], at: I64, width: int) -> npt.NDArray[np.uint8]:
    """The ``width`` bytes from each offset, one row each (a view's rows: no index array of n x width)."""
    return np.lib.stride_tricks.sliding_window_view(buf, width)[at]


def _is(buf: npt.NDArray[np.uint8], at: I64, length: I64, word: bytes) -> npt.NDArray[np.bool_]:
    window = _windows(buf, at, len(word))
    return (length == len(word)) & np.all(window == np.frombuffer(word, dtype=np.uint8), axis=1)


def _kinds(buf: npt.NDArray[np.uint8], start: I64, end: I64) -> npt.NDArray[np.int8] | None:
    consent, unsubscribe = _is(buf, start, end - start, b"consent"), _is(buf, start, end - start, b"unsubscribe")
    if not np.all(consent | unsubscribe):
        return None
    return np.where(unsubscribe, UNSUBSCRIBE, CONSENT).astype(np.int8)


def _times(buf: npt.NDArray[np.uint8], start: I64, end: I64) -> I64 | None:
    """Naive ISO dates and date-times (YYYY-MM-DD, …THH:MM, …THH:MM:SS) as µs since 1970 UTC, Hong Kong time."""
    length = end - start
    window = _windows(buf, start, 19)
    fields = np.zeros((len(start), 6), dtype=np.int64)  # year, month, day, hour, minute, second
    for size in np.flatnonzero(np.bincount(length)).tolist():  # (np.unique's first call imports numpy.ma: 17 ms)
        if size not in _DIGITS:
            return None
        rows = length == size
        part = window[rows]
        digits = part[:, _DIGITS[size]].astype(np.int32) - ord("0")
        marks_ok = all(np.all(part[:, k] == ord(mark)) for k, mark in _MARKS[size].items())
        if not marks_ok or np.any((digits < 0) | (digits > 9)):
            return None
        pairs = (digits[:, 4:].reshape(len(digits), -1, 2) * [10, 1]).sum(axis=2)
        fields[rows, 0] = (digits[:, :4] * [1000, 100, 10, 1]).sum(axis=1)
        fields[rows, 1 : 1 + pairs.shape[1]] = pairs
    year, month, day, hour, minute, second = fields.T
    if np.any((year < 1980) | (month < 1) | (month > 12) | (day < 1) | (hour > 23) | (minute > 59) | (second > 59)):
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if np.any(day > _MONTH_DAYS[month] + (leap & (month == 2))):
        return None
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil, for years >= 0).
    y = year - (month <= 2)
    era, yoe = y // 400, y % 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return (days * 86400 + hour * 3600 + minute * 60 + second - _HK_OFFSET_S) * 1_000_000
