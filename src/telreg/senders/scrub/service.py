"""Scrub a calling list against a dated publication and the sender's instructions: two streamed passes.

Pass 1 reads the list once, reads every line's number and learns which numbers repeat (and the list's SHA-256).
Pass 2 reads the lines again (from the page cache: re-reading the number in C is cheaper than keeping it), decides
every line and writes the outputs in line order. Both passes run their chunks on a thread pool (the C loops release
the GIL, so every core is used); the only ordered step is marking duplicates. Memory is a few chunks plus fixed
12.5 MB bitsets, whatever the size of the list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from telreg import __version__
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.senders.scrub.dedup import DuplicateFinder
from telreg.senders.scrub.engine import (
    DECISIONS,
    DUPLICATE,
    KEPT,
    REJECTED_INVALID,
    ChunkResult,
    Lookup,
    Rules,
    decide_chunk,
    scan_chunk,
)
from telreg.senders.scrub.instructions import Instructions
from telreg.senders.scrub.outputs import Formatted, OutputWriter
from telreg.senders.scrub.publication import Publication
from telreg.senders.scrub.reader import Chunk, ListSource, iter_chunks
from telreg.senders.scrub.scratch import BufferPool

__all__ = ["CHUNK_BYTES", "ScrubResult", "check_send_date", "scrub_list"]

# 2 MB of lines (~230,000 lines) per chunk. The C loops need no large chunks to amortise their calls, and every
# chunk in flight brings ~10x its size of per-thread arrays: with 8 MB chunks a scrub touched 120 MB more fresh
# memory (peak 407 MB instead of 287 MB at 10 million lines), and on this VM, whose free pages go back to the host,
# fresh memory costs as much as the work. Measured at 10 million lines: pass 2's writes took 0.09 s of thread time
# instead of 0.4-0.8 s; at 50 million: 4.5 s, steadier run to run.
CHUNK_BYTES = 2 << 20
T = TypeVar("T")


@dataclass(frozen=True)
class ScrubResult:
    out_dir: Path
    report: dict[str, Any]
    receipt: dict[str, Any]
    seconds: float


def check_send_date(send_date: dt.date, *, today: dt.date) -> None:
    """Refuse a send date before today (Hong Kong time): a scrub is for a send still to come."""
    if send_date < today:
        raise InvalidInput(N_("The send date %(send_date)s is in the past (today is %(today)s in Hong Kong); "
                              "scrub for the day the messages will be sent."),
                           send_date=send_date.isoformat(), today=today.isoformat())


class _Turns:
    """Lets chunks finished out of order take an ordered step one at a time, in chunk order."""

    def __init__(self) -> None:
        self._next = 0
        self._cond = threading.Condition()

    def run(self, index: int, step: Callable[[], None]) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._next == index)
            try:
                step()
            finally:
                self._next += 1
                self._cond.notify_all()


def _pipeline(pool: ThreadPoolExecutor, chunks: Iterable[Chunk], work: Callable[[Chunk], T],
              done: Callable[[Chunk, T], None], *, ahead: int) -> None:
    """Run ``work`` on the pool, at most ``ahead`` chunks in flight, and hand results to ``done`` in order."""
    flight: deque[tuple[Chunk, Future[T]]] = deque()
    try:
        for chunk in chunks:
            flight.append((chunk, pool.submit(work, chunk)))
            while len(flight) >= ahead:
                first, future = flight.popleft()
                done(first, future.result())
        while flight:
            first, future = flight.popleft()
            done(first, future.result())
    finally:
        for _, future in flight:
            future.cancel()


def _resolved(value: T | Future[T]) -> T:
    return value.result() if isinstance(value, Future) else value


def _raise_if_failed(*values: object) -> None:
    """Stop at once when the publication or the instructions, loading beside pass 1, were refused."""
    for value in values:
        if isinstance(value, Future) and value.done() and value.exception() is not None:
            value.result()


def scrub_list(
    list_path: Path,
    *,
    publication: Publication | Future[Publication],
    instructions: Instructions | None | Future[Instructions | None],
    send_date: dt.date,
    now: dt.datetime,
    out_dir: Path,
    column: str | None = None,
    warning_days_given: bool = False,
    threads: int = 2,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Callable[[int, int], None] | None = None,
    publication_signature: dict[str, Any] | Future[dict[str, Any]] | None = None,
) -> ScrubResult:
    """Scrub ``list_path`` and write kept.csv, rejected.csv, report.json and receipt.json into ``out_dir``.

    The publication and the instructions may be futures still loading: pass 1 needs neither, so they load beside it
    (a refusal stops the scrub as soon as it is known, before any output is written). So may the outcome of the
    publication's signature check (``telreg scrub``; telreg.ecert.cms.verify_publication), put into the receipt."""
    check_send_date(send_date, today=now.date())
    # More threads than cores only add memory: each holds 25 MB in pass 1 and ~15 MB of scratch in pass 2.
    threads = max(1, min(threads, os.cpu_count() or 1))
    started = time.perf_counter()
    source = ListSource(list_path)
    layout = source.layout(column)
    finder = DuplicateFinder(threads)
    total = 2 * source.size
    moved = 0

    def advance(chunk: Chunk) -> None:
        nonlocal moved
        moved += chunk.size
        if progress is not None:
            progress(moved, total)

    hasher = None if source.zipped else hashlib.sha256()
    ahead = threads + 1
    buffers = BufferPool()
    pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="scrub")
    with pool:

        line_counts: list[int] = []  # per chunk, in order: pass 2 numbers its lines with them

        def first_pass(chunk: Chunk) -> int:
            return finder.observe(chunk, layout)

        def keep(chunk: Chunk, lines: int) -> None:
            line_counts.append(lines)
            buffers.give(chunk.buf)
            advance(chunk)
            _raise_if_failed(publication, instructions, publication_signature)

        with source.open() as stream:
            _pipeline(pool, iter_chunks(stream, layout=layout, chunk_bytes=chunk_bytes, hasher=hasher,
                                        buffers=buffers), first_pass, keep, ahead=ahead)
        finder.finish_first_pass()
        list_sha256 = hasher.hexdigest() if hasher is not None else source.sha256()

        def prepare() -> tuple[Rules, Lookup, OutputWriter]:
            rules = Rules(_resolved(publication), _resolved(instructions) or Instructions.empty(), send_date)
            _resolved(publication_signature)  # a signature that does not verify: no output is opened
            lookup = Lookup.build(rules.publication.listed, finder.repeated, room=finder.spare())
            return rules, lookup, OutputWriter(out_dir, layout=layout, rules=rules)

        # Pass 2 starts at once: its first chunks are read and scanned (which needs no publication) while the
        # publication may still be loading and the look-up table is built. ``prepare`` waits only on the loader's
        # futures, never on this pool, so the worker it occupies cannot deadlock the chunks.
        prepared = pool.submit(prepare)
        marking, placing = _Turns(), _Turns()
        counts = np.zeros(len(DECISIONS), dtype=np.int64)
        not_yet: list[tuple[np.ndarray, np.ndarray]] = []

        def second_pass(chunk: Chunk) -> Formatted:
            # Every chunk takes both turns, even after a failure, so no later chunk waits for it forever.
            result: ChunkResult | None = None
            formatted: Formatted | None = None
            places: list[tuple[int, int]] = []
            try:
                try:
                    lines = scan_chunk(chunk, layout)
                    rules, lookup, writer = prepared.result()
                    result = decide_chunk(lines, rules, lookup)
                finally:
                    marking.run(chunk.index, lambda: finder.mark(result) if result is not None else None)
                formatted = writer.format(result)
            finally:
                placing.run(chunk.index, lambda: places.append(writer.place(formatted)) if formatted else None)
            # The outputs are in this thread's scratch arrays: written before its next chunk, beside other writes.
            writer.write(formatted, places[0], rejected_first=chunk.index % 2 == 1)
            return formatted

        def done(chunk: Chunk, formatted: Formatted) -> None:
            nonlocal counts
            counts += formatted.counts
            if len(formatted.not_yet_lines):
                not_yet.append((formatted.not_yet_lines, formatted.not_yet_dates))
            buffers.give(chunk.buf)
            advance(chunk)

        try:
            with source.open() as stream:
                _pipeline(pool, iter_chunks(stream, layout=layout, chunk_bytes=chunk_bytes, buffers=buffers,
                                            line_counts=line_counts), second_pass, done, ahead=ahead)
            rules, _, writer = prepared.result()  # a list of only a header has no chunk to wait for it
            source.check_unchanged()  # pass 2's line counts catch most changes; a same-length rewrite, this
            seconds = time.perf_counter() - started
            report = _report(source, layout_column=column, rules=rules, counts=counts, not_yet=not_yet,
                             repeated=finder.repeated_numbers, seconds=seconds, warning_days_given=warning_days_given)
            receipt = _receipt(source, list_sha256=list_sha256, rules=rules, counts=counts, now=now,
                               warning_days_given=warning_days_given)
            if publication_signature is not None:
                receipt["publication_signature"] = _resolved(publication_signature)
            writer.finish(report, receipt)
        except BaseException:
            _abandon(prepared)
            raise
    return ScrubResult(out_dir, report, receipt, seconds)


