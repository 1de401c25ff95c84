"""`--as-of` freezes business time for demos and tests, and is refused outright in production."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from telreg.config import Environment
from telreg.core import cli_support, users
from telreg.core.clock import HK, FixedClock, SystemClock
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput, ProductionGuard
from telreg.core.pii_keys import generate_key_ring
from telreg.dnc import service
from telreg.runtime import Runtime

REFUSAL = "--as-of is refused when TELREG_ENV=production"


def _officer(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        users.create_user(
            session,
            clock=runtime.clock,
            username="officer1",
            password="correct horse battery",
            roles=["dnc-officer"],
        )


def _go_production(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})


def test_clock_for_freezes_time_in_hong_kong() -> None:
    assert cli_support.clock_for("2026-03-02T10:00", production=False).now() == dt.datetime(
        2026, 3, 2, 10, tzinfo=HK
    )
    # An explicit offset is honoured and converted to Hong Kong time.
    at = cli_support.clock_for("2026-03-02T02:00+00:00", production=False).now()
    assert at == dt.datetime(2026, 3, 2, 10, tzinfo=HK) and at.utcoffset() == dt.timedelta(hours=8)
    assert isinstance(cli_support.clock_for(None, production=True), SystemClock)


def test_clock_for_refuses_as_of_in_production() -> None:
    with pytest.raises(ProductionGuard, match=REFUSAL):
        cli_support.clock_for("2026-03-02T10:00", production=True)


def test_clock_for_explains_a_malformed_date() -> None:
    with pytest.raises(InvalidInput, match="--as-of: 'next tuesday' is not an ISO date-time"):
        cli_support.clock_for("next tuesday", production=False)


def test_runtime_as_of_replaces_only_the_clock(runtime: Runtime) -> None:
    cli_support.set_runtime(runtime)
    try:
        assert cli_support.runtime() is runtime
        frozen = cli_support.runtime("2025-12-24T15:30")
        assert isinstance(frozen.clock, FixedClock)
        assert frozen.clock.now() == dt.datetime(2025, 12, 24, 15, 30, tzinfo=HK)
        assert frozen.engine is runtime.engine and frozen.settings is runtime.settings
        assert runtime.clock.now() != frozen.clock.now()  # the shared runtime is left alone

        _go_production(runtime)
        assert cli_support.runtime() is runtime  # real time is still fine
        with pytest.raises(ProductionGuard, match=REFUSAL):
            cli_support.runtime("2025-12-24T15:30")
    finally:
        cli_support.set_runtime(None)


def test_a_command_with_as_of_acts_at_that_time(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    _officer(runtime)

    code, out, err = cli(
        "dnc",
        "register",
        "21234567",
        "--register",
        "fax",
        "--officer",
        "officer1",
        "--as-of",
        "2026-01-05T11:00",
    )

    assert code == 0, err
    assert "registered on 2026-01-05" in out
    with unit_of_work(runtime.session_factory) as session:
        status = service.number_status(session, settings=runtime.settings, number="21234567")
    assert status["registers"]["fax"]["registered_on"] == "2026-01-05"


def test_a_command_with_as_of_is_refused_in_production(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    _officer(runtime)
    _go_production(runtime)

    code, _, err = cli(
        "dnc",
        "register",
        "21234567",
        "--register",
        "fax",
        "--officer",
        "officer1",
        "--as-of",
        "2026-01-05T11:00",
    )

    assert code == 1
    assert REFUSAL in err and "business time must be real time" in err
    with unit_of_work(runtime.session_factory) as session:
        status = service.number_status(session, settings=runtime.settings, number="21234567")
    assert status["registers"]["fax"] == {"listed": False}  # nothing was changed


def test_the_installed_command_refuses_as_of_when_telreg_env_is_production(settings) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "TELREG_ENV": "production", "TELREG_DATABASE_URL": settings.database_url,
           "TELREG_PII_KEYS": json.dumps(generate_key_ring())}  # production refuses to start without keys
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "telreg",
            "dnc",
            "register",
            "21234567",
            "--register",
            "fax",
            "--officer",
            "officer1",
            "--as-of",
            "2026-01-05T11:00",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert REFUSAL in result.stderr
    assert "Traceback" not in result.stderr + result.stdout  # a message, never a stack trace
