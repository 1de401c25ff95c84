"""Load a downloaded ``<register>-dated.zip`` after checking it against its ``.sha256`` file.

The dated file gives each listed number's registration date, not the day its protection starts, so protection is
computed here: the 10th working day strictly after registration (core/calendar.py). Offline, telreg knows the
general holidays (the ``holidays`` package, as the server does) but not which days had a black-rainstorm or gale
warning: those are recorded by officers in the regulator's database. A warning day pushes protection one day
*later*, so without it a scrub may block a number a little early, never late — the safe direction. A sender who
wants the exact dates passes ``--warning-days FILE`` (one ISO date per line, as published with the weather record).

The publication's date is the date of the entry's timestamp: the builder stamps each zip entry with the close of
registrations (23:00 on the publication date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mmap
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from telreg.core.calendar import WorkingCalendar
from telreg.core.i18n import N_
from telreg.senders.scrub import _kernels
from telreg.senders.scrub.bitset import Bitset
from telreg.senders.scrub.errors import PublicationRefused

try:  # ISA-L inflates ~2x faster than zlib; the publisher uses it too
    from isal import isal_zlib as _inflate_lib
except ImportError:  # pragma: no cover - isal is a declared dependency
    _inflate_lib = zlib  # type: ignore[assignment]

__all__ = ["DATED_WIDTH", "Publication", "load_publication", "read_warning_days"]

# One dated line, "NNNNNNNN,YYYYMMDD\r\n", as dnc/publish/formats.py writes it (a test pins the two together).
# Not imported from there: importing telreg.dnc.publish loads its service and SQLAlchemy, ~0.7 s of start-up for an
# offline tool that needs no database.
DATED_WIDTH = 8 + 1 + 8 + 2

_ENTRY = re.compile(r"^(?P<register>[a-z]+)-dated\.txt$")
_SHA256_LINE = re.compile(r"^(?P<hex>[0-9a-fA-F]{64})\s+\*?(?P<name>\S.*)$")


@dataclass(frozen=True)
class Publication:
    """A verified dated publication, as a bitset of listed numbers plus each one's registration date."""

    path: Path
    register: str
    date: dt.date
    sha256: str
    listed: Bitset
    count: int
    date_of_member: npt.NDArray[np.uint16]  # per listed number, in ascending order: index into registered_on
    registered_on: tuple[dt.date, ...]  # the distinct registration dates
    protected_from: tuple[dt.date, ...]  # the day protection starts, for each registration date

    def in_force(self, send_date: dt.date) -> npt.NDArray[np.bool_]:
        """Per distinct registration date: is protection in force on the send date?"""
        return np.array([start <= send_date for start in self.protected_from], dtype=bool)


def _expected_sha256(zip_path: Path) -> str:
    checksum = zip_path.with_name(zip_path.name + ".sha256")
    if not checksum.is_file():
        raise PublicationRefused(
            N_("%(checksum)s was not found beside %(file)s; download both files from the same publication so "
               "the register can be checked before it is used."), checksum=checksum.name, file=zip_path.name)
    first = checksum.read_text(encoding="ascii", errors="replace").strip().splitlines()
    match = _SHA256_LINE.match(first[0].strip()) if first else None
    if match is None:
        raise PublicationRefused(N_("%(checksum)s does not hold a SHA-256 checksum line ('<64 hex digits>  "
                                    "<file>')."), checksum=checksum.name)
    if match["name"].strip() != zip_path.name:
        raise PublicationRefused(N_("%(checksum)s is the checksum of %(named)s, not of %(file)s."),
                                 checksum=checksum.name, named=repr(match["name"].strip()),
                                 file=repr(zip_path.name))
    return match["hex"].lower()


