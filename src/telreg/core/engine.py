"""Engines and the instant column type, without the ORM.

``telreg dnc status`` reads a number's listings with SQLAlchemy Core and must not pay for importing
``sqlalchemy.orm`` (issue 18 §5: a status look-up in under half a second), so what an engine needs lives here;
:mod:`telreg.core.db` re-exports all of it beside the declarative Base and the sessions.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["READONLY", "UTCDateTime", "is_sqlite", "make_engine"]

READONLY = "telreg_readonly"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store instants as naive UTC on every backend; hand back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(url_or_engine)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and writer-serialising transactions."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            _create_private_sqlite_file(Path(database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _create_private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 (its -wal and -shm files take the same mode) and its directory 0700,
    unless they exist: the database holds personal data and password hashes."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # an empty file is an empty database
    except FileExistsError:
        pass


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that BEGIN IMMEDIATE below is what actually runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Read-only work (status look-ups) need not queue behind writers: WAL gives it a consistent snapshot.
        readonly = connection.get_execution_options().get(READONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if readonly else "BEGIN IMMEDIATE")
