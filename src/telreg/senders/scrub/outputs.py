"""The scrub's files: kept.csv, rejected.csv, report.json and receipt.json — a stable interface (issue 4 §3).

* ``kept.csv``: the original lines that may be sent, byte for byte, in their original order (the header line first
  when the list has one; the BOM too when the list had one).
* ``rejected.csv``: ``line,original,decision,reason`` (CRLF; fields quoted when they need it, as RFC 4180 says)
  for every line not kept: rejected_invalid, duplicate, blocked_unsubscribed, blocked_dnc, in line order.
* ``report.json``: counts per decision, duplicates, and the kept lines whose protection has not started yet, grouped
  by the day it starts (they may be sent now, but not from that day on).
* ``receipt.json``: the proof a sender keeps: publication (register, date, SHA-256), the list's SHA-256, the
  instructions' SHA-256, the send date, the counts.

Rows are formatted without a per-line Python loop: a row is a few segments (line number and opening quote, the
original line, the decision and reason, the "duplicate of" line number), and each segment is copied for all rows at
once by fancy indexing whole fixed-width records (``_place``). Reasons come from tables: one text per registration
date, one per distinct refused spelling (garbage repeats). The few rows whose reason is particular to the line
(unsubscribes, CSV lines needing the csv module, originals holding quotes) are formatted in Python and copied in.
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
from telreg.senders.scrub.numbers import MAX_FIELD, invalid_reason
from telreg.senders.scrub.reader import BOM, Layout

__all__ = ["FILES", "Formatted", "OutputWriter", "REJECTED_HEADER"]

FILES = ("kept.csv", "rejected.csv", "report.json", "receipt.json")
REJECTED_HEADER = b"line,original,decision,reason\r\n"
_ROWS = 1 << 18  # rows per formatting batch: keeps the temporaries to a few tens of MB

_i = np.arange(10_000)
_DIGITS4 = (np.stack([_i // 1000, _i // 100 % 10, _i // 10 % 10, _i % 10], axis=1) + ord("0")).astype(np.uint8)
_POWERS = np.array([10**k for k in range(1, 10)], dtype=np.int64)
_DECISION_NAMES = [name.encode() for name in DECISIONS]


def _digits10(values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Ten zero-padded ASCII digits per value and how many of them are significant (0 for the value 0)."""
    out = np.empty((len(values), 10), dtype=np.uint8)
    out[:, 0:2] = _DIGITS4[(values // 100_000_000 % 100).astype(np.intp), 2:]
    out[:, 2:6] = _DIGITS4[(values // 10_000 % 10_000).astype(np.intp)]
    out[:, 6:10] = _DIGITS4[(values % 10_000).astype(np.intp)]
    count = np.where(values > 0, np.searchsorted(_POWERS, values, side="right") + 1, 0)
    return out, count


def _voids(arr: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.void]:
    """Every byte offset of a flat byte array as the start of a ``width``-byte record: one fancy index moves a
    whole record (a memcpy), so rows of any layout are gathered and placed without per-byte index arrays."""
    return np.ndarray(shape=(len(arr) - width + 1,), dtype=np.dtype((np.void, width)), buffer=arr, strides=(1,))


def _place(out: npt.NDArray[np.uint8], dest: npt.NDArray[np.int64], src: npt.NDArray[np.uint8],
           src_at: npt.NDArray[np.int64], length: npt.NDArray[np.int64]) -> None:
    """Copy src[src_at[i] : src_at[i] + length[i]] to out[dest[i] : …] for every i, one fancy copy per length."""
    if len(dest) == 0:
        return
    low, high = int(length.min()), int(length.max())
    if low == high:
        groups = [(low, slice(None))]
    else:
        order = np.argsort(length, kind="stable")
        bounds = np.flatnonzero(np.diff(length[order])) + 1
        groups = [(int(length[g[0]]), g) for g in np.split(order, bounds)]
    for width, rows in groups:
        if width:
            _voids(out, width)[dest[rows]] = _voids(src, width)[src_at[rows]]


def _prefixes(values: npt.NDArray[np.int64], tail: bytes) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64],
                                                                      npt.NDArray[np.int64]]:
    """Rows of ten zero-padded digits followed by ``tail``, flattened, with where each value's significant digits
    start and how many there are."""
    digits, count = _digits10(values)
    rows = np.empty((len(values), 10 + len(tail)), dtype=np.uint8)
    rows[:, :10] = digits
    rows[:, 10:] = np.frombuffer(tail, dtype=np.uint8)
    return rows.ravel(), np.arange(len(values), dtype=np.int64) * rows.shape[1] + 10 - count, count


def _texts(texts: list[bytes]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Texts laid end to end, with their offsets and lengths."""
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return np.frombuffer(b"".join(texts) or b"\0", dtype=np.uint8).copy(), offsets, lengths


def _quote(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return raw.replace(b'"', b'""')


@dataclass
class Formatted:
    kept: npt.NDArray[np.uint8]  # kept.csv lines, in line order
    rejected: list[npt.NDArray[np.uint8]]  # rejected.csv rows, in line order
    counts: npt.NDArray[np.int64]
    not_yet_lines: npt.NDArray[np.int64]
    not_yet_dates: npt.NDArray[np.int32]


class OutputWriter:
    """Formats chunk results (on any thread) and writes them (in line order, on one thread)."""

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
        widths = result.nexts - result.starts
        if kept_rows.all():
            kept = chunk.buf[: chunk.size]
        elif len(widths) and widths.min() == widths.max():  # lines of one width (common): select whole rows
            kept = chunk.buf[: chunk.size].reshape(-1, int(widths[0]))[kept_rows].ravel()
        else:
            rows = np.flatnonzero(kept_rows)
            end = np.cumsum(widths[rows])
            kept = np.empty(int(end[-1]) if len(end) else 0, dtype=np.uint8)
            _place(kept, end - widths[rows], chunk.buf, result.starts[rows], widths[rows])
        rejected = np.flatnonzero(~kept_rows)
        parts = [self._rows(result, rejected[at : at + _ROWS]) for at in range(0, len(rejected), _ROWS)]
        not_yet = np.flatnonzero(decision == NOT_YET)
        return Formatted(kept, parts, np.bincount(decision, minlength=len(DECISIONS)).astype(np.int64),
                         chunk.first_line + not_yet, result.date_index[not_yet])

    def _python_rows(self, result: ChunkResult, rows: npt.NDArray[np.int64]) -> list[bytes]:
        """Rows for the few lines formatted in Python: unsubscribes, reasons found while reading fields, long
        fields, originals holding quotes."""
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

    def _rows(self, result: ChunkResult, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """Format rejected.csv rows in line order. Each row is a few segments — line number and opening quote, the
        original line, the decision and reason (from a table: one text per registration date, per refused spelling),
        the "duplicate of" line number — and every segment is copied for all rows at once (see ``_place``). The few
        rows needing Python are formatted one by one and copied into their places."""
        chunk, buf = result.chunk, result.chunk.buf
        assert result.duplicate_of is not None
        decision = result.decision[rows]
        python = decision == BLOCKED_UNSUBSCRIBED
        if result.reasons:
            python |= np.isin(rows, np.fromiter(result.reasons, dtype=np.int64, count=len(result.reasons)))
        if (buf[: chunk.size] == 34).any():  # originals holding '"' need escaping: let Python do it
            python |= (np.add.reduceat((buf[: chunk.size] == 34).astype(np.int64), result.starts)[rows] > 0)
        invalid = np.flatnonzero((decision == REJECTED_INVALID) & ~python)
        field_at = result.fs[rows[invalid]]
        field_len = result.fe[rows[invalid]] - field_at
        python[invalid[field_len > MAX_FIELD]] = True
        invalid = np.flatnonzero((decision == REJECTED_INVALID) & ~python)
        field_at = result.fs[rows[invalid]]
        field_len = result.fe[rows[invalid]] - field_at

        starts = result.starts[rows]
        lengths = result.ends[rows] - starts
        duplicate = decision == DUPLICATE
        quoted = (decision == REJECTED_INVALID) | (lengths != 8) | (self.layout.column is not None)
        prefix, prefix_at, line_digits = _prefixes(chunk.first_line + rows, b',"')
        tail = 2 * np.where(duplicate, 0, 1 + result.date_index[rows]) + quoted
        tail_len = self._tail_len[tail]
        reasons, reason_at, reason_len, which = self._invalid_reasons(buf, field_at, field_len)
        tail_len[invalid] = reason_len[which]
        dup_rows = np.flatnonzero(duplicate & ~python)
        dup_digits, dup_at, dup_count = _prefixes(result.duplicate_of[rows[dup_rows]], b"\r\n")
        size = line_digits + 1 + quoted + lengths + tail_len
        size[dup_rows] += dup_count + 2
        texts = self._python_rows(result, rows[python]) if python.any() else []
        size[python] = [len(t) for t in texts]
        end = np.cumsum(size)
        at = end - size
        out = np.empty(int(end[-1]) if len(end) else 0, dtype=np.uint8)

        keep = ~python
        fixed = np.flatnonzero(keep & (decision != REJECTED_INVALID))
        _place(out, at[keep], prefix, prefix_at[keep], (line_digits + 1 + quoted)[keep])
        body = at + line_digits + 1 + quoted
        _place(out, body[keep], buf, starts[keep], lengths[keep])
        body += lengths
        _place(out, body[fixed], self._tails, self._tail_at[tail[fixed]], tail_len[fixed])
        _place(out, body[invalid], reasons, reason_at[which], tail_len[invalid])
        _place(out, (body + tail_len)[dup_rows], dup_digits, dup_at, dup_count + 2)
        view = memoryview(out)
        for offset, text in zip(at[python].tolist(), texts, strict=True):
            view[offset : offset + len(text)] = text
        return out

    @staticmethod
    def _invalid_reasons(buf: npt.NDArray[np.uint8], field_at: npt.NDArray[np.int64],
                         field_len: npt.NDArray[np.int64],
                         ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.int64],
                                    npt.NDArray[np.intp]]:
        """The decision-and-reason texts of refused fields: one per distinct spelling (garbage repeats), and which
        one each field takes. Fields are at most MAX_FIELD bytes (the buffer's slack covers the widest read)."""
        if len(field_at) == 0:
            return np.zeros(1, dtype=np.uint8), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), \
                np.zeros(0, dtype=np.intp)
        width = int(field_len.max())
        keys = np.zeros((len(field_at), width + 1), dtype=np.uint8)
        keys[:, 0] = field_len
        if width:
            window = np.lib.stride_tricks.sliding_window_view(buf, width)[field_at]
            keys[:, 1:] = np.where(np.arange(width) < field_len[:, None], window, 0)
        distinct, which = np.unique(keys.view(np.dtype((np.void, width + 1))).ravel(), return_inverse=True)
        texts = []
        for key in distinct.tolist():
            raw = bytes(key)
            reason = invalid_reason(raw[1 : 1 + raw[0]])
            texts.append(b'",rejected_invalid,"' + _quote(reason) + b'"\r\n')
        table, table_at, table_len = _texts(texts)
        return table, table_at, table_len, which.ravel()

    # -- writing (one thread, in line order)

    def write(self, formatted: Formatted) -> None:
        self._kept.write(formatted.kept)
        for part in formatted.rejected:
            self._rejected.write(part)

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
