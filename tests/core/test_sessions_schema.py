"""Issue 14: the migration of server-side sessions and of the staff lock builds what the models describe."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SAWarning

from telreg.core.db import Base
from telreg.core.migrate import import_all_models
from tests.migrations import load_migration, run_step

MIGRATION = "2026-12-06-2210_sessions_signin.py"


def _ours(obj, name, kind, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    if table == "users":
        return kind != "table" and name == "locked_until"
    return table == "auth_sessions"


def test_the_migration_matches_the_models(engine: Engine) -> None:
    import_all_models()
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # other contexts' expression indexes, which SQLite cannot reflect
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    migration = load_migration(MIGRATION)
    assert (migration.revision, migration.down_revision) == ("c14b00000001", "c14a00000001")
    run_step(engine, migration.downgrade)
    tables = inspect(engine)
    assert "auth_sessions" not in tables.get_table_names()
    assert "locked_until" not in {c["name"] for c in tables.get_columns("users")}
    run_step(engine, migration.upgrade)
    tables = inspect(engine)
    assert "auth_sessions" in tables.get_table_names()
    assert "locked_until" in {c["name"] for c in tables.get_columns("users")}