def load_publication(zip_path: Path, *, register: str, calendar: WorkingCalendar,
                     protection_days: int | Callable[[], int] = 10) -> Publication:
    """Verify and read a dated publication; refuse it, saying why, when anything does not match.

    ``protection_days`` may be a callable, asked once the file has been read (the settings may still be loading)."""
    if not zip_path.is_file():
        raise PublicationRefused(N_("The publication %(path)s does not exist."), path=str(zip_path))
    content = _mapped(zip_path)
    actual = hashlib.sha256(content).hexdigest()
    expected = _expected_sha256(zip_path)
    if actual != expected:
        raise PublicationRefused(
            N_("%(file)s does not match its checksum file: SHA-256 %(actual)s, expected %(expected)s. The "
               "file is damaged or was altered; download it again before scrubbing."),
            file=zip_path.name, actual=actual, expected=expected,
        )
    try:
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
            if len(infos) != 1:
                raise PublicationRefused(N_("%(file)s should hold one file, not %(count)s."),
                                         file=zip_path.name, count=len(infos))
            entry = _ENTRY.match(infos[0].filename)
            stamp = infos[0].date_time
    except zipfile.BadZipFile as exc:  # checksum matched, yet not a zip
        raise PublicationRefused(N_("%(file)s is not a readable publication zip (%(reason)s)."),
                                 file=zip_path.name, reason=str(exc)) from None
    if entry is None:
        raise PublicationRefused(N_("%(file)s holds %(entry)s, not a '<register>-dated.txt' file; scrubbing "
                                    "needs the dated publication."), file=zip_path.name,
                                 entry=repr(infos[0].filename))
    if entry["register"] != register:
        raise PublicationRefused(N_("%(file)s is the %(holds)s register, but --register %(register)s was "
                                    "asked for."), file=zip_path.name, holds=entry["register"],
                                 register=register)
    listed, dates = Bitset(), _Dates()
    try:
        date_of_member = _read_dated(zip_path.name, content, infos[0], listed, dates)
    except (zipfile.BadZipFile, ValueError, zlib.error) as exc:
        raise PublicationRefused(N_("%(file)s is not a readable publication zip (%(reason)s)."),
                                 file=zip_path.name, reason=str(exc)) from None
    registered_on = dates.in_order(zip_path.name, date_of_member)
    days = protection_days() if callable(protection_days) else protection_days
    protected_from = _protection_starts(registered_on, calendar, days)
    return Publication(
        path=zip_path, register=register, date=dt.date(*stamp[:3]), sha256=actual, listed=listed,
        count=len(date_of_member), date_of_member=date_of_member, registered_on=registered_on,
        protected_from=protected_from,
    )


class _Dates:
    """The distinct registration dates met while parsing, each given a slot when first met (see parse_dated in
    _kernels.c), and put in date order at the end."""

    def __init__(self) -> None:
        self.slot_of = np.zeros(512 << 9, dtype=np.int32)  # date code -> slot + 1 (0: not met yet)
        self.code_of = np.zeros(1 << 16, dtype=np.uint32)  # slot -> date code
        self.state = np.zeros(1, dtype=np.int64)  # slots given

    def in_order(self, name: str, members: npt.NDArray[np.uint16]) -> tuple[dt.date, ...]:
        """Turn the members' slots into indexes of the dates in ascending order; return those dates."""
        codes = self.code_of[: int(self.state[0])]
        order = np.argsort(codes, kind="stable")
        rank = np.empty(len(codes), dtype=np.uint16)
        rank[order] = np.arange(len(codes), dtype=np.uint16)
        _kernels.remap(members, rank)
        try:
            return tuple(dt.date((k >> 9) + 1900, (k >> 5) & 15, k & 31) for k in codes[order].tolist())
        except ValueError:
            raise PublicationRefused(N_("%(file)s holds a registration date that is not a date."),
                                     file=name) from None


