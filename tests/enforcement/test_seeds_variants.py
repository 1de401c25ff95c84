"""Per-account variants of the published zips: only the chunks receiving seed lines are recompressed, the rest copied
byte for byte; the result is exactly the shared text with the seed lines in order (no database here)."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from telreg.dnc.publish import formats
from telreg.dnc.publish.build import NUMBERS_SIDECAR, _save_numbers
from telreg.enforcement.seeds.variants import Seed, change_lines, dated_line, numbers_line, splice, variant

STAMP = dt.datetime(2026, 3, 2, 23, 0)


@pytest.fixture
def small_chunks(monkeypatch):
    """4 KiB chunks, so that a few thousand lines make many chunks and lines straddle chunk boundaries."""
    monkeypatch.setattr(formats, "CHUNK", 4096)


def _publish(directory: Path, numbers: np.ndarray, *, index: bool = True) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    numbers = np.asarray(numbers, dtype=np.uint64)
    dates = np.array([20200101 + (int(n) % 28) for n in numbers], dtype=np.uint64)
    _save_numbers(directory / f"sms{NUMBERS_SIDECAR}", numbers)
    side = (lambda width: {"width": width, "numbers": f"sms{NUMBERS_SIDECAR}"}) if index else (lambda width: None)
    formats.write_zip(directory / "sms-dated.zip", entry="sms-dated.txt", data=formats.format_dated(numbers, dates),
                      lines=len(numbers), stamp=STAMP, chunk_index=side(formats.DATED_WIDTH))
    formats.write_zip(directory / "sms-numbers.zip", entry="sms-numbers.txt", data=formats.format_numbers(numbers),
                      lines=len(numbers), stamp=STAMP, chunk_index=side(formats.NUMBERS_WIDTH))
    return directory / "sms-dated.zip", directory / "sms-numbers.zip"


def _expected(shared: Path, seeds: list[Seed], line_of) -> bytes:
    lines = formats.read_zip_entry(shared).split(b"\r\n")[:-1] + [line_of(s)[:-2] for s in seeds]
    return b"".join(line + b"\r\n" for line in sorted(lines))


NUMBERS = np.arange(60_000_000, 60_000_000 + 3_000 * 7, 7)  # 3,000 numbers: ~14 chunks of 4 KiB (dated)
SEEDS = [Seed("59999999", dt.date(2024, 1, 2)),    # before the first line
         Seed("60006001", dt.date(2024, 5, 6)),    # in the middle of a chunk
         Seed("60006002", dt.date(2024, 5, 7)),    # next to it: the same chunk, in order
         Seed("60020995", dt.date(2023, 3, 1)),    # after the last line (the final chunk)
         Seed("60008600", dt.date(2024, 8, 8))]


@pytest.mark.parametrize("kind", ["dated", "numbers"])
def test_a_variant_is_the_shared_text_with_the_seed_lines_in_order(tmp_path, small_chunks, kind):
    dated, numbers = _publish(tmp_path / "pub", NUMBERS)
    shared = dated if kind == "dated" else numbers
    line_of = dated_line if kind == "dated" else numbers_line
    written = splice(shared, tmp_path / "a1" / shared.name, seeds=SEEDS, kind=kind)
    out = tmp_path / "a1" / shared.name
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [f"sms-{kind}.txt"]
        text = archive.read(f"sms-{kind}.txt")
    assert text == _expected(shared, SEEDS, line_of)
    assert written.lines == len(NUMBERS) + len(SEEDS) and written.content_bytes == len(text)
    assert written.bytes == out.stat().st_size
    assert (tmp_path / "a1" / f"{shared.name}.sha256").read_text() == f"{written.sha256}  {shared.name}\n"
    assert subprocess_unzip_ok(out)


def subprocess_unzip_ok(path: Path) -> bool:
    import subprocess

    return subprocess.run(["unzip", "-tq", str(path)], capture_output=True).returncode == 0


def test_only_the_chunks_receiving_seeds_are_recompressed(tmp_path, small_chunks):
    dated, _ = _publish(tmp_path / "pub", NUMBERS)
    index = json.loads((dated.parent / "sms-dated.zip.chunks").read_text())
    assert len(index["chunks"]) > 10
    one = [Seed("60010003", dt.date(2024, 1, 2))]
    splice(dated, tmp_path / "v" / "sms-dated.zip", seeds=one, kind="dated")
    shared_bytes, variant_bytes = dated.read_bytes(), (tmp_path / "v" / "sms-dated.zip").read_bytes()
    k = (int(np.searchsorted(NUMBERS, 60010003)) * formats.DATED_WIDTH) // 4096
    start, length = index["chunks"][k][0], index["chunks"][k][1]
    # Everything before the chunk is the shared zip's (headers aside: the local header carries the CRC and sizes).
    header = index["chunks"][0][0]
    assert variant_bytes[header:start] == shared_bytes[header:start]
    # Everything after it (the other chunks) too, shifted by the recompressed chunk's change in length.
    rest = index["chunks"][-1][0] + index["chunks"][-1][1]
    tail = shared_bytes[start + length : rest]
    assert tail and tail in variant_bytes


def test_without_a_chunk_index_the_whole_file_is_rebuilt_with_the_same_text(tmp_path, small_chunks):
    dated, numbers = _publish(tmp_path / "old", NUMBERS, index=False)
    for shared, kind, line_of in ((dated, "dated", dated_line), (numbers, "numbers", numbers_line)):
        splice(shared, tmp_path / "v" / shared.name, seeds=SEEDS, kind=kind)
        assert formats.read_zip_entry(tmp_path / "v" / shared.name) == _expected(shared, SEEDS, line_of)


def test_an_empty_register_and_a_seed_already_listed(tmp_path):
    dated, _ = _publish(tmp_path / "empty", np.array([], dtype=np.uint64))
    splice(dated, tmp_path / "v" / "sms-dated.zip", seeds=SEEDS[:1], kind="dated")
    assert formats.read_zip_entry(tmp_path / "v" / "sms-dated.zip") == b"59999999,20240102\r\n"
    dated, _ = _publish(tmp_path / "pub", NUMBERS)
    already = Seed(str(int(NUMBERS[5])), dt.date(2024, 1, 2))  # listed for real meanwhile: its real line stands
    written = splice(dated, tmp_path / "w" / "sms-dated.zip", seeds=[already], kind="dated")
    assert formats.read_zip_entry(tmp_path / "w" / "sms-dated.zip") == formats.read_zip_entry(dated)
    assert written.lines == len(NUMBERS)


def test_a_real_size_chunk_with_the_default_chunking(tmp_path):
    """4 MiB chunks as published: 300,000 numbers make two dated chunks; a seed in each."""
    numbers = np.arange(50_000_000, 50_000_000 + 300_000 * 3, 3)
    dated, _ = _publish(tmp_path / "pub", numbers)
    seeds = [Seed("50000001", dt.date(2024, 2, 2)), Seed("50899999", dt.date(2024, 2, 5))]
    splice(dated, tmp_path / "v" / "sms-dated.zip", seeds=seeds, kind="dated")
    with zipfile.ZipFile(tmp_path / "v" / "sms-dated.zip") as archive:
        assert archive.testzip() is None
    assert formats.read_zip_entry(tmp_path / "v" / "sms-dated.zip") == _expected(dated, seeds, dated_line)


def test_crc32_combine_in_gf2_is_zlibs():
    a, b = os.urandom(1000), os.urandom(70_001)
    for first, second in ((a, b), (b, a), (b"", a), (a, b"")):
        expected = zlib.crc32(first + second)
        assert formats._crc32_combine_gf2(zlib.crc32(first), zlib.crc32(second), len(second)) == expected
        assert formats.crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == expected


def test_an_accounts_change_file_keeps_its_files_consistent(tmp_path):
    """previous dated (account's) + change file (account's) == dated (account's), with seeds entering and leaving."""
    before = {"21234567": "20260301", "61234567": "20260301"}
    after = {"21234567": "20260301", "91234567": "20260302"}
    kept, gone = Seed("51111111", dt.date(2024, 1, 2)), Seed("52222222", dt.date(2024, 1, 3))
    new = Seed("53333333", dt.date(2023, 6, 6))
    shared_changes = b"-61234567\r\n+91234567,20260302\r\n"
    text, count = change_lines(shared_changes, removed=[gone], added=[new])
    assert count == 4
    zip_path = tmp_path / "sms-changes-000002.zip"
    formats.write_zip(zip_path, entry="sms-changes-000002.txt", data=text, lines=count, stamp=STAMP)
    previous = sorted([f"{n},{d}" for n, d in before.items()] + [dated_line(kept)[:-2].decode(),
                                                                 dated_line(gone)[:-2].decode()])
    expected = sorted([f"{n},{d}" for n, d in after.items()] + [dated_line(kept)[:-2].decode(),
                                                                dated_line(new)[:-2].decode()])
    assert formats.apply_changes(previous, zip_path) == expected
    # The variant of a shared change file: its blocks stay ascending, and the record is cached.
    (tmp_path / "shared").mkdir()
    formats.write_zip(tmp_path / "shared" / "sms-changes-000002.zip", entry="sms-changes-000002.txt",
                      data=shared_changes, lines=2, stamp=STAMP)
    made = variant(tmp_path / "shared" / "sms-changes-000002.zip", tmp_path / "acct", kind="changes",
                   removed=[gone], added=[new])
    lines = formats.read_zip_entry(tmp_path / "acct" / "sms-changes-000002.zip").split(b"\r\n")[:-1]
    assert lines == [b"-52222222", b"-61234567", b"+53333333,20230606", b"+91234567,20260302"]
    again = variant(tmp_path / "shared" / "sms-changes-000002.zip", tmp_path / "acct", kind="changes",
                    removed=[gone], added=[new])
    assert again == made
