"""What every Typer sub-app shares: the runtime, `--as-of`, one way to open a unit of work, JSON output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from telreg.core.clock import Clock, FixedClock, SystemClock, to_hk
from telreg.core.errors import InvalidInput, ProductionGuard
from telreg.core.i18n import N_

if TYPE_CHECKING:  # the database stack is imported on first use: `telreg scrub` never needs it
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from telreg.config import Settings
    from telreg.runtime import Runtime

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Act as if it were this ISO date-time (Hong Kong time when no offset); refused in production.",
    ),
]

_runtime: Runtime | None = None


def runtime(as_of: str | None = None) -> Runtime:
    """Return the process's runtime, with a frozen clock when --as-of was given."""
    from telreg.config import get_settings  # on first use: pydantic-settings takes 0.12 s to import
    from telreg.runtime import build_runtime

    global _runtime
    if _runtime is None:
        _runtime = build_runtime(get_settings())
    if as_of is None:
        return _runtime
    return dataclasses.replace(_runtime, clock=clock_for(as_of, production=_runtime.settings.is_production))


def database() -> tuple[Settings, Engine]:
    """The settings and an engine, for a command that only reads with SQLAlchemy Core.

    Nothing else of the runtime is built: no ORM sessions, vault or adapters, whose imports cost more than a
    look-up (issue 18 §5). The runtime's own when one is set (tests), else an engine of its own."""
    if _runtime is not None:
        return _runtime.settings, _runtime.engine
    from telreg.config import get_settings
    from telreg.core.engine import make_engine

    settings = get_settings()
    return settings, make_engine(settings.database_url)


@contextmanager
def read_only() -> Iterator[tuple[Settings, Any]]:
    """The settings and a read-only transaction for a command that only reads (`telreg dnc status`): on the bare
    driver when core/plain_sql.py can read the database (SQLite or psycopg: no SQLAlchemy import, issue 18 §5),
    else a Core connection (a runtime set by tests, an in-memory database, another driver). Rolled back at the end."""
    reader = None
    if _runtime is None:
        from telreg.config import get_settings
        from telreg.core.plain_sql import open_reader

        settings = get_settings()
        reader = open_reader(settings.database_url)
    if reader is not None:
        with reader:
            yield settings, reader
        return
    from telreg.core.engine import READONLY

    settings, engine = database()
    # On SQLite a deferred transaction: a reader does not queue behind writers.
    with engine.execution_options(**{READONLY: True}).connect() as connection:
        yield settings, connection


def set_runtime(value: Runtime | None) -> None:
    """Let tests run CLI commands against their own runtime (database, fakes, clock)."""
    global _runtime
    _runtime = value


def clock_for(as_of: str | None, *, production: bool) -> Clock:
    if as_of is None:
        return SystemClock()
    if production:
        raise ProductionGuard(N_("--as-of is refused when TELREG_ENV=production: business time must be real "
                                 "time."))
    return FixedClock(parse_datetime(as_of, what="--as-of"))


def parse_datetime(text: str, *, what: str) -> dt.datetime:
    try:
        return to_hk(dt.datetime.fromisoformat(text))
    except ValueError:
        raise InvalidInput(N_("%(what)s: '%(entered)s' is not an ISO date-time such as 2026-03-02T10:00"),
                           what=what, entered=text) from None


def parse_date(text: str, *, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(N_("%(what)s: '%(entered)s' is not an ISO date such as 2026-03-02"), what=what,
                           entered=text) from None


@contextmanager
def session_scope(rt: Runtime) -> Iterator[Session]:
    from telreg.core.db import unit_of_work

    with unit_of_work(rt.session_factory) as session:
        yield session


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
