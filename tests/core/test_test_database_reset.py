"""The PostgreSQL tests' reset between tests leaves the database as the migrations left it: same rows, same
sequences, including the trigger-kept table without a model (tests/conftest.py's ``_empty_tables``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from telreg.core.db import unit_of_work
from telreg.demo import load_demo
from telreg.runtime import Runtime
from tests.conftest import _empty_tables, own_postgres_database

_TABLES = text("SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
               " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'")
_SEQUENCES = text("SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename")


def _state(engine: Engine) -> dict[str, Any]:
    """Every table's rows (partitions too, each on its own) and every sequence's position."""
    with engine.connect() as conn:
        tables = sorted(conn.execute(_TABLES).scalars())
        rows = {table: sorted(map(repr, conn.execute(text(f"SELECT * FROM {table}")))) for table in tables}
        return {"rows": rows, "sequences": conn.execute(_SEQUENCES).all()}


@pytest.fixture
def fresh_postgres(worker_tag: str) -> Iterator[Engine]:
    """A database of its own, just migrated."""
    with own_postgres_database(f"telreg_reset_{worker_tag}_{os.getpid()}") as engine:
        yield engine


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_after_the_demo_the_reset_leaves_what_the_migrations_left(runtime: Runtime, engine: Engine,
                                                                  fresh_postgres: Engine) -> None:
    migrated = _state(fresh_postgres)
    with unit_of_work(runtime.session_factory) as session:
        load_demo(session, clock=runtime.clock, settings=runtime.settings)
    loaded = _state(engine)
    written = {table for table, rows in loaded["rows"].items() if rows != migrated["rows"].get(table)}
    # The demo writes across the contexts: append-only audit tables, realname_number_keys (kept by a trigger),
    # partitions, the migrations' reference rows left as they were.
    assert {"audit_events", "realname_number_keys", "users"} <= written and len(written) >= 20, written
    assert loaded["sequences"] != migrated["sequences"]

    _empty_tables(engine)

    assert _state(engine) == migrated
