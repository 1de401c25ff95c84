"""The lawful-access migration builds exactly what the models describe (SQLite and PostgreSQL), and goes down and up:
the la_* tables, the two-person rule's requests, users.agency_code and realname_numbers.iccid."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from tests.migrations import load_migration, run_step, schema_differences

MIGRATION = "2026-12-07-1000_lawful_access.py"
TABLES = {"la_agencies", "la_authorisations", "la_documents", "la_tasks", "la_task_records", "la_decisions",
          "la_results", "dual_control_requests"}


def test_the_migration_matches_the_models(engine: Engine) -> None:
    # realname_policy_overrides: the two-person rule's policy changes (migration 2026-12-07-1040_dual_control)
    assert schema_differences(engine, TABLES | {"users", "realname_numbers", "realname_policy_overrides"}) == []


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    migration = load_migration(MIGRATION)
    assert (migration.revision, migration.down_revision) == ("c16a00000001", "c15e00000001")
    # The later migrations' tables refer to these: take them down first, then this one, then all up again.
    # The real-name partitioning first: the plain realname_numbers is what this migration's downgrade and
    # upgrade know.
    later = [load_migration(name) for name in ("2026-12-09-1010_realname_partitions.py",
                                               "2026-12-07-1040_dual_control.py", "2026-12-07-1030_incidents.py",
                                               "2026-12-07-1020_retention.py", "2026-12-07-1010_consent.py")]
    for step in later:
        run_step(engine, step.downgrade)
    run_step(engine, migration.downgrade)
    names = set(inspect(engine).get_table_names())
    assert not TABLES & names
    assert "agency_code" not in {c["name"] for c in inspect(engine).get_columns("users")}
    assert "iccid" not in {c["name"] for c in inspect(engine).get_columns("realname_numbers")}
    run_step(engine, migration.upgrade)
    for step in reversed(later):
        run_step(engine, step.upgrade)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert schema_differences(engine, TABLES | {"users", "realname_numbers"}) == []
