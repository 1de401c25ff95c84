"""Alembic environment: the URL comes from the caller (``telreg db upgrade`` or the tests), never a .ini file."""

from alembic import context

from telreg.core.db import Base, make_engine
from telreg.core.migrate import import_all_models

import_all_models()
config = context.config
url = config.get_main_option("sqlalchemy.url")


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run_with(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run_with(connection)
    engine.dispose()


def _run_with(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
