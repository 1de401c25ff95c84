"""The consent table as the migration builds it is the table the model describes, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import SAWarning

from telreg.core.db import Base
from telreg.core.migrate import import_all_models


def _ours(obj, name, kind, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table == "realname_consents"


def test_the_migration_matches_the_model(engine: Engine) -> None:
    import_all_models()
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # other contexts' expression indexes, which SQLite cannot reflect
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
