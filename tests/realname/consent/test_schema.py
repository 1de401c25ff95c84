"""The consent table as the migration builds it is the table the model describes, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.migrations import schema_differences


def test_the_migration_matches_the_model(engine: Engine) -> None:
    assert schema_differences(engine, {"realname_consents"}) == []
