"""The scrub's files: kept.csv, rejected.csv, report.json and receipt.json — a stable interface (issue 4 §3).

* ``kept.csv``: the original lines that may be sent, byte for byte, in their original order (the header line first
  when the list has one; the BOM too when the list had one).
* ``rejected.csv``: ``line,original,decision,reason`` (CRLF; fields quoted when they need it, as RFC 4180 says)
  for every line not kept: rejected_invalid, duplicate, blocked_unsubscribed, blocked_dnc, in line order.
* ``report.json``: counts per decision, duplicates, and the kept lines whose protection has not started yet, grouped
  by the day it starts (they may be sent now, but not from that day on).
* ``receipt.json``: the proof a sender keeps: publication (register, date, SHA-256), the list's SHA-256, the
  instructions' SHA-256, the send date, the counts.

The many blocked and duplicate rows are formatted without a per-line Python loop: each row is laid out as a padded
byte matrix (right-aligned line number, the original line, a table of decision-and-reason texts — one per
registration date —, the "duplicate of" line number) and the padding is squeezed out with one boolean mask. The few
rows whose reason is particular to the line (refused numbers, unsubscribes) are formatted in Python and spliced in.
Files are written under temporary names and renamed when the scrub has finished, so a failed run leaves no partial
output that looks complete.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub.engine import (
    BLOCKED_UNSUBSCRIBED,
    DECISIONS,
    DUPLICATE,
    KEPT,
    NOT_YET,
    REJECTED_INVALID,
    ChunkResult,
    Rules,
)
from telreg.senders.scrub.numbers import invalid_reason
from telreg.senders.scrub.reader import BOM, Layout

__all__ = ["FILES", "Formatted", "OutputWriter", "REJECTED_HEADER"]

FILES = ("kept.csv", "rejected.csv", "report.json", "receipt.json")
REJECTED_HEADER = b"line,original,decision,reason\r\n"
_ROWS = 1 << 17  # rows per formatting batch: keeps the byte matrices to a few tens of MB

_i = np.arange(10_000)
_DIGITS4 = (np.stack([_i // 1000, _i // 100 % 10, _i // 10 % 10, _i % 10], axis=1) + ord("0")).astype(np.uint8)
_POWERS = np.array([10**k for k in range(1, 10)], dtype=np.int64)
_OPEN = np.frombuffer(b',"', dtype=np.uint8)
_CLOSE = np.frombuffer(b'",', dtype=np.uint8)
_EOL = np.frombuffer(b"\r\n", dtype=np.uint8)
_DECISION_NAMES = [name.encode() for name in DECISIONS]


def _digits10(values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Ten zero-padded ASCII digits per value and how many of them are significant (0 for the value 0)."""
    out = np.empty((len(values), 10), dtype=np.uint8)
    out[:, 0:2] = _DIGITS4[(values // 100_000_000 % 100).astype(np.intp), 2:]
    out[:, 2:6] = _DIGITS4[(values // 10_000 % 10_000).astype(np.intp)]
    out[:, 6:10] = _DIGITS4[(values % 10_000).astype(np.intp)]
    count = np.where(values > 0, np.searchsorted(_POWERS, values, side="right") + 1, 0)
    return out, count


def _table(texts: list[bytes]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Texts as rows of a zero-padded byte matrix, with their lengths."""
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    width = max(int(lengths.max()) if len(texts) else 1, 1)
    flat = np.frombuffer(b"".join(t.ljust(width, b"\0") for t in texts), dtype=np.uint8)
    return flat.reshape(len(texts), width).copy(), lengths


def _quote(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return raw.replace(b'"', b'""')


@dataclass
class Formatted:
    kept: bytes
    rejected: bytes
    counts: npt.NDArray[np.int64]
    not_yet_lines: npt.NDArray[np.int64]
    not_yet_dates: npt.NDArray[np.int32]


class OutputWriter:
    """Formats chunk results (on any thread) and writes them (in line order, on one thread)."""

    def __init__(self, out_dir: Path, *, layout: Layout, rules: Rules) -> None:
        self.out_dir = out_dir
        self.layout = layout
        self.rules = rules
        # The fixed part of the decision-and-reason table: the duplicate text, then one text per registration date.
        self._fixed, self._fixed_len = _table([b"duplicate,duplicate of line "] + [
            f"blocked_dnc,listed {reg.isoformat()}; protected from {start.isoformat()}".encode()
            for reg, start in zip(rules.publication.registered_on, rules.publication.protected_from, strict=True)
        ])
        out_dir.mkdir(parents=True, exist_ok=True)
        self._partial = {name: out_dir / f".{name}.partial" for name in FILES}
        self._kept = open(self._partial["kept.csv"], "wb")
        self._rejected = open(self._partial["rejected.csv"], "wb")
        if layout.bom:
            self._kept.write(BOM)
        if layout.header is not None:
            self._kept.write(layout.header if layout.header.endswith(b"\n") else layout.header + b"\r\n")
        self._rejected.write(REJECTED_HEADER)

    # -- formatting (thread-safe: reads only the result and immutable rules)

    def format(self, result: ChunkResult) -> Formatted:
        chunk, decision = result.chunk, result.decision
        kept_rows = KEPT[decision]
        if kept_rows.all():
            kept = chunk.buf[: chunk.size].tobytes()
        else:
            mask = np.repeat(kept_rows, result.nexts - result.starts)
            kept = chunk.buf[: chunk.size][mask].tobytes()
        rejected = np.flatnonzero(~kept_rows)
        parts = [self._rows(result, rejected[at : at + _ROWS]) for at in range(0, len(rejected), _ROWS)]
        not_yet = np.flatnonzero(decision == NOT_YET)
        return Formatted(kept, b"".join(parts), np.bincount(decision, minlength=len(DECISIONS)).astype(np.int64),
                         chunk.first_line + not_yet, result.date_index[not_yet])

    def _rare_rows(self, result: ChunkResult, rows: npt.NDArray[np.int64]) -> list[bytes]:
        """Rows for the few lines formatted in Python: refused numbers, unsubscribes, originals holding quotes."""
        chunk = result.chunk
        view = memoryview(chunk.buf)  # slicing a memoryview is far cheaper than slicing the array per line
        publication, instructions = self.rules.publication, self.rules.instructions
        assert result.duplicate_of is not None
        out = []
        for row, start, end, fs, fe, decision, number, duplicate_of, d in zip(
            rows.tolist(), result.starts[rows].tolist(), result.ends[rows].tolist(), result.fs[rows].tolist(),
            result.fe[rows].tolist(), result.decision[rows].tolist(), result.numbers[rows].tolist(),
            result.duplicate_of[rows].tolist(), result.date_index[rows].tolist(), strict=True,
        ):
            if decision == REJECTED_INVALID:
                reason = result.reasons.get(row) or invalid_reason(view[fs:fe].tobytes())
            elif decision == BLOCKED_UNSUBSCRIBED:
                reason = f"latest instruction is an unsubscribe request given {instructions.when(number).isoformat()}"
            elif decision == DUPLICATE:
                reason = f"duplicate of line {duplicate_of}"
            else:
                reason = (f"listed {publication.registered_on[d].isoformat()}; protected from "
                          f"{publication.protected_from[d].isoformat()}")
            out.append(b'%d,"%s",%s,"%s"\r\n' % (chunk.first_line + row, _quote(view[start:end].tobytes()),
                                                  _DECISION_NAMES[decision], _quote(reason)))
        return out

    def _rows(self, result: ChunkResult, rows: npt.NDArray[np.int64]) -> bytes:
        """Format rejected.csv rows in line order: the many blocked and duplicate lines vectorised, the rest in
        Python, spliced in between."""
        chunk = result.chunk
        decision = result.decision[rows]
        rare = (decision == REJECTED_INVALID) | (decision == BLOCKED_UNSUBSCRIBED)
        if (chunk.buf[: chunk.size] == 34).any():  # originals holding '"' need escaping: let Python do it
            quotes = np.add.reduceat((chunk.buf[: chunk.size] == 34).astype(np.int64), result.starts)[rows] > 0
            rare |= quotes
        common = rows[~rare]
        flat, lengths = self._matrix_rows(result, common) if len(common) else (b"", np.zeros(0, dtype=np.int64))
        if not rare.any():
            return flat
        # Each rare row goes after the common rows that precede it in the batch.
        place = np.flatnonzero(rare)
        before = np.concatenate([[0], np.cumsum(lengths)])[place - np.arange(len(place))].tolist()
        view = memoryview(flat)
        parts, at = [], 0
        for offset, text in zip(before, self._rare_rows(result, rows[place]), strict=True):
            parts += [view[at:offset], text]
            at = offset
        parts.append(view[at:])
        return b"".join(parts)

    def _matrix_rows(self, result: ChunkResult, rows: npt.NDArray[np.int64]) -> tuple[bytes, npt.NDArray[np.int64]]:
        """Blocked and duplicate rows: lay each out in a padded byte matrix, then squeeze the padding out."""
        chunk = result.chunk
        buf, size = chunk.buf, chunk.size
        starts, lengths = result.starts[rows], result.ends[rows] - result.starts[rows]
        plain = (lengths == 8) & (self.layout.column is None)  # a clean 8-digit line needs no quotes
        width = max(int(lengths.max()), 1)
        heap = buf if width + 1 <= len(buf) - size else np.concatenate([buf[:size], np.zeros(width + 1, np.uint8)])
        tail = np.where(result.decision[rows] == DUPLICATE, 0, 1 + result.date_index[rows])
        line_digits, line_count = _digits10(chunk.first_line + rows)
        assert result.duplicate_of is not None
        duplicate_of = result.duplicate_of[rows]
        n = len(rows)
        lw = int(line_count.max())
        table, table_len = self._fixed, self._fixed_len
        blocks: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]] = [
            (line_digits[:, 10 - lw :], np.arange(lw) >= (lw - line_count)[:, None]),
            (np.broadcast_to(_OPEN, (n, 2)), np.stack([np.ones(n, dtype=bool), ~plain], axis=1)),
            (np.lib.stride_tricks.sliding_window_view(heap, width)[starts], np.arange(width) < lengths[:, None]),
            (np.broadcast_to(_CLOSE, (n, 2)), np.stack([~plain, np.ones(n, dtype=bool)], axis=1)),
            (table[tail], np.arange(table.shape[1]) < table_len[tail][:, None]),
        ]
        if duplicate_of.any():
            dup_digits, dup_count = _digits10(duplicate_of)
            dw = int(dup_count.max())
            blocks.append((dup_digits[:, 10 - dw :], np.arange(dw) >= (dw - dup_count)[:, None]))
        blocks.append((np.broadcast_to(_EOL, (n, 2)), np.ones((n, 2), dtype=bool)))
        total = sum(b.shape[1] for b, _ in blocks)
        matrix = np.empty((n, total), dtype=np.uint8)
        mask = np.empty((n, total), dtype=bool)
        at = 0
        for block, keep in blocks:
            matrix[:, at : at + block.shape[1]] = block
            mask[:, at : at + block.shape[1]] = keep
            at += block.shape[1]
        return matrix[mask].tobytes(), mask.sum(axis=1)

    # -- writing (one thread, in line order)

    def write(self, formatted: Formatted) -> None:
        self._kept.write(formatted.kept)
        self._rejected.write(formatted.rejected)

    def finish(self, report: dict[str, Any], receipt: dict[str, Any]) -> None:
        """Close the files, write the JSON documents, and move everything into place."""
        self._kept.close()
        self._rejected.close()
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
