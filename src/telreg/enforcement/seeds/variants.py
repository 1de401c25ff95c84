"""An account's copy of a publication file: the shared file with the account's seed numbers inserted, in order.

The shared zips are deflated in independent 4 MiB chunks, each ended by a sync flush (dnc.publish.formats), and the
publisher writes a chunk index beside each numbers/dated zip (``<file>.zip.chunks``: every chunk's offset and
length in the zip, raw length and CRC-32) and the register's sorted numbers (``<register>.numbers.npy``, uint32).
A variant therefore costs only the chunks that receive a seed line:

1. the line index of each seed is a binary search in the sorted numbers (every line has a fixed width, so the byte
   offset is index × width, and the chunk is offset // 4 MiB);
2. those chunks are inflated, the lines inserted, and deflated again at the same level with a sync flush (the last
   chunk final); every other chunk is copied byte for byte from the shared zip;
3. the entry's CRC-32 is the chunks' CRC-32s combined (``formats.crc32_combine``), and the zip headers are written
   with the new sizes.

A publication without an index (made before indexes existed) is rebuilt whole (decompress, insert, compress).
Change files are small (a day's differences): the account's change file is the shared one with the seeds that
entered or left the account's set between the previous publication and this one added to its blocks, rebuilt
whole; when the set did not change, the shared change file is the account's.

Variants are cached inside the publication (``.seeds/a<account>/<register>-<key>/``, ``key`` a digest of the seed
set, so a retirement makes a new variant), written to a temporary name and renamed: two downloads at once write
the same bytes. ``PublicationStore.prune`` deletes them with the publication's files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from telreg.dnc.publish import formats
from telreg.dnc.publish.formats import WrittenFile
from telreg.dnc.publish.store import VARIANTS_DIR

__all__ = ["Seed", "change_lines", "dated_line", "numbers_line", "seed_key", "splice", "variant", "variant_dir"]


@dataclass(frozen=True, order=True)
class Seed:
    """A seed number as it appears in an account's files: its number and the listing date it is shown with."""

    number: str
    listed_on: dt.date


def numbers_line(seed: Seed) -> bytes:
    return f"{seed.number}\r\n".encode("ascii")


def dated_line(seed: Seed) -> bytes:
    return f"{seed.number},{seed.listed_on:%Y%m%d}\r\n".encode("ascii")


def seed_key(*sets: Iterable[Seed]) -> str:
    """A short digest of seed sets (a cache key; never shown as such, and it names no number)."""
    text = "|".join(",".join(f"{s.number}:{s.listed_on.isoformat()}" for s in sorted(group)) for group in sets)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def variant_dir(publication: Path, account_id: int) -> Path:
    return publication / VARIANTS_DIR / f"a{account_id}"


def _positions(numbers: np.ndarray, seeds: Sequence[Seed]) -> list[tuple[int, Seed]]:
    """(line index, seed) of every seed not already a line of the file, in order."""
    ordered = sorted(seeds)
    # One search, with keys of the array's own dtype: a Python int key makes NumPy cast the whole (memory-mapped)
    # array for every search.
    values = np.array([int(seed.number) for seed in ordered], dtype=numbers.dtype)
    positions = np.searchsorted(numbers, values).tolist()
    out = []
    for seed, value, at in zip(ordered, values.tolist(), positions, strict=True):
        if at < len(numbers) and int(numbers[at]) == value:
            continue  # listed for real meanwhile: the shared line stands
        out.append((at, seed))
    return out


