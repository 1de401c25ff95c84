"""The scrub's files: kept.csv, rejected.csv, report.json and receipt.json — a stable interface (issue 4 §3).

* ``kept.csv``: the original lines that may be sent, byte for byte, in their original order (the header line first
  when the list has one; the BOM too when the list had one).
* ``rejected.csv``: ``line,original,decision,reason`` (CRLF; fields quoted when they need it, as RFC 4180 says)
  for every line not kept: rejected_invalid, duplicate, blocked_unsubscribed, blocked_dnc, in line order.
* ``report.json``: counts per decision, duplicates, and the kept lines whose protection has not started yet, grouped
  by the day it starts (they may be sent now, but not from that day on).
* ``receipt.json``: the proof a sender keeps: publication (register, date, SHA-256), the list's SHA-256, the
  instructions' SHA-256, the send date, the counts.

Rows are formatted by ``_kernels.format_rejected`` in one byte loop: line number, the original line (quoted when it
needs it), then a tail from a table (one text per registration date, one per distinct refused spelling: garbage
repeats). The few rows whose reason is particular to the line (unsubscribes, reasons found while reading CSV, fields
too long to be a number) are formatted in Python and copied in.
Files are written under temporary names and renamed when the scrub has finished, so a failed run leaves no partial
output that looks complete. A previous scrub's files in the same directory are taken away once the scrub starts
writing (after every input has been accepted): its kept.csv and rejected.csv become the new ones' temporary files,
overwritten in place and cut to their new length at the end. Why: writing a file's pages costs ~0.2 s per GB when
they are already in the page cache and up to 3 s per GB when they must be found first (on a VM that hands free
memory back to its host; measured on the benchmark machine), and a sender scrubs into the same directory day after
day. So do not read a previous kept.csv while scrubbing into its directory again: copy it elsewhere first.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub import _kernels
from telreg.senders.scrub.engine import (
    BLOCKED_UNSUBSCRIBED,
    DECISIONS,
    KEPT,
    REJECTED_INVALID,
    ChunkResult,
    Rules,
)
from telreg.senders.scrub.numbers import MAX_FIELD, invalid_reason, reason_around_field
from telreg.senders.scrub.reader import BOM, Layout
from telreg.senders.scrub.scratch import scratch

__all__ = ["FILES", "Formatted", "OutputWriter", "REJECTED_HEADER"]

FILES = ("kept.csv", "rejected.csv", "report.json", "receipt.json")
_HK_OFFSET = 8 * 3600 * 1_000_000  # µs: Hong Kong has kept +08:00 all year since 1980
_HK_FIXED_FROM = (3652 * 86400 - 8 * 3600) * 1_000_000  # 1980-01-01T00:00+08:00 in µs since 1970 UTC
REJECTED_HEADER = b"line,original,decision,reason\r\n"
_DECISION_NAMES = [name.encode() for name in DECISIONS]

def _texts(texts: list[bytes]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Texts laid end to end, with their offsets and lengths; 64 zero bytes after the last, so the C loop may copy
    any short text with one fixed-size copy."""
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    offsets = (np.cumsum(lengths) - lengths).astype(np.int64)
    return np.frombuffer(b"".join(texts) + bytes(64), dtype=np.uint8).copy(), offsets, lengths


