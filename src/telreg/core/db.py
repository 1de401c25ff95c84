"""Engines, sessions and the declarative Base shared by every context.

Services only flush; the edge (a request dependency, a CLI command, a worker job) owns the transaction through
``unit_of_work``. On SQLite every transaction starts with ``BEGIN IMMEDIATE`` so writers are serialised the way
row locks serialise them on PostgreSQL: a quota count or a job claim can never interleave with another writer.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import JSON, Engine, MetaData, String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# What an engine needs lives in telreg.core.engine, free of the ORM (the status command's path); re-exported here.
from telreg.core.engine import READONLY, UTCDateTime, is_sqlite, make_engine  # noqa: F401

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


Row = TypeVar("Row")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), str: String()}


def one_of(column: str, values: tuple[str, ...]) -> str:
    """Return the SQL of a check constraint keeping COLUMN among VALUES: ``state IN ('a', 'b')``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def make_session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """Sessions for the engine; readonly ones do not take SQLite's writer lock (they must not write)."""
    bind = engine.execution_options(**{READONLY: True}) if readonly else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session that commits when the block succeeds and rolls back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def locked(session: Session, stmt: Any) -> Any:
    """Return STMT as ``SELECT … FOR UPDATE`` on PostgreSQL (the row lock serialises changes of one row); as it is
    on SQLite, where BEGIN IMMEDIATE already lets one writer in at a time."""
    return stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt


def dialect_insert(session: Session, table: Any) -> Any:
    """Return an INSERT for TABLE (a mapped class or a Table) that knows ON CONFLICT on this session's backend."""
    return _insert_of(session.get_bind().dialect.name)(table)


def _insert_of(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_unless_duplicate(session: Session, row: Row) -> Row | None:
    """Insert ROW in one statement; return the stored row, or None when a unique constraint already holds its key.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` does what ``add_unless_duplicate`` does without the savepoint
    and the flush: one round trip instead of four, for the hot paths that insert several rows per request. On
    PostgreSQL a concurrent insert of the same key waits for the other transaction and returns None if it
    commits. The returned object is the session's persistent instance; ROW itself stays transient.
    """
    mapper = sa_inspect(type(row))
    values = {attr.key: row.__dict__[attr.key] for attr in mapper.column_attrs if attr.key in row.__dict__}
    return session.scalars(_insert_or_nothing(session.get_bind().dialect.name, type(row)), values).first()


@functools.cache
def _insert_or_nothing(dialect: str, cls: type) -> Any:
    # Built once per class: constructing the statement cost more Python than executing it (values come as
    # parameters, so one compiled statement serves every row).
    return _insert_of(dialect)(cls).on_conflict_do_nothing().returning(cls)


def add_unless_duplicate(session: Session, row: object) -> bool:
    """Insert a row; return False, with the transaction still usable, when a unique constraint refuses it.

    The constraint is the arbiter under concurrency (two requests registering the same number, a re-delivered
    webhook): a savepoint lets the loser carry on in its own transaction instead of failing it.
    """
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True
