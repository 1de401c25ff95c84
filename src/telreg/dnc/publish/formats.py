"""The published file formats: fixed-width text made with numpy, single-entry zip files, checksum files.

Text inside the zips is ASCII with **CRLF** line endings (RFC 4180's CSV line break, and what senders' Windows
tools expect); the ending is part of the published contract and never changes:

* ``<register>-numbers.txt``  — ``NNNNNNNN\\r\\n``: one 8-digit number per line, ascending.
* ``<register>-dated.txt``    — ``NNNNNNNN,YYYYMMDD\\r\\n``: number and registration date, ascending by number.
* ``<register>-changes-<seq>.txt`` — since the previous publication: first every removal ``-NNNNNNNN\\r\\n``, then
  every addition ``+NNNNNNNN,YYYYMMDD\\r\\n``, each block ascending. A number whose registration date changed (it
  was removed and registered again) appears in both blocks. Applying a change file is: delete the ``-`` numbers,
  then add the ``+`` lines (``apply_changes``).

Every line has a fixed width, so formatting writes each 8-digit field as one word (``digits.ascii8``) into a
preallocated array of records (no per-line Python), and reading a published file back is a view and a parse.

Zips hold one deflated entry, written by hand so that compression can go through ISA-L (``isal``) on several
threads: the text is cut into chunks, each deflated independently and ended with a sync flush (pigz's method), and
the concatenation is one valid deflate stream. Timestamps are the publication's cut-off, so the same data always
gives byte-identical zips (and checksums). Checksum files are ``<hex>  <file name>\\n``, as ``md5sum -c`` and
``sha256sum -c`` read them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from telreg.dnc.publish.digits import Words, ascii8, is_ascii8, parse8, words8

try:  # ISA-L deflates ~3x faster than zlib at level 1 and releases the GIL
    from isal import isal_zlib as _deflate_lib
except ImportError:  # pragma: no cover - isal is a declared dependency; zlib keeps the formats identical
    _deflate_lib = zlib  # type: ignore[assignment]
_crc32_combine = getattr(_deflate_lib, "crc32_combine", None)
_crc32 = getattr(_deflate_lib, "crc32", zlib.crc32)  # ISA-L's folds with carry-less multiplies: ~10× zlib's

__all__ = [
    "CHUNK_INDEX_SUFFIX",
    "CRLF",
    "DATED_WIDTH",
    "NUMBERS_WIDTH",
    "WrittenFile",
    "apply_changes",
    "changes_text",
    "crc32_combine",
    "dated_text",
    "deflate_chunks",
    "format_changes",
    "format_dated",
    "format_numbers",
    "numbers_text",
    "parse_dated",
    "read_zip_entry",
    "write_zip",
    "zip_headers",
]

CRLF = b"\r\n"
NUMBERS_WIDTH = 8 + len(CRLF)
DATED_WIDTH = 8 + 1 + 8 + len(CRLF)
REMOVAL_WIDTH = 1 + 8 + len(CRLF)
ADDITION_WIDTH = 1 + DATED_WIDTH
CHUNK = 4 << 20  # deflate chunks: big enough that the sync-flush overhead is negligible
DEFLATE_LEVEL = 1  # level 6 costs ~6x the time for ~20% smaller files; level 9 26x for 1.5% more

U64 = npt.NDArray[np.uint64]

# Rows as structured records: each 8-digit field is one little-endian word of ASCII digits (``digits.ascii8``), so
# formatting a register is a few whole-array assignments into one preallocated buffer.
_NUMBERS_ROW = np.dtype({"names": ["n", "eol"], "formats": ["<u8", "<u2"], "offsets": [0, 8],
                         "itemsize": NUMBERS_WIDTH})
_DATED_ROW = np.dtype({"names": ["n", "comma", "d", "eol"], "formats": ["<u8", "u1", "<u8", "<u2"],
                       "offsets": [0, 8, 9, 17], "itemsize": DATED_WIDTH})
_REMOVAL_ROW = np.dtype({"names": ["sign", "n", "eol"], "formats": ["u1", "<u8", "<u2"], "offsets": [0, 1, 9],
                         "itemsize": REMOVAL_WIDTH})
_ADDITION_ROW = np.dtype({"names": ["sign", "n", "comma", "d", "eol"],
                          "formats": ["u1", "<u8", "u1", "<u8", "<u2"], "offsets": [0, 1, 9, 10, 18],
                          "itemsize": ADDITION_WIDTH})
_EOL = int.from_bytes(CRLF, "little")


def _bytes_of(rows: np.ndarray) -> npt.NDArray[np.uint8]:
    """The rows' bytes as a flat uint8 array (no copy): what ``write_zip`` deflates and hashes."""
    return rows.view(np.uint8).reshape(-1)


