"""The instructions file read in C: the offline scrub's fast path around instruction_rows.

instruction_rows reads any CSV the format allows, a line at a time in Python (~3 µs a line: 3 s for a million
lines, on a thread whose Python work holds up the list's first pass). Here ``_kernels.parse_instructions`` reads
every line whose values it can judge by itself — ASCII numbers in any spelling core/phone.py accepts, ``consent`` or
``unsubscribe`` in any case, the ISO 8601 forms of _isotime.h (offsets, ``Z``, fractions of a second), quoted fields —
at tens of millions of lines a second. The other lines (bad ones, and rare forms: non-ASCII values, doubled quotes,
week dates, times before 1980) go through instruction_rows itself, gathered into one small file under the same
header, so what they give — values, or problems with their line numbers — is exactly the general reader's. Only
what changes the file's line structure (a quoted field holding a line break, a lone CR, a NUL byte, text that is not
UTF-8) makes the whole file go through instruction_rows (``read_fast`` answers None). Hypothesis tests check that
both readers agree on every file (tests/senders/scrub/test_instruction_fast.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub import _kernels
from telreg.senders.scrub.instruction_rows import REQUIRED, Problem, read_instruction_rows
from telreg.senders.scrub.reader import BOM

__all__ = ["FastInstructions", "read_fast"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FastInstructions:
    """A file's good lines (number, kind, µs since 1970 UTC; in no particular order) and its bad lines, in line
    order, each with the general reader's problems."""

    numbers: I64
    kinds: npt.NDArray[np.int8]
    micros: I64
    problems: tuple[tuple[int, tuple[str | Problem, ...]], ...]


def read_fast(raw: bytes) -> FastInstructions | None:
    """Read an instructions file; None when the general reader must read it whole. A header without the required
    columns raises UnreadableInstructions, worded by instruction_rows."""
    skip = len(BOM) if raw.startswith(BOM) else 0
    feed = raw.find(b"\n", skip)
    if feed < 0 or b"\x00" in raw:
        return None
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    header_line = raw[skip : feed + 1]
    header_text = header_line.rstrip(b"\n").removesuffix(b"\r")
    if b'"' in header_text or b"\r" in header_text:
        return None
    read_instruction_rows(header_line)  # the header's problems, in the general reader's words
    header = [name.strip().lower() for name in header_text.decode("utf-8").split(",")]
    number_at, kind_at, time_at = (header.index(name) for name in REQUIRED)
    body = np.frombuffer(raw, dtype=np.uint8, offset=feed + 1)  # no copy of a file of tens of megabytes
    capacity = raw.count(b"\n", feed + 1) + 1
    lines, numbers, micros, starts, ends = (np.empty(capacity, dtype=np.int64) for _ in range(5))
    kinds, ok = np.empty(capacity, dtype=np.int8), np.empty(capacity, dtype=np.uint8)
    plain = b"\r" not in raw or raw.count(b"\r") == raw.count(b"\r\n")  # no CR but in line endings
    records = _kernels.parse_instructions(body, len(body), 2, number_at, kind_at, time_at, len(header), plain,
                                          lines, numbers, kinds, micros, ok, starts, ends)
    if records < 0:
        return None
    good = ok[:records].view(bool)
    asked = np.flatnonzero(~good)
    if not len(asked):
        return FastInstructions(numbers[:records], kinds[:records], micros[:records], ())
    numbers, kinds, micros = numbers[:records][good], kinds[:records][good], micros[:records][good]
    # The lines C left alone, as a file of their own under the same header: its line k + 2 is asked[k]'s line.
    at = feed + 1
    pieces = [header_line if header_line.endswith(b"\n") else header_line + b"\n"]
    pieces += [raw[at + s : at + e] + b"\n" for s, e in zip(starts[asked].tolist(), ends[asked].tolist(), strict=True)]
    rows = read_instruction_rows(b"".join(pieces))
    line_of = lines[asked]
    from telreg.senders.scrub.instructions import micros as micros_of  # (instructions imports this module)

    return FastInstructions(
        numbers=np.concatenate([numbers, rows.numbers]),
        kinds=np.concatenate([kinds, rows.kinds]),
        micros=np.concatenate([micros, np.array([micros_of(at) for at in rows.given_at], dtype=np.int64)]),
        problems=tuple((int(line_of[line - 2]), found) for line, found in rows.problems),
    )
