"""Prove that personal data never reaches storage in clear: search a copy of the database for the values.

The search is on raw bytes, as an attacker with a stolen file or dump would do it:

- SQLite: the database file and its ``-wal`` file (committed rows live there until a checkpoint) — free pages
  included, so a value written in clear and later overwritten still counts as a leak;
- PostgreSQL: the output of the real ``pg_dump`` (plain SQL), where text appears as UTF-8 with COPY escapes
  and ``bytea`` as hex, so each value is looked for in all three spellings.

A long value (a document image) may be cut across SQLite overflow pages, so it is looked for as 64-byte
pieces; pieces with little variety (runs of zeros, flat colour) are skipped, as they occur everywhere by
chance.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

__all__ = [
    "assert_absent_in_database",
    "assert_absent_in_pg_dump",
    "assert_absent_in_sqlite_file",
    "find_pg_dump",
]

_WHOLE_UP_TO = 256
_PIECE = 64
_MIN_DISTINCT_BYTES = 16
_HEX_FROM = 8


def assert_absent_in_database(engine: Engine, values: Iterable[str | bytes]) -> None:
    """Fail if any value is stored in clear in the engine's database, whichever the backend."""
    if engine.dialect.name == "sqlite":
        assert engine.url.database, "an in-memory SQLite database has no file to search"
        assert_absent_in_sqlite_file(engine.url.database, values)
    else:
        assert_absent_in_pg_dump(engine.url.render_as_string(hide_password=False), values)


def assert_absent_in_sqlite_file(path: str | Path, values: Iterable[str | bytes]) -> None:
    """Fail if any value occurs in the SQLite database file or its -wal file, as raw UTF-8 (or raw bytes)."""
    path = Path(path)
    assert path.exists(), f"no SQLite database at {path}"
    files = [path] + [p for p in (Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]
    contents = {str(f): f.read_bytes() for f in files}
    for value in _checked(values):
        for needle in _needles(_encode(value)):
            for name, data in contents.items():
                where = data.find(needle)
                assert where < 0, f"{_show(value)} is stored in clear in {name} at byte {where}"


def assert_absent_in_pg_dump(url: str, values: Iterable[str | bytes]) -> None:
    """Fail if any value occurs in a pg_dump of the database at ``url`` (a SQLAlchemy or libpq URL)."""
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run(
        [find_pg_dump(), "--dbname", libpq_url, "--encoding", "UTF8", "--no-owner", "--no-privileges"],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"pg_dump failed: {result.stderr.decode(errors='replace')}"
    dump = result.stdout
    assert b"PostgreSQL database dump" in dump, "pg_dump printed no dump"
    for value in _checked(values):
        raw = _encode(value)
        spellings = [raw, _copy_escaped(raw)]
        if len(raw) >= _HEX_FROM:  # shorter hex strings turn up by chance inside hex digests (blind indexes)
            spellings.append(raw.hex().encode("ascii"))
        for spelling in spellings:
            for needle in _needles(spelling):
                where = dump.find(needle)
                assert where < 0, f"{_show(value)} is in clear in the pg_dump output at byte {where}"


def find_pg_dump() -> str:
    """Return the pg_dump binary: on PATH, else the newest /usr/lib/postgresql/<version>/bin/pg_dump."""
    found = shutil.which("pg_dump")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    assert candidates, "pg_dump is not installed (not on PATH nor under /usr/lib/postgresql/*/bin)"
    return candidates[-1]


def _checked(values: Iterable[str | bytes]) -> list[str | bytes]:
    values = list(values)
    assert values, "give at least one value to look for"
    # An empty value (or a single character) is found everywhere and would prove nothing.
    assert all(len(v) >= 2 for v in values), "every value to look for must have at least 2 characters"
    return values


def _encode(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _needles(data: bytes) -> list[bytes]:
    if len(data) <= _WHOLE_UP_TO:
        return [data]
    pieces = [data[i:i + _PIECE] for i in range(0, len(data) - _PIECE + 1, _PIECE)]
    varied = [p for p in pieces if len(set(p)) >= _MIN_DISTINCT_BYTES]
    return varied or [data]


def _copy_escaped(raw: bytes) -> bytes:
    # COPY ... TO stdout text format: backslash, newline, carriage return and tab are backslash-escaped.
    return (raw.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t"))


def _show(value: str | bytes) -> str:
    return repr(value) if len(value) <= 40 else f"a {len(value)}-{type(value).__name__} value"
