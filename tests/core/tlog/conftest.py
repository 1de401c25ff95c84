"""A second deployment for the witness tests: its own database on the same backend, its own runtime and app."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from telreg.config import Environment, Settings
from telreg.core.clock import FixedClock
from telreg.core.db import make_engine
from telreg.core.notify import FakeFax, FakeSms, FakeTelephony
from tests.conftest import START, _empty_tables, own_postgres_database


@pytest.fixture(scope="session")
def second_postgres_engine(worker_tag: str) -> Iterator[Engine]:
    with own_postgres_database(f"telreg_test_{worker_tag}_{os.getpid()}_witness") as engine:
        yield engine


@pytest.fixture
def second_engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        path = tmp_path / "witness.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("second_postgres_engine")
        _empty_tables(engine)
        yield engine


def second_settings(engine: Engine, tmp_path: Path, **overrides: object) -> Settings:
    return Settings(env=Environment.test, database_url=engine.url.render_as_string(hide_password=False),
                    data_dir=tmp_path / "witness-data", secret_key="witness-secret", telephony_adapter="fake",
                    password_hashing="fast", audit_log_origin="witness.example/audit", **overrides)


@pytest.fixture
def second_clock() -> FixedClock:
    return FixedClock(START)


def build_second_runtime(settings: Settings, engine: Engine, clock: FixedClock):  # type: ignore[no-untyped-def]
    from telreg.runtime import build_runtime

    return build_runtime(settings, clock=clock, engine=engine, telephony=FakeTelephony(), fax=FakeFax(),
                         sms=FakeSms())
