"""The lines of a chunk the byte loop leaves to Python, read together: a chunk at a time, not a line at a time.

What comes here (status PYTHON from ``_kernels.scan``) is the truly unusual: a number field holding non-ASCII text
(full-width digits typed with a Chinese input method, which core/phone.py folds with NFKC), a quoted field left open
at the end of its line (a field holding a line break: a list is read line by line, as the reference does), a line
with fewer columns than the chosen one, a line that is not UTF-8. The chunk's such lines go through the csv module in
one call, their fields are folded with NFKC in one call, and every field that folds to ASCII is parsed by the same C
loop as every other line (``parse_fields``; NFKC is idempotent, so this is core/phone.py's reading); only the fields
still not ASCII after folding go through core/phone.py one by one. A batch the csv module reads into other than one
record per line (an open quote swallowing the next line) is read line by line, as before.
"""

from __future__ import annotations

import csv
import unicodedata
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from telreg.senders.scrub.numbers import INVALID, SLACK, VALID, invalid_reason, parse_fields, scalar_number

if TYPE_CHECKING:  # engine imports this module
    from telreg.senders.scrub.engine import Lines
    from telreg.senders.scrub.reader import Layout

__all__ = ["read_left_lines"]

I64 = npt.NDArray[np.int64]


def read_left_lines(lines: Lines, layout: Layout, rows: I64) -> None:
    """Read the given lines of ``lines`` in Python, setting their numbers, status and reasons."""
    view = memoryview(lines.chunk.buf)
    k = layout.column
    rows_list = rows.tolist()
    reasons: dict[int, str] = {}
    if k is None:
        fields: list[bytes | None] = [view[s:e].tobytes() for s, e in
                                      zip(lines.fs[rows].tolist(), lines.fe[rows].tolist(), strict=True)]
    else:
        fields = _column_values(view, lines, layout, rows, reasons)
    numbers = _numbers(fields)
    for i, (row, number) in enumerate(zip(rows_list, numbers, strict=True)):
        lines.numbers[row] = number or 0
        lines.status[row] = VALID if number is not None else INVALID
        if number is None and k is not None and i not in reasons:
            # The value is not where the line's fs:fe points (a CSV value read by the csv module): word it here.
            reasons[i] = invalid_reason(fields[i])  # type: ignore[arg-type]
    lines.reasons.update((rows_list[i], reason) for i, reason in reasons.items())


def _column_values(view: memoryview, lines: Lines, layout: Layout, rows: I64,
                   reasons: dict[int, str]) -> list[bytes | None]:
    """The chosen column's value of each line (None with a reason when there is none), the csv module reading the
    chunk's lines in one call."""
    assert layout.delimiter is not None and layout.column is not None
    delimiter = layout.delimiter.decode()
    k = layout.column
    texts: list[str] = []
    for i, (start, end) in enumerate(zip(lines.starts[rows].tolist(), lines.ends[rows].tolist(), strict=True)):
        try:
            texts.append(view[start:end].tobytes().decode("utf-8"))
        except UnicodeDecodeError:
            texts.append("")
            reasons[i] = "the line is not valid UTF-8 CSV"
    try:
        records = list(csv.reader(texts, delimiter=delimiter))
    except csv.Error:
        records = []
    if len(records) != len(texts):  # a record ran over more than one line: read them one by one
        records = [_one_record(text, delimiter, reasons, i) for i, text in enumerate(texts)]
    values: list[bytes | None] = []
    for i, values_ in enumerate(records):
        if i in reasons:
            values.append(None)
        elif len(values_) <= k:
            reasons[i] = f"the line has {len(values_)} column(s); {layout.column_name!r} is column {k + 1}"
            values.append(None)
        else:
            values.append(values_[k].encode("utf-8"))
    return values


def _one_record(text: str, delimiter: str, reasons: dict[int, str], i: int) -> list[str]:
    try:
        return next(csv.reader([text], delimiter=delimiter))
    except (csv.Error, StopIteration):
        reasons.setdefault(i, "the line is not valid UTF-8 CSV")
        return []


def _numbers(fields: list[bytes | None]) -> list[int | None]:
    """core/phone.py's number in each field (None: refused, or no field), most of them read by the C loop."""
    texts = []
    for field in fields:
        try:
            texts.append(None if field is None else field.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(None)
    given = [t for t in texts if t is not None]
    folded = unicodedata.normalize("NFKC", "\n".join(given)).split("\n") if given else []
    if len(folded) != len(given):  # (no compatibility form folds to a line feed, but never assume it)
        folded = [unicodedata.normalize("NFKC", t) for t in given]
    ascii_ = [f.encode() if f.isascii() and "\n" not in f else None for f in folded]
    plain = [a for a in ascii_ if a is not None]
    parsed: list[int | None] = []
    if plain:
        joined = b"\n".join(plain) + b"\n"
        buf = np.zeros(len(joined) + SLACK, dtype=np.uint8)
        buf[: len(joined)] = np.frombuffer(joined, dtype=np.uint8)
        lengths = np.array([len(a) for a in plain], dtype=np.int64)
        ends = np.cumsum(lengths + 1) - 1
        values, valid = parse_fields(buf, ends - lengths, ends)
        parsed = [int(v) if ok else None for v, ok in zip(values.tolist(), valid.tolist(), strict=True)]
    out: list[int | None] = []
    next_plain = iter(parsed)
    next_given = iter(zip(given, ascii_, strict=True))
    for text, field in zip(texts, fields, strict=True):
        if text is None:
            out.append(None)
            continue
        _, folded_ascii = next(next_given)
        out.append(next(next_plain) if folded_ascii is not None else scalar_number(field))  # type: ignore[arg-type]
    return out
