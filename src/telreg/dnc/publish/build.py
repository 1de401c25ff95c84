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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from telreg.dnc.publish import formats
from telreg.dnc.publish.digits import ascii8
from telreg.dnc.publish.formats import WrittenFile
from telreg.dnc.publish.phases import Phases
from telreg.dnc.publish.source import State, registers_state
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register
from telreg.senders.scrub import _kernels  # the compiled kernels (listing_index.py uses them too)

__all__ = ["FORMAT_VERSION", "NUMBERS_SIDECAR", "PAUSE_HOOK", "build_publication", "diff_states"]

FORMAT_VERSION = 1
# Test hook (never honoured in production): after the first file is written, create the file this variable names
# and sleep, so that a test can kill the builder at a known point.
PAUSE_HOOK = "TELREG_PUBLISH_PAUSE_AFTER_FIRST_FILE"


def diff_states(prev_n: Any, prev_d: Any, cur_n: Any, cur_d: Any) -> tuple[Any, Any, Any]:
    """Return (removed numbers, added numbers, their dates) turning the previous sorted state into the current.

    One merge of the two sides in C (``diff_sorted``), each in number order with every number once: a number whose
    date changed is removed and added again. Both states come sorted (``source._finish``, and the dated file it
    wrote); a side that is not is refused rather than diffed wrongly."""
    sides = [np.ascontiguousarray(side, dtype=np.uint32) for side in (prev_n, prev_d, cur_n, cur_d)]
    removed, added, added_dates = (np.empty(len(sides[0]), np.uint32), np.empty(len(sides[2]), np.uint32),
                                   np.empty(len(sides[2]), np.uint32))
    counts = _kernels.diff_sorted(*sides, removed, added, added_dates)
    if counts is None:
        raise ValueError("a register's state is not in number order, or holds a number twice")
    return removed[:counts[0]], added[:counts[1]], added_dates[:counts[1]]


NUMBERS_SIDECAR = ".numbers.npy"


def _save_numbers(path: Path, numbers: Any) -> None:
    with open(path, "wb") as out:
        np.save(out, np.asarray(numbers).astype(np.uint32, copy=False))
        out.flush()
        os.fsync(out.fileno())


@dataclass
class _Context:
    store: PublicationStore
    directory: Path
    day: dt.date
    cutoff: dt.datetime
    previous: dt.date | None
    pool: ThreadPoolExecutor
    pause: str | None
    phases: Phases
    files_written: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def written(self) -> None:
        with self.lock:
            self.files_written += 1
            first = self.files_written == 1
        if self.pause and first:
            Path(self.pause).write_text(str(os.getpid()))
            time.sleep(600)


def _previous_from_files(ctx: _Context, manifest: dict[str, Any] | None) -> dict[Register, State | None]:
    """Each register's previous state read back from the previous publication's dated zip (None: not kept)."""
    states: dict[Register, State | None] = {}
    for register in Register:
        entry = manifest["registers"].get(register.value) if manifest else None
        path = ctx.store.path_for(ctx.previous) / f"{register.value}-dated.zip" if ctx.previous else None
        if manifest is None:
            states[register] = (np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.uint32))
        elif entry is None or path is None or not path.is_file():
            states[register] = None
        else:
            with ctx.phases("read the previous dated files"):
                content = path.read_bytes()
                if hashlib.sha256(content).hexdigest() != entry["dated"]["sha256"]:
                    raise RuntimeError(f"{path} does not match its manifest's checksum; the publications were altered")
                states[register] = formats.parse_dated(formats.read_zip_entry(content))
    return states


def _build_register(ctx: _Context, register: Register, state: State, previous: State,
                    previous_entry: dict[str, Any] | None) -> dict[str, Any]:
    name = register.value
    numbers, dates = state
    phase = ctx.phases

    def write(stem: str, data: Any, lines: int, index: dict[str, Any] | None = None) -> WrittenFile:
        with phase("deflate, hash and write the zips"):
            written = formats.write_zip(ctx.directory / f"{stem}.zip", entry=f"{stem}.txt", data=data, lines=lines,
                                        stamp=ctx.cutoff, pool=ctx.pool, chunk_index=index)
        ctx.written()
        return written

    # Sidecars for the per-account variants (enforcement.seeds.variants): the sorted numbers as uint32 and each
    # zip's chunk index. Never in the manifest, never served (downloads whitelists the file names).
    sorted_numbers = f"{name}{NUMBERS_SIDECAR}"
    with phase("write the numbers sidecar"):
        _save_numbers(ctx.directory / sorted_numbers, numbers)
    with phase("format the texts"):
        words = ascii8(numbers)  # the numbers' digits, shared by both files
        text = formats.dated_text(numbers, dates, words=words)
    dated = write(f"{name}-dated", text, len(numbers), {"width": formats.DATED_WIDTH, "numbers": sorted_numbers})
    with phase("format the texts"):
        text = formats.numbers_text(numbers, words=words)
    only_numbers = write(f"{name}-numbers", text, len(numbers),
                         {"width": formats.NUMBERS_WIDTH, "numbers": sorted_numbers})
    del text, words
    with phase("compute the changes"):
        removed, added, added_dates = diff_states(*previous, numbers, dates)
        text = formats.changes_text(removed, added, added_dates)
    sequence = previous_entry["changes"]["sequence"] + 1 if previous_entry else 1
    changes = write(f"{name}-changes-{sequence:06d}", text, len(removed) + len(added))
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
    phases: Phases | None = None,
) -> dict[str, Any]:
    """Write every register's files into ``directory`` and return the manifest (written last, by the caller).

    The previous publication's dated files are read back on a side thread while the database scans the listings
    (that scan runs in the database server, or in SQLite's C code with the GIL released); then the registers are
    built ``threads`` at a time, their deflate chunks and hashes on a shared pool of ``threads``: numpy, ISA-L,
    hashlib and file writes all release the GIL, so both cores stay busy."""
    previous_manifest = store.manifest(previous) if previous else None
    phases = phases or Phases()
    started = time.perf_counter()
    workers = max(1, threads)
    # The test hook pauses after the first file: registers are then built one at a time, so "the first file" is
    # one file (the crash test kills the builder there and expects exactly it).
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish-chunks") as pool, \
         ThreadPoolExecutor(max_workers=1 if pause_hook else workers, thread_name_prefix="publish-register") as builders:
        ctx = _Context(store, directory, day, cutoff, previous, pool, pause_hook, phases)
        from_files = builders.submit(_previous_from_files, ctx, previous_manifest)
        with phases("read the registers from the database"):
            states = registers_state(session, day=day, cutoff=cutoff, parts=workers)
        previous_states = from_files.result()
        if any(state is None for state in previous_states.values()):  # pruned: derive them from the database
            assert previous is not None and previous_cutoff is not None
            with phases("read the previous state from the database"):
                derived = registers_state(session, day=previous, cutoff=previous_cutoff, parts=workers)
            previous_states = {r: derived[r] if state is None else state for r, state in previous_states.items()}
        entries = (previous_manifest or {}).get("registers", {})
        built = {r: builders.submit(_build_register, ctx, r, states[r], previous_states[r],  # type: ignore[arg-type]
                                    entries.get(r.value)) for r in Register}
        registers = {r.value: built[r].result() for r in Register}
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
