"""The incidents migration builds exactly the models' tables (SQLite and PostgreSQL), and goes down and up."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SAWarning

from telreg.core.db import Base
from telreg.core.migrate import import_all_models
from tests.migrations import load_migration, run_step

MIGRATION = "2026-12-07-1030_incidents.py"
TABLES = {"incidents", "incident_scope", "incident_steps"}


def _ours(obj, name, kind, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in TABLES


def test_the_migration_matches_the_models(engine: Engine) -> None:
    import_all_models()
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    migration = load_migration(MIGRATION)
    assert (migration.revision, migration.down_revision) == ("c16d00000001", "c16c00000001")
    run_step(engine, migration.downgrade)
    assert not TABLES & set(inspect(engine).get_table_names())
    run_step(engine, migration.upgrade)
    assert TABLES <= set(inspect(engine).get_table_names())
