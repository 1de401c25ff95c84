"""Running one migration file's own functions in a test: load the module by its file name, run a step."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import ModuleType

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from telreg.core.migrate import MIGRATIONS_DIR


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
