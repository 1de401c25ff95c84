"""What every file the service hands out is built with: its Content-Disposition, and formula-safe CSV.

``attachment(name)``: a download's ``Content-Disposition``. A name may hold anything a client reference or an
operator code holds (Chinese, quotes, semicolons, CR LF): the header gets an ASCII ``filename="…"`` for old
clients, every other character replaced by ``_`` (so nothing can close the quotes or start a header), and
the real name as RFC 5987/6266 ``filename*=UTF-8''…``, percent-encoded. Starlette would otherwise refuse a
non-Latin-1 header value (a 500), and a quote in the name would end ``filename`` early.

``csv_writer(out)``: ``csv.writer`` whose cells are made inert for spreadsheets (OWASP "CSV injection"): a text
cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is written after a single quote, so Excel or
LibreOffice shows ``=HYPERLINK(…)`` as text instead of running it. Numbers are left alone: an int or float, and
a cell that is only a number (``-3``, ``+85291234567``, ``12.5``), is not a formula and stays importable.
A phone number the service normalised to digits starts with a digit anyway.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import quote

__all__ = ["FORMULA_TRIGGERS", "attachment", "csv_writer", "formula_safe"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_UNSAFE_IN_FALLBACK = re.compile(r"[^A-Za-z0-9._-]")


def attachment(filename: str) -> str:
    """The Content-Disposition of a download named FILENAME (any characters)."""
    fallback = _UNSAFE_IN_FALLBACK.sub("_", filename).strip("._") or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def formula_safe(value: Any) -> Any:
    """VALUE, or a text value a spreadsheet would run as a formula, after a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([formula_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options: Any) -> _SafeWriter:
    """``csv.writer(out, **options)`` for a file people open in a spreadsheet: every cell ``formula_safe``."""
    return _SafeWriter(out, **options)


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]], **options: Any) -> str:
    """A whole CSV document (a header row, then the rows) written by :func:`csv_writer`."""
    out = io.StringIO()
    writer = csv_writer(out, **options)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