def numbers_text(numbers: Any, *, words: Words | None = None) -> npt.NDArray[np.uint8]:
    """The numbers-only text as a byte array; ``words`` are the numbers' ``ascii8`` words when already made."""
    out = np.empty(len(numbers), dtype=_NUMBERS_ROW)
    out["n"] = ascii8(numbers) if words is None else words
    out["eol"] = _EOL
    return _bytes_of(out)


def dated_text(numbers: Any, dates: Any, *, words: Words | None = None) -> npt.NDArray[np.uint8]:
    """The dated text as a byte array (see ``numbers_text`` for ``words``)."""
    out = np.empty(len(numbers), dtype=_DATED_ROW)
    out["n"] = ascii8(numbers) if words is None else words
    out["comma"] = ord(",")
    out["d"] = ascii8(dates)
    out["eol"] = _EOL
    return _bytes_of(out)


def changes_text(removed: Any, added: Any, added_dates: Any) -> npt.NDArray[np.uint8]:
    """A change file's text as a byte array: the removals block, then the additions block."""
    minus = np.empty(len(removed), dtype=_REMOVAL_ROW)
    minus["sign"], minus["n"], minus["eol"] = ord("-"), ascii8(removed), _EOL
    plus = np.empty(len(added), dtype=_ADDITION_ROW)
    plus["sign"], plus["n"], plus["comma"], plus["d"], plus["eol"] = (
        ord("+"), ascii8(added), ord(","), ascii8(added_dates), _EOL)
    return np.concatenate([_bytes_of(minus), _bytes_of(plus)])


def format_numbers(numbers: Any) -> bytes:
    """Format sorted numbers as the numbers-only text."""
    return numbers_text(numbers).tobytes()


def format_dated(numbers: Any, dates: Any) -> bytes:
    """Format numbers with their YYYYMMDD date codes as the dated text."""
    return dated_text(numbers, dates).tobytes()


def format_changes(removed: Any, added: Any, added_dates: Any) -> bytes:
    """Format a change file: the removals block, then the additions block."""
    return changes_text(removed, added, added_dates).tobytes()


_WEIGHTS8 = np.array([10**k for k in range(7, -1, -1)], dtype=np.uint64)


def digits_to_int(block: npt.NDArray[np.uint8]) -> U64:
    """Turn rows of ASCII digits (an (n, k) byte matrix, k ≤ 8) into integers; refuse anything but digits."""
    if block.shape[1] == 8:  # every field the formats have: the word-at-a-time path
        words = words8(block)
        if not is_ascii8(words):
            raise ValueError("a fixed-width field holds something other than digits")
        return parse8(words)
    values = block.astype(np.uint64) - np.uint64(ord("0"))
    if values.size and values.max() > 9:  # wrapped-around negatives are huge too
        raise ValueError("a fixed-width field holds something other than digits")
    return values @ _WEIGHTS8[8 - block.shape[1] :]


def parse_fixed(data: bytes, width: int) -> npt.NDArray[np.uint8]:
    """View fixed-width lines as an (n, width) byte matrix."""
    if len(data) % width:
        raise ValueError(f"{len(data)} bytes are not whole lines of {width} bytes")
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, width)


def parse_dated(data: bytes) -> tuple[U64, U64]:
    """Read the dated text back into (numbers, dates)."""
    if len(data) % DATED_WIDTH:
        raise ValueError(f"{len(data)} bytes are not whole lines of {DATED_WIDTH} bytes")
    rows = np.frombuffer(data, dtype=_DATED_ROW)
    if len(rows) and not ((rows["comma"] == ord(",")).all() and (rows["eol"] == _EOL).all()):
        raise ValueError("a dated line lacks its comma or its CRLF")
    numbers, dates = rows["n"].copy(), rows["d"].copy()  # aligned copies of the unaligned fields
    if not (is_ascii8(numbers) and is_ascii8(dates)):
        raise ValueError("a fixed-width field holds something other than digits")
    return parse8(numbers), parse8(dates)


