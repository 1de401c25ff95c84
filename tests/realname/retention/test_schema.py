"""The retention migration builds exactly the models' table and column (SQLite and PostgreSQL), down and up."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from tests.migrations import load_migration, run_step, schema_differences

MIGRATION = "2026-12-07-1020_retention.py"
TABLES = {"realname_erasures", "realname_identities"}


def test_the_migration_matches_the_models(engine: Engine) -> None:
    assert schema_differences(engine, TABLES) == []


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    migration = load_migration(MIGRATION)
    assert (migration.revision, migration.down_revision) == ("c16c00000001", "c16b00000001")
    run_step(engine, migration.downgrade)
    assert "realname_erasures" not in inspect(engine).get_table_names()
    assert "erased_at" not in {c["name"] for c in inspect(engine).get_columns("realname_identities")}
    run_step(engine, migration.upgrade)
    assert "realname_erasures" in inspect(engine).get_table_names()
    assert "erased_at" in {c["name"] for c in inspect(engine).get_columns("realname_identities")}