_PIECE = 512 << 10  # compressed bytes handed to the inflater at a time (see _inflated)
_OUT = 1 << 20  # inflated bytes parsed at a time, while they are in the cache


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, mapped rather than read: read into a new 20 MB buffer they were 5,000 fresh pages to fault
    in; mapped, they are the page cache's own (an empty file cannot be mapped: its checksum is refused anyway)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _read_dated(name: str, content: bytes | mmap.mmap, info: zipfile.ZipInfo, listed: Bitset, dates: _Dates,
                ) -> npt.NDArray[np.uint16]:
    """Inflate the entry piece by piece and read its fixed-width ``NNNNNNNN,YYYYMMDD\\r\\n`` lines: each number's
    date slot (see ``_Dates``), filling ``listed``; the CRC and size are checked at the end.

    Why in pieces: the whole entry (57 MB for 3 million numbers) inflated at once is as much fresh memory to fault in
    and as many cache misses to read back as the inflating itself (zipfile's own reader, besides, inflates with zlib
    at half ISA-L's speed)."""
    width = DATED_WIDTH
    if info.file_size % width:
        raise PublicationRefused(N_("%(file)s is not in the dated format (its length is not whole lines)."),
                                 file=name)
    offset = info.header_offset
    if content[offset : offset + 4] != b"PK\x03\x04":
        raise ValueError("no local file header where the directory says")
    name_len, extra_len = struct.unpack("<HH", content[offset + 26 : offset + 30])
    start = offset + 30 + name_len + extra_len
    packed = memoryview(content)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes | memoryview] = iter([packed])
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _inflated(packed)
    else:
        raise ValueError("the entry is neither stored nor deflated")
    members = np.empty(info.file_size // width, dtype=np.uint16)
    carry, crc, size, line, previous = b"", 0, 0, 0, -1

    def parse(data: bytes | memoryview) -> None:
        nonlocal line, previous
        if line + len(data) // width > len(members):
            raise ValueError("the entry holds more than its stated size")
        problem, at, previous = _kernels.parse_dated(data, members[line:], listed.words, previous, dates.slot_of,
                                                     dates.code_of, dates.state)
        if problem == 1:
            raise PublicationRefused(N_("%(file)s is not in the dated format (line %(line)s is not "
                                        "'NNNNNNNN,YYYYMMDD' with a registration date)."), file=name,
                                     line=line + at + 1)
        if problem == 2:
            raise PublicationRefused(N_("%(file)s does not list its numbers in ascending order once each "
                                        "(line %(line)s)."), file=name, line=line + at + 1)
        if problem == 3:
            raise PublicationRefused(N_("%(file)s holds more than 65,536 distinct registration dates (line "
                                        "%(line)s): 179 years of daily dates, not a real publication."),
                                     file=name, line=line + at + 1)
        line += len(data) // width

    for piece in pieces:
        crc, size = _inflate_lib.crc32(piece, crc), size + len(piece)
        view = memoryview(piece)
        if carry:  # the line cut between two pieces: completed, then parsed alone (no copy of the piece)
            need = width - len(carry)
            carry += bytes(view[:need])
            view = view[need:]
            if len(carry) < width:
                continue
            parse(carry)
            carry = b""
        whole = len(view) // width * width
        parse(view[:whole])
        carry = bytes(view[whole:])
    if carry or size != info.file_size or crc != info.CRC:
        raise ValueError("the entry's CRC or size does not match")
    return members


def _inflated(packed: memoryview) -> Iterator[bytes]:
    """The inflated entry in pieces of at most _OUT bytes, from _PIECE bytes of input at a time. The sizes were
    measured: unbounded pieces (~3 MB) or an unconsumed input of 1 MB copied at every call were fresh allocations
    every time (9,000-14,000 page faults for 3 million numbers, more than the parsing costs); 64 KB pieces faulted
    little but made 900 round trips through Python, each a wait for the GIL while the list's first pass runs (the
    load took twice its CPU time in wall time); 512 KB in and 1 MB out reuse their memory after the first few and make
    75 calls."""
    inflater = _inflate_lib.decompressobj(-15)
    for at in range(0, len(packed), _PIECE):
        data: bytes | memoryview = packed[at : at + _PIECE]
        while data:
            if out := inflater.decompress(data, _OUT):
                yield out
            data = inflater.unconsumed_tail
    if tail := inflater.flush():
        yield tail


def _protection_starts(days: tuple[dt.date, ...], calendar: WorkingCalendar, n: int) -> tuple[dt.date, ...]:
    """The nth working day after each day, walking the calendar once instead of n days per registration date."""
    if not days or n == 0:
        return days
    first, last = days[0], calendar.add_working_days(days[-1], n)
    span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    working = np.array([d.toordinal() for d in span if calendar.is_working_day(d)], dtype=np.int64)
    ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
    nth = working[np.searchsorted(working, ordinals, side="right") + n - 1]
    return tuple(dt.date.fromordinal(int(o)) for o in nth)


def read_warning_days(path: Path) -> frozenset[dt.date]:
    """Read warning days: one ISO date per line; blank lines and lines starting with '#' are ignored."""
    days: set[dt.date] = set()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PublicationRefused(N_("--warning-days %(path)s: cannot be read as text (%(reason)s)."),
                                 path=str(path), reason=str(exc)) from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            days.add(dt.date.fromisoformat(line.split(",")[0].strip()))
        except ValueError:
            raise PublicationRefused(N_("--warning-days %(path)s, line %(line)s: %(value)s is not an ISO "
                                        "date such as 2026-09-15."), path=str(path), line=number,
                                     value=repr(line)) from None
    return frozenset(days)