def _quote(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return raw.replace(b'"', b'""')


def _reopen(previous: Path, partial: Path) -> BinaryIO:
    """Open ``partial`` for writing from its start, reusing ``previous`` (or a partial file a killed scrub left) when
    it is a plain file of its own: only then is overwriting it in place harmless to anything else."""
    for candidate in (previous, partial):
        try:
            status = candidate.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(status.st_mode) and status.st_nlink == 1:
            if candidate != partial:
                os.replace(candidate, partial)
            return open(partial, "r+b")
    partial.unlink(missing_ok=True)
    return open(partial, "wb")


@dataclass
class Formatted:
    kept: npt.NDArray[np.uint8]  # kept.csv lines, in line order
    rejected: npt.NDArray[np.uint8]  # rejected.csv rows, in line order
    counts: npt.NDArray[np.int64]
    not_yet_lines: npt.NDArray[np.int64]
    not_yet_dates: npt.NDArray[np.int32]


class OutputWriter:
    """Formats chunk results and writes them, both on any thread: each chunk reserves its place in the files in line
    order (``place``), then writes there with pwrite beside other chunks' writes (copying a gigabyte of outputs into
    the page cache is a quarter of a large scrub's CPU: one thread at a time was the bottleneck)."""

    def __init__(self, out_dir: Path, *, layout: Layout, rules: Rules) -> None:
        self.out_dir = out_dir
        self.layout = layout
        self.rules = rules
        # The texts after the original line, by (kind, quoted): the duplicate text (its line number follows), then
        # one per registration date for blocked_dnc. Each opens with the quote closing the original when quoted.
        texts = [b"duplicate,duplicate of line "] + [
            f"blocked_dnc,listed {reg.isoformat()}; protected from {start.isoformat()}\r\n".encode()
            for reg, start in zip(rules.publication.registered_on, rules.publication.protected_from, strict=True)
        ]
        self._tails, self._tail_at, self._tail_len = _texts([close + t for t in texts for close in (b",", b'",')])
        out_dir.mkdir(parents=True, exist_ok=True)
        self._partial = {name: out_dir / f".{name}.partial" for name in FILES}
        # A previous scrub's outputs go first, before a byte is written: its kept.csv and rejected.csv become this
        # scrub's temporary files (see the module's docstring), the rest is removed, and the final renames replace
        # nothing (ext4 flushes a file renamed over another: 0.15 s at 10 million lines). Until this point every
        # refusal (publication, list, instructions) has left them alone.
        self._kept = _reopen(out_dir / "kept.csv", self._partial["kept.csv"])
        self._rejected = _reopen(out_dir / "rejected.csv", self._partial["rejected.csv"])
        for name in FILES:
            (out_dir / name).unlink(missing_ok=True)
        if layout.bom:
            self._kept.write(BOM)
        if layout.header is not None:
            self._kept.write(layout.header if layout.header.endswith(b"\n") else layout.header + b"\r\n")
        self._rejected.write(REJECTED_HEADER)
        self._kept.flush()
        self._rejected.flush()
        self._ends = [self._kept.tell(), self._rejected.tell()]

    # -- formatting (thread-safe: reads only the result and immutable rules)

    def format(self, result: ChunkResult) -> Formatted:
        """Format a chunk's outputs into this thread's scratch arrays (write them before its next chunk)."""
        lines, decision = result.lines, result.decision
        buf, n, arrays_of = result.chunk.buf, len(lines), scratch()
        kept = arrays_of.get("kept", np.uint8, result.chunk.size + 64)  # 64: room for gather_kept's fixed copies
        kept = kept[: _kernels.gather_kept(buf, n, lines.starts, lines.nexts, decision, kept)]
        counts = np.zeros(len(DECISIONS), dtype=np.int64)
        rows = [arrays_of.get(name, np.int64, n) for name in ("invalid_rows", "unsubscribed_rows", "not_yet_rows")]
        found = _kernels.select_rows(n, decision, counts, *rows)
        invalid, unsubscribed, not_yet = (r[:k] for r, k in zip(rows, found, strict=True))
        rejected = self._rejected_rows(result, invalid, unsubscribed, n - int(counts[KEPT].sum()))
        return Formatted(kept, rejected, counts, result.chunk.first_line + not_yet, result.date_index[not_yet])

    def _python_rows(self, result: ChunkResult, rows: npt.NDArray[np.int64]) -> list[bytes]:
        """Rows for the few lines formatted in Python: unsubscribes, reasons found while reading fields, fields too
        long to be a number."""
        lines = result.lines
        view = memoryview(lines.chunk.buf)  # slicing a memoryview is far cheaper than slicing the array per line
        decisions = result.decision[rows]
        unsubscribed = decisions == BLOCKED_UNSUBSCRIBED
        given = iter(self.rules.instructions.when_each(lines.numbers[rows][unsubscribed].astype(np.int64)))
        out = []
        for row, start, end, fs, fe, decision in zip(
            rows.tolist(), lines.starts[rows].tolist(), lines.ends[rows].tolist(), lines.fs[rows].tolist(),
            lines.fe[rows].tolist(), decisions.tolist(), strict=True,
        ):
            if decision == REJECTED_INVALID:
                reason = lines.reasons.get(row) or invalid_reason(view[fs:fe].tobytes())
            else:
                assert decision == BLOCKED_UNSUBSCRIBED
                reason = f"latest instruction is an unsubscribe request given {next(given).isoformat()}"
            out.append(b'%d,"%s",%s,"%s"\r\n' % (lines.chunk.first_line + row, _quote(view[start:end].tobytes()),
                                                  _DECISION_NAMES[decision], _quote(reason)))
        return out

    def _rejected_rows(self, result: ChunkResult, invalid: npt.NDArray[np.int64],
                       unsubscribed: npt.NDArray[np.int64], rejected: int) -> npt.NDArray[np.uint8]:
        """Format the chunk's rejected.csv rows, in line order (see ``_kernels.format_rejected``); ``invalid`` and
        ``unsubscribed`` are the lines with those decisions, ``rejected`` how many lines are not kept."""
        lines, decision = result.lines, result.decision
        assert result.duplicate_of is not None
        n = len(lines)
        python = invalid[(lines.fe[invalid] - lines.fs[invalid]) > MAX_FIELD]
        if lines.reasons:
            python = np.union1d(python, np.fromiter(lines.reasons, dtype=np.int64, count=len(lines.reasons)))
        unsubscribed_tails, unsubscribed_old = self._unsubscribed_tails(result, unsubscribed)
        python = np.union1d(python, unsubscribed[unsubscribed_old])
        by_table = np.setdiff1d(invalid, python, assume_unique=True) if len(python) else invalid
        reasons, splits, which = self._invalid_reasons(
            lines.chunk.buf, lines.fs[by_table].astype(np.int64), lines.fe[by_table].astype(np.int64))
        reasons += unsubscribed_tails
        splits += [-1] * len(unsubscribed_tails)
        texts = self._python_rows(result, python) if len(python) else []
        extra, extra_at, extra_len = _texts(reasons + texts)
        extra_split = np.array(splits + [-1] * len(texts), dtype=np.int64)
        special = scratch().get("special", np.int32, n)
        special.fill(-1)
        special[by_table] = which
        special[unsubscribed[~unsubscribed_old]] = len(reasons) - len(unsubscribed_tails) + np.arange(
            len(unsubscribed_tails), dtype=np.int32)
        special[python] = -2 - (len(reasons) + np.arange(len(python), dtype=np.int32))
        widest = int(max(self._tail_len.max(), extra_len.max() if len(extra_len) else 0)) + 2 * MAX_FIELD
        out = scratch().get("rejected", np.uint8, 2 * result.chunk.size + rejected * (52 + widest) + len(extra) + 64)
        size = _kernels.format_rejected(
            lines.chunk.buf, n, lines.chunk.first_line, int(self.layout.column is not None), lines.starts,
            lines.ends, lines.fs, lines.fe, decision, result.date_index, result.duplicate_of, special, self._tails,
            self._tail_at, self._tail_len, extra, extra_at, extra_len, extra_split, out)
        return out[:size]

    def _unsubscribed_tails(self, result: ChunkResult,
                            rows: npt.NDArray[np.int64]) -> tuple[list[bytes], npt.NDArray[np.bool_]]:
        """The decision-and-reason texts of unsubscribed lines (rows), the time formatted by numpy a chunk at a time
        as datetime.isoformat() writes it in Hong Kong time (+08:00 since 1980); and which rows hold an older time,
        left to Python (Hong Kong kept summer time until 1979)."""
        lines = result.lines
        given = self.rules.instructions.given_micros[
            np.searchsorted(self.rules.instructions.numbers, lines.numbers[rows].astype(np.int64))]
        old = given < _HK_FIXED_FROM
        local = (given[~old] + _HK_OFFSET).astype("datetime64[us]")
        whole = local.astype("datetime64[s]")
        seconds = np.datetime_as_string(whole, unit="s")
        exact = np.datetime_as_string(local, unit="us")
        stamps = np.where(local == whole, seconds, exact).tolist()
        kept = rows[~old]
        quoted = ((lines.ends[kept] - lines.starts[kept]) != 8) | (self.layout.column is not None)
        return [(b'",' if q else b",") + b'blocked_unsubscribed,"latest instruction is an unsubscribe request given '
                + stamp.encode() + b'+08:00"\r\n' for q, stamp in zip(quoted.tolist(), stamps, strict=True)], old

    @staticmethod
    def _invalid_reasons(buf: npt.NDArray[np.uint8], field_start: npt.NDArray[np.int64],
                         field_end: npt.NDArray[np.int64]) -> tuple[list[bytes], list[int], npt.NDArray[np.int64]]:
        """The decision-and-reason texts of refused fields, where each one's field goes in them (-1: nowhere), and
        which text each field takes: one text per reason key (see reason_key in _kernels.c: "2123.4567" and
        "9876.5432" share "'…' contains '.'"), so a list whose refused numbers are all different still has its
        reasons worded a few times per chunk, not once a line. Fields whose reason names more than the key holds (a
        toll-free number's digits; non-ASCII text, which core/phone.py folds first) are worded one spelling each."""
        n = len(field_start)
        which, first = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        groups = _kernels.group_fields(buf, field_start, field_end, which, first, True)
        view = memoryview(buf)
        texts: list[bytes] = []
        splits: list[int] = []
        own: list[int] = []  # groups whose fields are worded one spelling each
        head = b'",rejected_invalid,"'
        for group, (start, end) in enumerate(zip(field_start[first[:groups]].tolist(),
                                                 field_end[first[:groups]].tolist(), strict=True)):
            raw = view[start:end].tobytes()
            around = reason_around_field(raw) if raw.isascii() else None
            if around is None:
                texts.append(head + _quote(invalid_reason(raw)) + b'"\r\n')
                splits.append(-1)
                own.append(group)
                continue
            before, after = around
            texts.append(head + _quote(before) + _quote(after or "") + b'"\r\n')
            splits.append(-1 if after is None else len(head) + len(_quote(before)))
        if own:  # regroup their fields by their exact bytes
            members = np.flatnonzero(np.isin(which, own))
            exact, exact_first = np.empty(len(members), dtype=np.int64), np.empty(len(members), dtype=np.int64)
            k = _kernels.group_fields(buf, field_start[members], field_end[members], exact, exact_first)
            base = len(texts)
            for start, end in zip(field_start[members[exact_first[:k]]].tolist(),
                                  field_end[members[exact_first[:k]]].tolist(), strict=True):
                texts.append(head + _quote(invalid_reason(view[start:end].tobytes())) + b'"\r\n')
                splits.append(-1)
            which[members] = base + exact
        return texts, splits, which

    # -- writing

    def place(self, formatted: Formatted) -> tuple[int, int]:
        """Reserve the chunk's place at the end of kept.csv and rejected.csv (call in line order)."""
        at = (self._ends[0], self._ends[1])
        self._ends[0] += len(formatted.kept)
        self._ends[1] += len(formatted.rejected)
        return at

    def write(self, formatted: Formatted, at: tuple[int, int], *, rejected_first: bool = False) -> None:
        """Write a chunk's outputs at its reserved place (thread-safe). Two writes to one file wait for each other
        (the file system locks the file) and the wait spins; chunks taken alternately ``rejected_first`` mostly
        write to different files at the same time."""
        writes = [(self._kept, formatted.kept, at[0]), (self._rejected, formatted.rejected, at[1])]
        for handle, data, offset in writes[::-1] if rejected_first else writes:
            view = memoryview(data).cast("B")
            while len(view):
                done = os.pwrite(handle.fileno(), view, offset)
                view, offset = view[done:], offset + done

    def finish(self, report: dict[str, Any], receipt: dict[str, Any]) -> None:
        """Close the files, write the JSON documents, and move everything into place."""
        for handle, end in ((self._kept, self._ends[0]), (self._rejected, self._ends[1])):
            handle.truncate(end)  # a reused file may have been longer
            handle.close()
        for name, document in (("report.json", report), ("receipt.json", receipt)):
            self._partial[name].write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
        for name in FILES:
            os.replace(self._partial[name], self.out_dir / name)

    def abandon(self) -> None:
        self._kept.close()
        self._rejected.close()
        for path in self._partial.values():
            path.unlink(missing_ok=True)