def splice(shared: Path, out: Path, *, seeds: Sequence[Seed], kind: str) -> WrittenFile:
    """Write ``out``: the shared numbers/dated zip with the seeds' lines inserted, recompressing only the chunks
    that receive them (or the whole file when the publication has no chunk index)."""
    line_of = dated_line if kind == "dated" else numbers_line
    index_path = shared.with_name(shared.name + formats.CHUNK_INDEX_SUFFIX)
    if not index_path.is_file():
        return _rebuild(shared, out, seeds=seeds, line_of=line_of, kind=kind)
    index = json.loads(index_path.read_bytes())
    numbers = np.load(shared.with_name(index["numbers"]), mmap_mode="r")
    inserts = _positions(numbers, seeds)
    width, chunk, chunks = int(index["width"]), int(index["chunk"]), index["chunks"]
    by_chunk: dict[int, list[tuple[int, bytes]]] = {}
    for at, seed in inserts:
        offset = at * width
        k = min(offset // chunk, len(chunks) - 1)
        by_chunk.setdefault(k, []).append((offset - k * chunk, line_of(seed)))
    last = len(chunks) - 1
    pool = _pool()

    def spliced(k: int, compressed: bytes) -> tuple[bytes, int, int]:
        raw = _inflate(compressed)
        raw_length, chunk_crc = chunks[k][2], chunks[k][3]
        if len(raw) != raw_length or _crc32(raw) != chunk_crc:
            raise RuntimeError(f"{shared} does not match its chunk index (chunk {k})")
        parts, at = [], 0
        for offset, line in by_chunk[k]:
            parts += [raw[at:offset], line]
            at = offset
        parts.append(raw[at:])
        text = b"".join(parts)
        return formats._deflate_chunk(text, k == last), len(text), _crc32(text)

    with open(shared, "rb") as source:
        fd = source.fileno()
        read = [os.pread(fd, length, start) for start, length, _, _ in chunks]
    redone = {k: pool.submit(spliced, k, read[k]) for k in by_chunk}
    pieces: list[bytes | memoryview] = []
    crc, raw_total = 0, 0
    for k, (_, _, raw_length, chunk_crc) in enumerate(chunks):
        if k in redone:
            compressed, raw_length, chunk_crc = redone[k].result()
            pieces.append(compressed)
        else:
            pieces.append(read[k])
        crc = formats.crc32_combine(crc, chunk_crc, raw_length)
        raw_total += raw_length
    size = sum(len(p) for p in pieces)
    local, central, end = formats.zip_headers(index["entry"], crc=crc, size=size, raw=raw_total,
                                              stamp=(index["stamp"][0], index["stamp"][1]))
    return _write(out, (local, *pieces, central, end), lines=int(index["lines"]) + len(inserts),
                  content_bytes=raw_total)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Two threads for the chunks to recompress and the two hashes (ISA-L, zlib and hashlib release the GIL)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="seed-variants")
        return _POOL


try:  # ISA-L inflates and checksums ~2-3x faster than zlib
    from isal import isal_zlib as _fast
except ImportError:  # pragma: no cover - isal is a declared dependency
    _fast = zlib  # type: ignore[assignment]


def _inflate(compressed: bytes) -> bytes:
    return _fast.decompressobj(-15).decompress(compressed)


def _crc32(data: bytes) -> int:
    return int(_fast.crc32(data))


