"""Running one migration file's own functions in a test: load the module by its file name, run a step; compare
what the migrations built with what the models describe, for some tables."""

from __future__ import annotations

import functools
import importlib.util
import warnings
from collections.abc import Callable, Collection
from types import ModuleType
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SAWarning

from telreg.core.db import Base
from telreg.core.migrate import MIGRATIONS_DIR, import_all_models
from telreg.realname.models import PARTITIONED_BY_OPERATOR, POSTGRESQL_DIVERGENCES


def load_migration(filename: str) -> ModuleType:
    """The migration module ``migrations/versions/FILENAME`` (its revision, upgrade and downgrade)."""
    path = MIGRATIONS_DIR / "versions" / filename
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_step(engine: Engine, step: Callable[[], None]) -> None:
    """Run a migration's ``upgrade`` or ``downgrade`` in one transaction, as Alembic would."""
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        step()


def schema_differences(engine: Engine, tables: Collection[str]) -> list[Any]:
    """What differs between the database the migrations built and the models, for TABLES (their columns,
    indexes and constraints): empty when the migration builds exactly what the models say."""

    def ours(obj, name, kind, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
        if postgresql and (table, name) in POSTGRESQL_DIVERGENCES:  # the real-name tables' partitioning
            return False
        if kind == "foreign_key_constraint" and reflected and _partition_of(obj.referred_table.name):
            return False  # the clone PostgreSQL keeps per partition of a referenced partitioned table
        return table in tables

    import_all_models()
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # other contexts' expression indexes, which SQLite cannot reflect
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": ours})
        return list(compare_metadata(context, Base.metadata))


def _partition_of(table: str) -> bool:
    parent, _, number = table.rpartition("_p")
    return parent in PARTITIONED_BY_OPERATOR and number.isdigit()


# Rows a migration inserts as reference data (the fine scale), put back after the PostgreSQL tests' TRUNCATE.
_REFERENCE_ROWS = (("2026-12-08-1000_enforcement.py", "fine_scale_table", "STARTING_SCALE"),)


@functools.cache
def _cached_migration(filename: str) -> ModuleType:
    return load_migration(filename)


def restore_reference_rows(connection: Connection) -> None:
    """Insert the reference rows the migrations made (a truncated database lost them)."""
    for filename, table, rows in _REFERENCE_ROWS:
        migration = _cached_migration(filename)
        connection.execute(getattr(migration, table)().insert(), getattr(migration, rows))
