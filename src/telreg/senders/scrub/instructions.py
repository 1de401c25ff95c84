"""A sender's own consent and unsubscribe instructions, reduced to each number's latest one.

The file is CSV with the header ``number,instruction,at`` (extra columns such as ``channel`` or ``reference`` are
allowed and ignored); ``instruction`` is ``consent`` or ``unsubscribe``; ``at`` is an ISO date-time (Hong Kong time
when it has no offset) or an ISO date (taken as its first instant).

The latest instruction wins (seed 001 Q1.4, seed 004 Q1.6: an unsubscribe request withdraws consent, a later consent
restores it). When a consent and an unsubscribe carry the *same* timestamp, the unsubscribe wins: we cannot tell
which came last, and sending to someone who asked to stop is the harm the law guards against, while not sending to
someone who consented costs one message. A file with any bad line is refused whole, listing the lines, so a scrub
never runs on half a list.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from telreg.core.clock import to_hk
from telreg.senders.scrub.errors import InstructionsRefused
from telreg.senders.scrub.numbers import SLACK, invalid_reason, parse_fields

__all__ = ["CONSENT", "UNSUBSCRIBE", "Instructions", "load_instructions", "parse_at"]

CONSENT, UNSUBSCRIBE = 1, 2  # UNSUBSCRIBE sorts after CONSENT, so at equal times it is the one kept
_NAMES = {"consent": CONSENT, "unsubscribe": UNSUBSCRIBE}
_REQUIRED = ("number", "instruction", "at")
_MAX_LISTED_ERRORS = 20
_SIEVE_BITS = 1 << 20


@dataclass(frozen=True)
class Instructions:
    """Numbers with an instruction, ascending, each with its latest instruction and when it was given."""

    numbers: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int8]
    given_at: tuple[dt.datetime, ...]
    lines: int
    sha256: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        # A sender's lists are small next to a calling list: a 128 KB bit filter on the low 20 bits of a number stays
        # in the CPU cache, so most of the list's numbers are ruled out without a miss into a 12.5 MB bitset.
        sieve = np.zeros(_SIEVE_BITS // 8, dtype=np.uint8)
        low = self.numbers & (_SIEVE_BITS - 1)
        np.bitwise_or.at(sieve, low >> 3, np.left_shift(1, low & 7).astype(np.uint8))
        object.__setattr__(self, "_sieve", sieve)

    @property
    def sieve(self) -> npt.NDArray[np.uint8]:
        """The bit filter on the low 20 bits of the numbers (the scrub's C loop tests it before searching)."""
        return self._sieve  # type: ignore[attr-defined, no-any-return]

    @classmethod
    def empty(cls) -> Instructions:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8), (), 0)

    def latest(self, numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
        """The latest instruction kind for each number (0 when there is none)."""
        kinds = np.zeros(len(numbers), dtype=np.int8)
        if len(self.numbers) == 0:
            return kinds
        low = numbers & (_SIEVE_BITS - 1)
        sieve: npt.NDArray[np.uint8] = self._sieve  # type: ignore[attr-defined]
        maybe = np.flatnonzero((sieve[low >> 3] >> (low & 7).astype(np.uint8)) & 1)
        where = np.minimum(np.searchsorted(self.numbers, numbers[maybe]), len(self.numbers) - 1)
        having = maybe[self.numbers[where] == numbers[maybe]]
        kinds[having] = self.kinds[where[self.numbers[where] == numbers[maybe]]]
        return kinds

    def when(self, number: int) -> dt.datetime:
        return self.given_at[int(np.searchsorted(self.numbers, number))]


def parse_at(text: str) -> dt.datetime:
    """An ISO date-time (Hong Kong when naive) or an ISO date (its first instant); ValueError otherwise.

    Also the database import's rule (senders.lists.csvfile), so a file means the same offline and online."""
    value = text.strip()
    try:
        return to_hk(dt.datetime.fromisoformat(value))
    except ValueError:
        return to_hk(dt.datetime.combine(dt.date.fromisoformat(value), dt.time()))


def _parse_numbers(values: list[str]) -> npt.NDArray[np.int64]:
    """Parse every number with the list parser (the same rules, vectorised); -1 where it is refused."""
    encoded = [v.encode("utf-8") for v in values]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    ends = np.cumsum(lengths + 1) - 1
    buf = np.zeros(int(ends[-1]) + 1 + SLACK if len(encoded) else SLACK, dtype=np.uint8)
    if encoded:
        buf[: int(ends[-1]) + 1] = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
    numbers, valid = parse_fields(buf, ends - lengths, ends)
    return np.where(valid, numbers, -1)


def load_instructions(path: Path) -> Instructions:
    """Read and check an instructions file; refuse it with every bad line listed (up to 20)."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise InstructionsRefused(f"--instructions {path}: cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise InstructionsRefused(f"--instructions {path}: is not UTF-8 text.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        raise InstructionsRefused(
            f"--instructions {path}: the header must name the columns number,instruction,at "
            f"(missing: {', '.join(missing)}; found: {', '.join(header) or 'nothing'})."
        )
    col = {name: header.index(name) for name in _REQUIRED}
    rows: list[tuple[int, dt.datetime, int]] = []
    errors: list[str] = []
    records = [(line, fields) for line, fields in enumerate(reader, start=2) if any(f.strip() for f in fields)]
    short = [(line, fields) for line, fields in records if len(fields) < len(header)]
    errors += [f"line {line}: has {len(fields)} columns, the header has {len(header)}" for line, fields in short]
    records = [(line, fields) for line, fields in records if len(fields) >= len(header)]
    numbers = _parse_numbers([fields[col["number"]] for _, fields in records])
    for (line, fields), number in zip(records, numbers.tolist(), strict=True):
        kind = _NAMES.get(fields[col["instruction"]].strip().lower())
        problems = []
        if number < 0:
            problems.append(invalid_reason(fields[col["number"]].encode()))
        if kind is None:
            problems.append(f"instruction {fields[col['instruction']]!r} is neither 'consent' nor 'unsubscribe'")
        try:
            at = parse_at(fields[col["at"]])
        except ValueError:
            problems.append(f"at {fields[col['at']]!r} is not an ISO date-time such as 2026-03-02T10:00")
        if problems:
            errors.append(f"line {line}: {'; '.join(problems)}")
        else:
            rows.append((number, at, kind))  # type: ignore[arg-type]
    errors.sort(key=lambda e: int(e.split(":")[0].split()[1]))
    if errors:
        shown = "\n  ".join(errors[:_MAX_LISTED_ERRORS])
        more = f"\n  … and {len(errors) - _MAX_LISTED_ERRORS} more" if len(errors) > _MAX_LISTED_ERRORS else ""
        raise InstructionsRefused(f"--instructions {path}: {len(errors)} bad line(s); nothing was scrubbed.\n  "
                                  f"{shown}{more}", bad_lines=len(errors))
    # Latest per number; at equal times the unsubscribe (the larger kind) sorts last and wins.
    rows.sort()
    latest: dict[int, tuple[dt.datetime, int]] = {}
    for number, at, kind in rows:
        latest[number] = (at, kind)
    numbers = np.array(sorted(latest), dtype=np.int64)
    return Instructions(
        numbers=numbers,
        kinds=np.array([latest[n][1] for n in numbers.tolist()], dtype=np.int8),
        given_at=tuple(latest[n][0] for n in numbers.tolist()),
        lines=len(rows),
        sha256=hashlib.sha256(raw).hexdigest(),
        source=path.name,
    )
