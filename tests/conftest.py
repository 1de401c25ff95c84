"""Fixtures: every storage test runs on SQLite and on PostgreSQL, with schemas built by the migrations.

SQLite: the migrated schema is built once per worker and copied for each test (a fresh file is cheaper than
cleaning one). PostgreSQL: one database per xdist worker, migrated once, emptied before each test (``_empty_tables``).
When TELREG_REQUIRE_POSTGRES=1 (CI sets it) an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from telreg.config import Environment, Settings
from telreg.core.clock import HK, FixedClock
from telreg.core.db import Base, make_engine
from telreg.core.migrate import import_all_models, upgrade
from telreg.core.notify import FakeFax, FakeSms, FakeTelephony
from telreg.runtime import Runtime, build_runtime
from tests.migrations import restore_reference_rows

# Property tests judge answers, never speed: on a slow or busy machine hypothesis's per-example deadline (200 ms) and
# its "input generation is slow" health check failed tests whose answers were right. Timing is bench/'s business.
hypothesis_settings.register_profile("telreg", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("telreg")

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK)  # a Monday morning, registrations open


def _pg_admin_url() -> str:
    return os.environ.get("TELREG_TEST_POSTGRES_URL", DEFAULT_PG)


def _require(name: str) -> bool:
    return os.environ.get(name, "") == "1"


@pytest.fixture(scope="session")
def worker_tag(worker_id: str) -> str:  # worker_id comes from pytest-xdist ("master" without -n)
    return worker_id


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@contextlib.contextmanager
def own_postgres_database(name: str) -> Iterator[Engine]:
    """A PostgreSQL database NAME of its own (dropped first if a crashed run left it), migrated; dropped after."""
    admin = make_url(_pg_admin_url())
    plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_engine(worker_tag: str) -> Iterator[Engine]:
    """The worker's PostgreSQL database, migrated once; an unreachable server skips (fails under CI)."""
    admin = make_url(_pg_admin_url())
    try:
        psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False),
                        connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {admin.render_as_string()}: {exc}"
        if _require("TELREG_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    with own_postgres_database(f"telreg_test_{worker_tag}_{os.getpid()}") as engine:
        yield engine


_TABLES = text("SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
               " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
               " AND c.relname <> 'alembic_version'")


def _empty_tables(engine: Engine) -> None:
    """Empty every table and restart every sequence, as ``TRUNCATE … RESTART IDENTITY`` of all tables would.

    TRUNCATE gives each of the ~175 relations (partitions and indexes included) new files: 0.27 s on a quiet
    machine, 0.6 s per test under the suite's load, most of PostgreSQL tests' time. A test writes to a handful
    of tables, so only those are emptied, with DELETE; as superuser the session skips triggers (the audit
    tables refuse DELETE, foreign keys would dictate an order). Without superuser rights, TRUNCATE as before.
    """
    with engine.begin() as conn:
        if conn.execute(text("SELECT current_setting('is_superuser') = 'on'")).scalar():
            # The catalogue's tables, not the models': a trigger keeps realname_number_keys, which has no model.
            tables = list(conn.execute(_TABLES).scalars())
            filled = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT FROM {t})" for t in tables)
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in conn.execute(text(filled)).scalars():
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
                              " FROM pg_sequences WHERE last_value IS NOT NULL"))
        else:
            import_all_models()
            tables = [f'"{t.name}"' for t in Base.metadata.sorted_tables]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        restore_reference_rows(conn)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on the backend under test; data may be committed freely."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "telreg.sqlite3"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        _empty_tables(engine)
        yield engine


TEST_SESSION_POLICY = {"staff_session_idle_minutes": 10 * 365 * 24 * 60, "staff_session_hours": 10 * 365 * 24,
                       "sender_session_idle_minutes": 10 * 365 * 24 * 60, "sender_session_hours": 10 * 365 * 24}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        env=Environment.test,
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        secret_key="test-secret-key",
        telephony_adapter="fake",
        password_hashing="fast",
        # Tests move the clock by hours and months while a browser stays signed in; the tests of the session
        # limits themselves (tests/web/test_sessions_signin.py) put the real policy back.
        **TEST_SESSION_POLICY,
    )


@pytest.fixture
def telephony() -> FakeTelephony:
    return FakeTelephony()


@pytest.fixture
def fax() -> FakeFax:
    return FakeFax()


@pytest.fixture
def sms() -> FakeSms:
    return FakeSms()


@pytest.fixture
def runtime(settings: Settings, engine: Engine, clock: FixedClock, telephony: FakeTelephony, fax: FakeFax,
            sms: FakeSms) -> Runtime:
    return build_runtime(settings, clock=clock, engine=engine, telephony=telephony, fax=fax, sms=sms)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    session = runtime.session_factory()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(runtime: Runtime):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from telreg.app import create_app

    with TestClient(create_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def ivr_client(runtime: Runtime):  # type: ignore[no-untyped-def]
    """A client of the IVR webhook's own listener; sign its requests with tests.dnc.ivr_calls.signed_post."""
    from fastapi.testclient import TestClient

    from telreg.dnc.ivr_api import create_ivr_app

    with TestClient(create_ivr_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def cli(runtime: Runtime):  # type: ignore[no-untyped-def]
    """Run `telreg …` in-process against the test runtime; returns (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from telreg import cli as cli_module
    from telreg.core import cli_support

    cli_module._register_subapps_once()
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        cli_support.set_runtime(runtime)
        saved_clock = runtime.clock
        try:
            result = runner.invoke(cli_module.app, list(args), catch_exceptions=True)
        finally:
            runtime.clock = saved_clock
            cli_support.set_runtime(None)
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            from telreg.core.errors import DomainError

            if isinstance(exc, DomainError):
                return 1, result.stdout, exc.message
            raise exc
        return result.exit_code, result.stdout, result.stderr

    return run


# ---- live server -----------------------------------------------------------------------------------------


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[str]:
    """Serve the real app on a free loopback port for the duration of one test; yield its base URL."""
    import uvicorn

    from telreg.app import create_app

    # Bind first and hand the socket over, so no other process can take the port in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(runtime), log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="live-server")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# ---- browser: defined here only, so that every test directory shares one Chromium per worker ----------------

CHROMIUM = Path(os.environ.get("TELREG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium per test worker (browser tests share a worker through xdist_group)."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("TELREG_REQUIRE_BROWSER", "") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live server, English unless a test switches."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
