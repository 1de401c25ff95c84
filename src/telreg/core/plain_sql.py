"""Read-only SQL on the bare database driver (sqlite3, psycopg), for the commands that must start at once.

Operators script `telreg dnc status` in loops (issue 18 §5: a look-up in under half a second), and importing
SQLAlchemy alone was 0.2 s of the command's 0.59 s. Its readings (a number's listings, the weather warnings) are
:class:`Reading` values: one SQL text and the kind of each column. :func:`run` sends a reading through a
:class:`PlainReader` (the driver itself) or, everywhere else, as ``text()`` through a SQLAlchemy Connection or
Session, with the column types that give back the same Python values: each reading is written once.

:func:`open_reader` takes only what it can read the way the engine would — an existing SQLite file, or PostgreSQL
through psycopg — and answers None for anything else (an in-memory database, another driver), which the caller
reads through the engine as before.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple, Self

__all__ = ["PlainReader", "Reading", "open_reader", "run"]

# How each kind of column comes back from the drivers, as SQLAlchemy's types give it back: SQLite holds dates and
# instants as ISO text (instants as naive UTC, core/engine.py UTCDateTime); psycopg gives date and naive datetime.
_FROM_SQLITE: dict[str, Callable[[Any], Any]] = {
    "text": lambda value: value,
    "date": lambda value: None if value is None else dt.date.fromisoformat(value),
    "utc_datetime": lambda value: None if value is None else dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC),
}
_FROM_POSTGRES: dict[str, Callable[[Any], Any]] = {
    "text": lambda value: value,
    "date": lambda value: value,
    "utc_datetime": lambda value: None if value is None else value.replace(tzinfo=dt.UTC),
}
_NAMED = re.compile(r"(?<![:\w]):(\w+)")  # :name, not a ::cast


@dataclass(frozen=True)
class Reading:
    """A read-only statement: SQL with ``:name`` parameters, and its columns' kinds (text, date, utc_datetime)."""

    sql: str
    columns: tuple[tuple[str, str], ...]

    @cached_property
    def clause(self) -> Any:
        """The statement as SQLAlchemy ``text()`` with the columns' types (imported here: not on the plain path)."""
        from sqlalchemy import Date, String, text

        from telreg.core.engine import UTCDateTime

        types = {"text": String, "date": Date, "utc_datetime": UTCDateTime}
        return text(self.sql).columns(**{name: types[kind]() for name, kind in self.columns})

    @cached_property
    def row(self) -> type[tuple[Any, ...]]:
        return NamedTuple("Row", [(name, Any) for name, _ in self.columns])  # type: ignore[misc]

    @cached_property
    def pyformat(self) -> str:
        """The SQL with psycopg's ``%(name)s`` parameters."""
        return _NAMED.sub(r"%(\1)s", self.sql.replace("%", "%%"))


class PlainReader:
    """One read-only transaction on a driver connection, rolled back when the ``with`` block ends."""

    def __init__(self, connection: Any, *, postgres: bool) -> None:
        self._connection = connection
        self._postgres = postgres

    def rows(self, reading: Reading, params: Mapping[str, Any] | None = None) -> list[Any]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(reading.pyformat if self._postgres else reading.sql, dict(params or {}))
            convert = _FROM_POSTGRES if self._postgres else _FROM_SQLITE
            kinds = [convert[kind] for _, kind in reading.columns]
            return [reading.row(*(f(v) for f, v in zip(kinds, values, strict=True))) for values in cursor.fetchall()]
        finally:
            cursor.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._connection.rollback()
        finally:
            self._connection.close()


def run(executor: Any, reading: Reading, params: Mapping[str, Any] | None = None) -> list[Any]:
    """The rows of READING, from a PlainReader or a SQLAlchemy Connection or Session (attribute access alike)."""
    if isinstance(executor, PlainReader):
        return executor.rows(reading, params)
    return list(executor.execute(reading.clause, dict(params or {})))


_SQLITE_URL = re.compile(r"sqlite(?:\+pysqlite)?:///(?P<path>[^?]+)")
_POSTGRES_URL = re.compile(r"postgresql\+psycopg://(?P<rest>.+)")


def open_reader(url: str) -> PlainReader | None:
    """A read-only transaction on the database at URL through its driver, or None when the URL is not one this
    module reads as the engine would (then read through the engine)."""
    if (found := _SQLITE_URL.fullmatch(url)) is not None:
        path = found["path"]
        if path.startswith("file:") or path == ":memory:" or "%" in path or not os.path.isfile(path):
            return None  # the engine's own handling (it creates a missing file, private)
        import sqlite3

        connection = sqlite3.connect(path, timeout=30, isolation_level=None)  # 30 s busy timeout, as the engine
        connection.execute("BEGIN DEFERRED")  # a reader: does not queue behind the writer (core/engine.py)
        return PlainReader(_SqliteTransaction(connection), postgres=False)
    if (found := _POSTGRES_URL.fullmatch(url)) is not None:
        import psycopg

        connection = psycopg.connect("postgresql://" + found["rest"])
        connection.read_only = True
        return PlainReader(connection, postgres=True)
    return None


class _SqliteTransaction:
    """sqlite3 in autocommit mode (``isolation_level=None``) with the transaction begun explicitly: rollback() ends
    it as psycopg's does."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def cursor(self) -> Any:
        return self._connection.cursor()

    def rollback(self) -> None:
        self._connection.execute("ROLLBACK")

    def close(self) -> None:
        self._connection.close()
