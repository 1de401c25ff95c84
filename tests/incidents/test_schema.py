"""The incidents migration builds exactly the models' tables (SQLite and PostgreSQL), and goes down and up."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from tests.migrations import load_migration, run_step, schema_differences

MIGRATION = "2026-12-07-1030_incidents.py"
TABLES = {"incidents", "incident_scope", "incident_steps"}


def test_the_migration_matches_the_models(engine: Engine) -> None:
    assert schema_differences(engine, TABLES) == []


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    migration = load_migration(MIGRATION)
    assert (migration.revision, migration.down_revision) == ("c16d00000001", "c16c00000001")
    run_step(engine, migration.downgrade)
    assert not TABLES & set(inspect(engine).get_table_names())
    run_step(engine, migration.upgrade)
    assert TABLES <= set(inspect(engine).get_table_names())