def _rebuild(shared: Path, out: Path, *, seeds: Sequence[Seed], line_of: Callable[[Seed], bytes], kind: str) -> WrittenFile:
    """The fallback for a publication without a chunk index: decompress, insert, compress the whole file."""
    text = formats.read_zip_entry(shared)
    width = formats.DATED_WIDTH if kind == "dated" else formats.NUMBERS_WIDTH
    numbers = formats.digits_to_int(formats.parse_fixed(text, width)[:, 0:8])
    inserts = _positions(numbers, seeds)
    parts, at = [], 0
    for line_index, seed in inserts:
        parts += [text[at : line_index * width], line_of(seed)]
        at = line_index * width
    parts.append(text[at:])
    data = b"".join(parts)
    entry, stamp = _zip_info(shared)
    return _write_zip(out, entry=entry, data=data, lines=len(data) // width, stamp=stamp)


def change_lines(text: bytes, *, removed: Sequence[Seed], added: Sequence[Seed]) -> tuple[bytes, int]:
    """A change file's text with seed removals and additions merged into its two blocks, each ascending."""
    minus = [line for line in text.split(b"\r\n") if line.startswith(b"-")]
    plus = [line for line in text.split(b"\r\n") if line.startswith(b"+")]
    minus += [f"-{s.number}".encode() for s in removed]
    plus += [b"+" + dated_line(s)[:-2] for s in added]
    minus.sort(key=lambda line: line[1:9])
    plus.sort(key=lambda line: line[1:9])
    lines = minus + plus
    return b"".join(line + formats.CRLF for line in lines), len(lines)


def _change_file(shared: Path, out: Path, *, removed: Sequence[Seed], added: Sequence[Seed]) -> WrittenFile:
    data, count = change_lines(formats.read_zip_entry(shared), removed=removed, added=added)
    entry, stamp = _zip_info(shared)
    return _write_zip(out, entry=entry, data=data, lines=count, stamp=stamp)


def _zip_info(path: Path) -> tuple[str, tuple[int, int]]:
    """The entry name and DOS (time, date) stamp of a one-entry zip."""
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    year, month, day, hour, minute, second = info.date_time
    return info.filename, ((hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day)


def _write_zip(out: Path, *, entry: str, data: bytes, lines: int, stamp: tuple[int, int]) -> WrittenFile:
    chunks = formats.deflate_chunks(data)
    crc = 0
    for _, raw_length, chunk_crc in chunks:
        crc = formats.crc32_combine(crc, chunk_crc, raw_length)
    parts = [c[0] for c in chunks]
    local, central, end = formats.zip_headers(entry, crc=crc, size=sum(len(p) for p in parts), raw=len(data),
                                              stamp=stamp)
    return _write(out, (local, *parts, central, end), lines=lines, content_bytes=len(data))


def _write(out: Path, pieces: Sequence[bytes | memoryview], *, lines: int, content_bytes: int) -> WrittenFile:
    """Write the zip and its checksum files under temporary names, then rename (the zip last)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".partial-", dir=out.parent)
    os.close(handle)
    partial = Path(temporary)
    try:
        written = formats._write_pieces(partial, pieces, lines=lines, content_bytes=content_bytes, sync=False,
                                        pool=_pool())
        for suffix in (".md5", ".sha256"):
            text = partial.with_name(partial.name + suffix).read_text().replace(partial.name, out.name)
            partial.with_name(partial.name + suffix).unlink()
            out.with_name(out.name + suffix).write_text(text)
        os.replace(partial, out)
    except BaseException:
        for suffix in ("", ".md5", ".sha256"):
            partial.with_name(partial.name + suffix).unlink(missing_ok=True)
        raise
    return WrittenFile(out.name, written.bytes, written.md5, written.sha256, written.lines, written.content_bytes)


def variant(shared: Path, out_dir: Path, *, kind: str, seeds: Sequence[Seed] = (),
            removed: Sequence[Seed] = (), added: Sequence[Seed] = ()) -> WrittenFile:
    """The account's variant of one shared zip (``kind`` numbers, dated or changes), built once and cached in
    ``out_dir`` (with its .md5/.sha256 and a small record of its sizes and checksums, which outlives pruning so
    that the account's manifest of an old publication stays the same)."""
    out = out_dir / shared.name
    record = out_dir / f"{shared.name}.json"
    if record.is_file() and (out.is_file() or not shared.is_file()):  # made before (perhaps pruned since)
        kept = json.loads(record.read_text())
        return WrittenFile(kept["file"], kept["bytes"], kept["md5"], kept["sha256"], kept["lines"],
                           kept["content_bytes"])
    if kind == "changes":
        written = _change_file(shared, out, removed=removed, added=added)
    else:
        written = splice(shared, out, seeds=seeds, kind=kind)
    record.write_text(json.dumps(written.as_dict()))
    return written
