"""The enforcement migration builds exactly the models' tables (SQLite and PostgreSQL), goes down and up, and
starts the fine scale with the ordinance's penalties."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, inspect, text

from tests.migrations import load_migration, run_step, schema_differences

MIGRATION = "2026-12-08-1000_enforcement.py"
# The later steps of this release alter the same tables: going down and up takes them along, in order, so a
# PostgreSQL database kept between tests ends with the whole schema again.
LATER = ("2026-12-08-1010_enforcement_reports.py", "2026-12-08-1020_enforcement_cases.py",
         "2026-12-08-1030_enforcement_seeds.py")
TABLES = {"enf_reports", "enf_report_attachments", "enf_cases", "enf_case_events", "enf_documents", "enf_notices",
          "enf_fine_scale", "enf_sender_aliases", "enf_seed_numbers", "enf_seed_assignments"}


def test_the_migration_matches_the_models(engine: Engine) -> None:
    assert schema_differences(engine, TABLES) == []


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    migration = load_migration(MIGRATION)
    later = [load_migration(name) for name in LATER]
    assert (migration.revision, migration.down_revision) == ("c17a00000001", "c16e00000001")
    assert [(m.revision, m.down_revision) for m in later] == [("c17b00000001", "c17a00000001"),
                                                              ("c17c00000001", "c17b00000001"),
                                                              ("c17d00000001", "c17c00000001")]
    for step in reversed(later):
        run_step(engine, step.downgrade)
    run_step(engine, migration.downgrade)
    assert not TABLES & set(inspect(engine).get_table_names())
    run_step(engine, migration.upgrade)
    for step in later:
        run_step(engine, step.upgrade)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert schema_differences(engine, TABLES | {"sender_downloads"}) == []


def test_the_fine_scale_starts_with_the_ordinances_penalties(engine: Engine) -> None:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT offence, amount_cents, unit, level, imprisonment_years, effective_from FROM enf_fine_scale "
            "ORDER BY offence")).all()
    scale = {row.offence: (row.amount_cents, row.unit, row.level, row.imprisonment_years) for row in rows}
    assert scale == {"notice-continuing": (100_000, "per-day", None, None),
                     "notice-first": (10_000_000, "fixed", 6, None),
                     "notice-subsequent": (50_000_000, "fixed", None, None),
                     "register-misuse": (100_000_000, "fixed", None, 5)}
    assert {str(row.effective_from)[:10] for row in rows} == {dt.date(2007, 12, 22).isoformat()}
