"""Stream a calling list in chunks of whole lines: plain or zipped, UTF-8 with or without a BOM, LF or CRLF.

A chunk is a numpy byte buffer holding whole lines (cut after its last line feed) followed by zero slack, so the
reasons table (outputs.py) can read fixed widths past any field without bounds checks. Memory stays flat: only a
few chunks are alive at once, whatever the size of the list. Lines are numbered from 1 as a text editor shows
them; with ``--column`` line 1 is the header.

Refused before any work, each with the reason: a missing or empty list, a directory, a zip holding other than one
file, a UTF-16 file, a binary file (NUL or other control bytes), lines ending in CR only, a header without the
chosen column, a list whose header is all there is.
"""

from __future__ import annotations

import csv
import hashlib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from telreg.core.i18n import N_
from telreg.senders.scrub.errors import ListRefused
from telreg.senders.scrub.numbers import SLACK
from telreg.senders.scrub.scratch import BufferPool

__all__ = ["BOM", "CHANGED", "Chunk", "Layout", "ListSource", "open_list"]

BOM = b"\xef\xbb\xbf"
_SNIFF = 1 << 16
_MAX_HEADER = 1 << 20
_DELIMITERS = (",", ";", "\t", "|")
CHANGED = N_("The list changed while it was being scrubbed (its lines are not those read a moment ago); "
             "scrub a copy that nothing is writing to.")
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(9), *range(14, 28), 127]] = True


@dataclass(frozen=True)
class Chunk:
    index: int
    buf: npt.NDArray[np.uint8]  # size bytes of whole lines, then SLACK zero bytes
    size: int
    first_line: int  # the number of the chunk's first line in the file
    offset: int  # where the chunk starts in the (uncompressed) text
    lines: int  # how many lines it holds


@dataclass(frozen=True)
class Layout:
    """What the start of the file says about the rest: BOM, header, the column to read."""

    bom: bool
    header: bytes | None  # the header line with its line ending, without the BOM
    delimiter: bytes | None
    column: int | None
    column_name: str | None
    body_offset: int  # bytes before the first line to decide on (BOM and header)
    first_line: int