def dos_datetime(at: dt.datetime) -> tuple[int, int]:
    return (at.hour << 11) | (at.minute << 5) | (at.second // 2), ((at.year - 1980) << 9) | (at.month << 5) | at.day


def _deflate_chunk(chunk: bytes, final: bool) -> bytes:
    compressor = _deflate_lib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(chunk) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A+B from crc32(A), crc32(B) and len(B) (ISA-L's, or zlib's GF(2) method in Python)."""
    if _crc32_combine is not None:
        return int(_crc32_combine(crc1, crc2, len2))
    return _crc32_combine_gf2(crc1, crc2, len2)


_CRC_POLY = 0xEDB88320


def _multmodp(a: int, b: int) -> int:
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if (a & (m - 1)) == 0:
                break
        m >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1
    return p


_X2N = [1 << 30]  # x^(2^k) mod p, reflected (zlib's x2n_table)
for _ in range(31):
    _X2N.append(_multmodp(_X2N[-1], _X2N[-1]))


def _crc32_combine_gf2(crc1: int, crc2: int, len2: int) -> int:
    """zlib 1.2.12's crc32_combine: crc1 times x^(8*len2) mod p, plus crc2."""
    p, k, n = 1 << 31, 3, len2
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


def _chunks(data: Any) -> list[tuple[memoryview, bool]]:
    view = memoryview(data).cast("B")
    starts = list(range(0, len(view), CHUNK)) or [0]
    return [(view[s : s + CHUNK], i == len(starts) - 1) for i, s in enumerate(starts)]


def deflate_chunks(data: Any, *, pool: ThreadPoolExecutor | None = None) -> list[tuple[bytes, int, int]]:
    """Deflate in independent chunks: (compressed bytes, raw length, CRC-32 of the raw chunk) per chunk.

    ``data`` is any contiguous buffer (bytes, a numpy byte array): chunks are views of it, never copies."""

    def run(job: tuple[memoryview, bool]) -> tuple[bytes, int, int]:
        return _deflate_chunk(*job), len(job[0]), _crc32(job[0])

    jobs = _chunks(data)
    if pool is None or len(jobs) == 1:
        return [run(job) for job in jobs]
    return list(pool.map(run, jobs))


@dataclass(frozen=True)
class WrittenFile:
    name: str
    bytes: int
    md5: str
    sha256: str
    lines: int
    content_bytes: int

    def as_dict(self) -> dict[str, object]:
        return {"file": self.name, "bytes": self.bytes, "md5": self.md5, "sha256": self.sha256,
                "lines": self.lines, "content_bytes": self.content_bytes}


def zip_headers(entry: str, *, crc: int, size: int, raw: int, stamp: dt.datetime | tuple[int, int]
                ) -> tuple[bytes, bytes, bytes]:
    """The local header, central directory entry and end record of a one-entry deflated zip."""
    if size >= 0xFFFFFFFF or raw >= 0xFFFFFFFF:
        raise ValueError("a register file of 4 GiB or more would need ZIP64")  # 250 million numbers
    mtime, mdate = stamp if isinstance(stamp, tuple) else dos_datetime(stamp)
    name = entry.encode("ascii")
    common = struct.pack("<HHHHHIII", 20, 0, zipfile.ZIP_DEFLATED, mtime, mdate, crc, size, raw)
    local = struct.pack("<I", 0x04034B50) + common + struct.pack("<HH", len(name), 0) + name
    central = (
        struct.pack("<IH", 0x02014B50, (3 << 8) | 20) + common
        + struct.pack("<HHHHHII", len(name), 0, 0, 0, 1, 0o100644 << 16, 0) + name
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + size, 0)
    return local, central, end


# The chunk index written beside a zip (``<name>.zip.chunks``; never in the manifest, never served): where each
# deflate chunk starts in the zip and how long it is, its raw length and CRC-32, so that an account's variant
# (enforcement.seeds.variants) recompresses only the chunks that receive lines and copies the others.
CHUNK_INDEX_SUFFIX = ".chunks"


def write_zip(
    path: Path, *, entry: str, data: Any, lines: int, stamp: dt.datetime, pool: ThreadPoolExecutor | None = None,
    chunk_index: dict[str, Any] | None = None,
) -> WrittenFile:
    """Write a one-entry zip, its .md5 and .sha256 files; fsync all three; hash the zip while writing it.

    ``data`` is the entry's text as bytes or any contiguous byte buffer. With ``chunk_index`` (extra fields such as
    the line width), the chunk index is written beside the zip too."""
    chunks = deflate_chunks(data, pool=pool)
    parts = [c[0] for c in chunks]
    size = sum(len(p) for p in parts)
    raw = sum(c[1] for c in chunks)
    crc = 0
    for _, raw_length, chunk_crc in chunks:
        crc = crc32_combine(crc, chunk_crc, raw_length)
    local, central, end = zip_headers(entry, crc=crc, size=size, raw=raw, stamp=stamp)
    written = _write_pieces(path, (local, *parts, central, end), lines=lines, content_bytes=raw, pool=pool)
    if chunk_index is not None:
        offset, rows = len(local), []
        for compressed, raw_length, chunk_crc in chunks:
            rows.append([offset, len(compressed), raw_length, chunk_crc])
            offset += len(compressed)
        index = {"format": 1, "entry": entry, "chunk": CHUNK, "level": DEFLATE_LEVEL,
                 "stamp": list(dos_datetime(stamp)), "lines": lines, "sha256": written.sha256,
                 "chunks": rows, **chunk_index}
        _write_synced(path.with_name(path.name + CHUNK_INDEX_SUFFIX), json.dumps(index).encode())
    return written


def _hash_all(hasher: Any, pieces: list[bytes | memoryview]) -> Any:
    for piece in pieces:
        hasher.update(piece)  # hashlib releases the GIL for large buffers
    return hasher


def _write_pieces(path: Path, pieces: Iterable[bytes | memoryview], *, lines: int, content_bytes: int,
                  sync: bool = True, pool: ThreadPoolExecutor | None = None) -> WrittenFile:
    """Write a zip from its pieces, hashing it on the way, and its .md5 and .sha256 files (with a pool, the two
    hashes run on its threads while the file is written)."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    size = 0
    if pool is not None:
        pieces = list(pieces)
        hashed = [pool.submit(_hash_all, md5, pieces), pool.submit(_hash_all, sha, pieces)]
    with open(path, "wb") as out:
        for piece in pieces:
            if pool is None:
                md5.update(piece)
                sha.update(piece)
            out.write(piece)
            size += len(piece)
        out.flush()
        if sync:
            os.fsync(out.fileno())
    if pool is not None:
        md5, sha = hashed[0].result(), hashed[1].result()
    written = WrittenFile(path.name, size, md5.hexdigest(), sha.hexdigest(), lines, content_bytes)
    _write_synced(path.with_name(path.name + ".md5"), f"{written.md5}  {path.name}\n".encode(), sync=sync)
    _write_synced(path.with_name(path.name + ".sha256"), f"{written.sha256}  {path.name}\n".encode(), sync=sync)
    return written


def _write_synced(path: Path, content: bytes, *, sync: bool = True) -> None:
    with open(path, "wb") as out:
        out.write(content)
        out.flush()
        if sync:
            os.fsync(out.fileno())


def read_zip_entry(source: Path | bytes) -> bytes:
    """Return the content of a one-entry zip (a published file), checking its size and CRC.

    A deflated entry is inflated by ISA-L (~2.5× zlib, the GIL released); zipfile reads the directory and any
    other method."""
    content = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        infos = archive.infolist()
        if len(infos) != 1:
            raise ValueError(f"expected one file in the zip, found {len(infos)}")
        info = infos[0]
        if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
            return archive.read(info)
    at = info.header_offset
    if content[at : at + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("the entry's local header is missing")
    name_length, extra_length = struct.unpack_from("<HH", content, at + 26)
    start = at + 30 + name_length + extra_length
    data = _deflate_lib.decompress(memoryview(content)[start : start + info.compress_size], -15,
                                   max(info.file_size, 1))
    if len(data) != info.file_size or _crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 or size for the entry {info.filename}")
    return data


def apply_changes(previous_dated_lines: Iterable[str], change_file: Path | bytes) -> list[str]:
    """Apply a change file to the lines of the previous dated file; return the new lines, sorted.

    This is what a sender holding yesterday's ``<register>-dated`` file does with today's change file; the result
    is exactly today's dated file. Lines are given and returned without line endings.
    """
    current: dict[str, str] = {}
    for line in previous_dated_lines:
        line = line.strip()
        if line:
            current[line[:8]] = line
    for raw in read_zip_entry(change_file).decode("ascii").splitlines():
        if raw.startswith("-"):
            current.pop(raw[1:9], None)
        elif raw.startswith("+"):
            current[raw[1:9]] = raw[1:]
        elif raw:
            raise ValueError(f"not a change line: {raw!r}")
    return [current[number] for number in sorted(current)]
