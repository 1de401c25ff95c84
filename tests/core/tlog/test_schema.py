"""The audit log's tables as the migration builds them are the tables the models describe; and they refuse
UPDATE and DELETE like audit_events."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SAWarning

from telreg.core.db import Base
from telreg.core.migrate import import_all_models
from telreg.runtime import Runtime

from .helpers import checkpoint, record

TABLES = {"audit_tlog_leaves", "audit_tlog_hashes", "audit_checkpoints", "audit_cosignatures",
          "audit_witnessed_logs"}


def _ours(obj, name, kind, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in TABLES


def test_the_migration_matches_the_models(engine: Engine) -> None:
    import_all_models()
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # other contexts' expression indexes, which SQLite cannot reflect
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


@pytest.mark.parametrize("table", ["audit_tlog_leaves", "audit_tlog_hashes", "audit_checkpoints"])
@pytest.mark.parametrize("verb", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}"])
def test_the_log_tables_are_append_only(runtime: Runtime, engine: Engine, table: str, verb: str) -> None:
    record(runtime, 3)
    checkpoint(runtime)
    column = {"audit_tlog_leaves": "leaf_hash", "audit_tlog_hashes": "hash", "audit_checkpoints": "note"}[table]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(verb.format(t=table, c=column)))