def _abandon(prepared: Future[tuple[Rules, Lookup, OutputWriter]]) -> None:
    """Remove the partial outputs, once ``prepare`` has finished (it may be opening them right now)."""
    try:
        _, _, writer = prepared.result()
    except BaseException:  # the publication or the instructions were refused: no output was opened
        return
    writer.abandon()


def _counts(counts: np.ndarray) -> dict[str, int]:
    return {name: int(counts[i]) for i, name in enumerate(DECISIONS)}


def _report(source: ListSource, *, layout_column: str | None, rules: Rules, counts: np.ndarray,
            not_yet: list[tuple[np.ndarray, np.ndarray]], repeated: int, seconds: float,
            warning_days_given: bool) -> dict[str, Any]:
    publication = rules.publication
    lines = int(counts.sum())
    groups: list[dict[str, Any]] = []
    if not_yet:
        line_numbers = np.concatenate([lines_ for lines_, _ in not_yet])
        dates = np.concatenate([dates_ for _, dates_ in not_yet])
        for d in np.unique(dates).tolist():
            groups.append({
                "registered_on": publication.registered_on[d].isoformat(),
                "protected_from": publication.protected_from[d].isoformat(),
                "lines": line_numbers[dates == d].tolist(),
            })
        groups.sort(key=lambda g: (g["protected_from"], g["registered_on"]))
    warnings = []
    if not warning_days_given:
        warnings.append("No weather-warning days were given (--warning-days): protection dates count general "
                        "holidays and Sundays only, so they may be a day or two early, never late.")
    age = (rules.send_date - publication.date).days
    if age > 1:
        warnings.append(f"The publication is of {publication.date.isoformat()}, {age} days before the send date: "
                        "numbers registered since are not in it. Download the latest publication.")
    return {
        "list": source.path.name,
        "column": layout_column,
        "register": publication.register,
        "send_date": rules.send_date.isoformat(),
        "lines": lines,
        "kept": int(counts[KEPT].sum()),
        "not_kept": int(counts[~KEPT].sum()),
        "counts": _counts(counts),
        "duplicates": {"lines": int(counts[DUPLICATE]), "numbers": repeated,
                       "rule": "the first line with a number is decided; later lines with it are not kept"},
        "invalid": int(counts[REJECTED_INVALID]),
        "allowed_not_yet_protected": groups,
        "warnings": warnings,
        "seconds": round(seconds, 3),
    }


def _receipt(source: ListSource, *, list_sha256: str, rules: Rules, counts: np.ndarray, now: dt.datetime,
             warning_days_given: bool) -> dict[str, Any]:
    publication, instructions = rules.publication, rules.instructions
    return {
        "receipt": "telreg scrub",
        "format": 1,
        "telreg": __version__,
        "scrubbed_at": now.isoformat(),
        "send_date": rules.send_date.isoformat(),
        "publication": {
            "file": publication.path.name,
            "register": publication.register,
            "date": publication.date.isoformat(),
            "sha256": publication.sha256,
            "numbers": publication.count,
        },
        "list": {"file": source.path.name, "sha256": list_sha256, "bytes": source.path.stat().st_size},
        "instructions": None if instructions.source is None else {
            "file": instructions.source, "sha256": instructions.sha256, "numbers": len(instructions.numbers),
            "rule": "latest instruction wins; an unsubscribe wins a tie",
        },
        "warning_days": "given" if warning_days_given else "not given (general holidays and Sundays only)",
        "counts": _counts(counts),
    }
