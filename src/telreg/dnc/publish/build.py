"""Build one date's publication of every register into a directory: files, checksums, change files, manifest.

Change files are the difference between the *previous publication's dated file*, read back from disk, and today's
state, so a sender holding that file who applies the change file gets exactly today's file, whatever happened in
between (several days' gap, a register corrected by hand). Only when the previous zip has been pruned is the
previous state derived from the database instead. Sequence numbers run per register from 1, one per publication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from telreg.dnc.publish import formats
from telreg.dnc.publish.formats import U64, WrittenFile
from telreg.dnc.publish.source import register_state
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register

__all__ = ["FORMAT_VERSION", "NUMBERS_SIDECAR", "PAUSE_HOOK", "build_publication", "diff_states"]

FORMAT_VERSION = 1
# Test hook (never honoured in production): after the first file is written, create the file this variable names
# and sleep, so that a test can kill the builder at a known point.
PAUSE_HOOK = "TELREG_PUBLISH_PAUSE_AFTER_FIRST_FILE"


def diff_states(prev_n: U64, prev_d: U64, cur_n: U64, cur_d: U64) -> tuple[U64, U64, U64]:
    """Return (removed numbers, added numbers, their dates) turning the previous sorted state into the current."""

    def unchanged(a_n: U64, a_d: U64, b_n: U64, b_d: U64) -> np.ndarray:
        if len(b_n) == 0:
            return np.zeros(len(a_n), dtype=bool)
        at = np.minimum(np.searchsorted(b_n, a_n), len(b_n) - 1)
        return (b_n[at] == a_n) & (b_d[at] == a_d)

    kept_prev = unchanged(prev_n, prev_d, cur_n, cur_d)
    kept_cur = unchanged(cur_n, cur_d, prev_n, prev_d)
    return prev_n[~kept_prev], cur_n[~kept_cur], cur_d[~kept_cur]


NUMBERS_SIDECAR = ".numbers.npy"


def _save_numbers(path: Path, numbers: U64) -> None:
    with open(path, "wb") as out:
        np.save(out, numbers.astype(np.uint32))
        out.flush()
        os.fsync(out.fileno())


@dataclass
class _Context:
    session: Session
    store: PublicationStore
    directory: Path
    day: dt.date
    cutoff: dt.datetime
    previous: dt.date | None
    previous_cutoff: dt.datetime | None
    pool: ThreadPoolExecutor
    pause: str | None
    files_written: int = 0

    def written(self) -> None:
        self.files_written += 1
        if self.pause and self.files_written == 1:
            Path(self.pause).write_text(str(os.getpid()))
            time.sleep(600)


def _previous_state(ctx: _Context, register: Register, manifest: dict[str, Any] | None) -> tuple[U64, U64]:
    if ctx.previous is None or manifest is None:
        empty = np.empty(0, dtype=np.uint64)
        return empty, empty
    entry = manifest["registers"].get(register.value)
    path = ctx.store.path_for(ctx.previous) / f"{register.value}-dated.zip"
    if entry is not None and path.is_file():
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != entry["dated"]["sha256"]:
            raise RuntimeError(f"{path} does not match its manifest's checksum; the publications were altered")
        return formats.parse_dated(formats.read_zip_entry(content))
    assert ctx.previous_cutoff is not None
    return register_state(ctx.session, register=register, day=ctx.previous, cutoff=ctx.previous_cutoff)


def _build_register(ctx: _Context, register: Register, previous_manifest: dict[str, Any] | None) -> dict[str, Any]:
    name = register.value
    numbers, dates = register_state(ctx.session, register=register, day=ctx.day, cutoff=ctx.cutoff)

    def write(stem: str, data: bytes, lines: int, index: dict[str, Any] | None = None) -> WrittenFile:
        written = formats.write_zip(ctx.directory / f"{stem}.zip", entry=f"{stem}.txt", data=data, lines=lines,
                                    stamp=ctx.cutoff, pool=ctx.pool, chunk_index=index)
        ctx.written()
        return written

    # Sidecars for the per-account variants (enforcement.seeds.variants): the sorted numbers as uint32 and each
    # zip's chunk index. Never in the manifest, never served (downloads whitelists the file names).
    sorted_numbers = f"{name}{NUMBERS_SIDECAR}"
    _save_numbers(ctx.directory / sorted_numbers, numbers)
    dated = write(f"{name}-dated", formats.format_dated(numbers, dates), len(numbers),
                  {"width": formats.DATED_WIDTH, "numbers": sorted_numbers})
    only_numbers = write(f"{name}-numbers", formats.format_numbers(numbers), len(numbers),
                         {"width": formats.NUMBERS_WIDTH, "numbers": sorted_numbers})

    prev_n, prev_d = _previous_state(ctx, register, previous_manifest)
    removed, added, added_dates = diff_states(prev_n, prev_d, numbers, dates)
    previous_entry = (previous_manifest or {}).get("registers", {}).get(name)
    sequence = previous_entry["changes"]["sequence"] + 1 if previous_entry else 1
    changes = write(f"{name}-changes-{sequence:06d}", formats.format_changes(removed, added, added_dates),
                    len(removed) + len(added))
    return {
        "count": len(numbers),
        "numbers": only_numbers.as_dict(),
        "dated": dated.as_dict(),
        "changes": {
            **changes.as_dict(),
            "sequence": sequence,
            "previous_sequence": sequence - 1 if previous_entry else None,
            "since": ctx.previous.isoformat() if ctx.previous else None,
            "added": len(added),
            "removed": len(removed),
        },
    }


def build_publication(
    session: Session,
    *,
    store: PublicationStore,
    directory: Path,
    day: dt.date,
    cutoff: dt.datetime,
    previous: dt.date | None,
    previous_cutoff: dt.datetime | None,
    generated_at: dt.datetime,
    threads: int,
    pause_hook: str | None = None,
) -> dict[str, Any]:
    """Write every register's files into ``directory`` and return the manifest (written last, by the caller)."""
    previous_manifest = store.manifest(previous) if previous else None
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="publish") as pool:
        ctx = _Context(session, store, directory, day, cutoff, previous, previous_cutoff, pool, pause_hook)
        registers = {r.value: _build_register(ctx, r, previous_manifest) for r in Register}
    return {
        "format": FORMAT_VERSION,
        "date": day.isoformat(),
        "as_of": cutoff.isoformat(),
        "generated_at": generated_at.isoformat(),
        "build_seconds": round(time.perf_counter() - started, 3),
        "previous": previous.isoformat() if previous else None,
        "line_ending": "CRLF",
        "registers": registers,
    }