class ListSource:
    """A calling list on disk: a text file, or a zip holding one text file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise ListRefused(N_("The list %(path)s does not exist."), path=str(path))
        if path.is_dir():
            raise ListRefused(N_("%(path)s is a directory; give the list file itself."), path=str(path))
        self._identity = self._stat()
        with open(path, "rb") as handle:
            magic = handle.read(4)
        self.zipped = magic == b"PK\x03\x04" or (magic[:2] == b"PK" and path.suffix.lower() == ".zip")
        self.entry: str | None = None
        if self.zipped:
            try:
                with zipfile.ZipFile(path) as archive:
                    files = [i for i in archive.infolist() if not i.is_dir()]
            except zipfile.BadZipFile:
                raise ListRefused(N_("%(file)s looks like a zip file but cannot be opened as one."),
                                  file=path.name) from None
            if len(files) != 1:
                raise ListRefused(N_("%(file)s holds %(count)s files; a zipped list must hold exactly one."),
                                  file=path.name, count=len(files))
            self.entry, self.size = files[0].filename, files[0].file_size
        else:
            self.size = path.stat().st_size
        if self.size == 0:
            raise ListRefused(N_("The list %(file)s is empty: there is nothing to scrub."), file=path.name)

    def _stat(self) -> tuple[int, int, int, int]:
        status = self.path.stat()
        return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns

    def check_unchanged(self) -> None:
        """Refuse the list when its file was replaced or written to since it was opened: the two passes (and the
        receipt's checksum, taken in the first) must have read the same bytes."""
        if self._stat() != self._identity:
            raise ListRefused(CHANGED)

    def open(self) -> BinaryIO:
        if self.zipped:
            archive = zipfile.ZipFile(self.path)
            return archive.open(self.entry)  # type: ignore[arg-type, return-value]
        return open(self.path, "rb")

    def sha256(self) -> str:
        """SHA-256 of the file as given (the zip itself when zipped): what the receipt names."""
        digest = hashlib.sha256()
        with open(self.path, "rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
        return digest.hexdigest()

    def layout(self, column: str | None) -> Layout:
        with self.open() as stream:
            head = stream.read(_MAX_HEADER if column else _SNIFF)
        _refuse_binary(self.path.name, head[:_SNIFF])
        bom = head.startswith(BOM)
        start = len(BOM) if bom else 0
        if not head[start:].strip() and self.size <= len(head):
            raise ListRefused(N_("The list %(file)s holds no lines, only blanks: there is nothing to scrub."),
                              file=self.path.name)
        if column is None:
            return Layout(bom, None, None, None, None, start, 1)
        end = head.find(b"\n", start)
        if end < 0 and len(head) >= _MAX_HEADER:
            raise ListRefused(N_("The first line of %(file)s is over %(limit)s bytes; it is not a header."),
                              file=self.path.name, limit=_MAX_HEADER)
        header = head[start : end + 1] if end >= 0 else head[start:]
        index, delimiter = _find_column(self.path.name, header, column)
        if end < 0 or (not head[end + 1 :].strip() and self.size <= len(head)):
            raise ListRefused(N_("The list %(file)s has a header but no lines under it."),
                              file=self.path.name)
        return Layout(bom, header, delimiter, index, column, start + len(header), 2)


def _refuse_binary(name: str, head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ListRefused(N_("%(file)s is UTF-16 text; save the list as UTF-8 (or plain ASCII) and scrub it "
                             "again."), file=name)
    sample = np.frombuffer(head, dtype=np.uint8)
    if (sample == 0).any() or _CONTROL[sample].mean() > 0.01:
        raise ListRefused(N_("%(file)s looks like a binary file, not a text list of numbers (it holds "
                             "control bytes)."), file=name)
    if b"\n" not in head and b"\r" in head:
        raise ListRefused(N_("%(file)s ends its lines with CR only (an old Mac format); save it with LF or "
                             "CRLF line endings."), file=name)


def _find_column(name: str, header: bytes, column: str) -> tuple[int, bytes]:
    try:
        text = header.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ListRefused(N_("The header of %(file)s is not UTF-8 text."), file=name) from None
    # The header tells the separator: the most frequent of comma, semicolon, tab and bar (comma when none).
    delimiter = max(_DELIMITERS, key=lambda d: (text.count(d), d == ","))
    names = next(csv.reader([text], delimiter=delimiter))
    wanted = [i for i, n in enumerate(names) if n.strip() == column.strip()]
    if not wanted:
        folded = [i for i, n in enumerate(names) if n.strip().casefold() == column.strip().casefold()]
        found = ", ".join(repr(n.strip()) for n in names)
        if folded:
            raise ListRefused(N_("%(file)s has no column %(column_name)s (did you mean %(suggestion)s?); its "
                                 "header names: %(names)s."), file=name, column_name=repr(column),
                              suggestion=repr(names[folded[0]].strip()), names=found)
        raise ListRefused(N_("%(file)s has no column %(column_name)s; its header names: %(names)s."),
                          file=name, column_name=repr(column), names=found)
    if len(wanted) > 1:
        raise ListRefused(N_("%(file)s has %(count)s columns named %(column_name)s; rename all but one."),
                          file=name, count=len(wanted), column_name=repr(column))
    return wanted[0], delimiter.encode()


def iter_chunks(stream: BinaryIO, *, layout: Layout, chunk_bytes: int, hasher: hashlib._Hash | None = None,
                buffers: BufferPool | None = None, line_counts: Sequence[int] | None = None) -> Iterator[Chunk]:
    """Yield chunks of whole lines after the layout's body offset.

    Each block is read straight into the chunk's numpy buffer (no intermediate bytes objects to join and slice: the
    main thread that reads is the one serial part of a scrub). Without ``line_counts`` (pass 1, which counts the
    lines as it reads them) chunks are not numbered: ``lines`` and ``first_line`` are -1. With them (pass 2, the
    same bytes cut at the same places) chunk k holds line_counts[k] lines and is numbered from there; a list that
    no longer cuts into as many chunks has changed since pass 1 and is refused."""
    skipped = stream.read(layout.body_offset)
    if hasher is not None:
        hasher.update(skipped)
    carry = np.empty(0, dtype=np.uint8)
    line, offset, index = layout.first_line, layout.body_offset, 0
    while True:
        kept = len(carry)
        size = kept + chunk_bytes + SLACK
        buf = buffers.take(size) if buffers is not None else np.empty(size, dtype=np.uint8)
        buf[:kept] = carry
        got = _read_into(stream, memoryview(buf)[kept : kept + chunk_bytes])
        if hasher is not None and got:
            hasher.update(memoryview(buf)[kept : kept + got])
        size = kept + got
        cut = size if not got else _after_last_feed(buf, size)
        if got and cut == 0:  # one line longer than a chunk: keep reading until it ends
            carry = buf[:size]
            continue
        if cut:
            if line_counts is not None and index >= len(line_counts):
                raise ListRefused(CHANGED)
            lines = -1 if line_counts is None else line_counts[index]
            carry = buf[cut:size].copy()
            buf[cut : cut + SLACK] = 0
            yield Chunk(index, buf, cut, line if line_counts is not None else -1, offset, lines)
            line += max(lines, 0)
            offset += cut
            index += 1
        if not got:
            if line_counts is not None and index != len(line_counts):
                raise ListRefused(CHANGED)
            return


def _read_into(stream: BinaryIO, view: memoryview) -> int:
    """Fill ``view`` from the stream as far as it goes; return the bytes read (short only at the end)."""
    done = 0
    while done < len(view):
        got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not got:
            break
        done += got
    return done


def _after_last_feed(buf: npt.NDArray[np.uint8], size: int) -> int:
    """The offset just after the last line feed in buf[:size] (0 when there is none); looks at the tail first."""
    at = size
    while at > 0:
        start = max(0, at - (1 << 16))
        feeds = np.flatnonzero(buf[start:at] == 10)
        if len(feeds):
            return start + int(feeds[-1]) + 1
        at = start
    return 0


def open_list(path: Path) -> ListSource:
    return ListSource(path)
