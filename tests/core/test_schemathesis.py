"""The HTTP API against its own OpenAPI document: schemathesis generates requests for every operation and runs
all its checks on the answers (no server error; status codes, content types, headers and bodies as documented).

Three callers: nobody, a sender's API key, and the demo administrator's session (with its CSRF token). The
database is a fresh SQLite one with the demo data and a day's work (tests/web/demo_world.py), one per module and
xdist worker; the examples are bounded so the file takes about two minutes on two cores (``-n 2``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings

from telreg.app import create_app
from telreg.config import Environment, Settings
from telreg.core.captcha import EXTRAS_KEY
from telreg.core.db import make_engine, unit_of_work
from telreg.core.notify import FakeFax, FakeSms, FakeTelephony
from telreg.runtime import build_runtime
from telreg.senders import api_keys

from ..conftest import START
from ..web.demo_world import PASSWORDS, DemoWorld, demo_world

pytestmark = pytest.mark.schemathesis  # ~2 min with -n 2: `-m "not schemathesis"` leaves it out
EXAMPLES = 8  # per operation and caller


def _settings(data_dir: Path, database_url: str) -> Settings:
    settings = Settings(env=Environment.test, database_url=database_url, data_dir=data_dir,
                        secret_key="test-secret-key", telephony_adapter="fake", password_hashing="fast")
    # Each operation signs the admin in afresh, on a clock that never moves on: no sign-in rate limit here.
    return settings.model_copy(update={"signin_rate_limit": 100_000})


def _schema_app() -> Any:
    """An app to read the OpenAPI document from (the document does not depend on the data)."""
    where = Path(tempfile.mkdtemp(prefix="telreg-openapi-"))
    return create_app(build_runtime(_settings(where, f"sqlite:///{where}/unused.sqlite3")))


# A schema-valid request may still be refused by a rule the schema cannot say (an unknown number, a closed
# registration window): 422 with the error document, like 404 and 409 which schemathesis expects already.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]}}})
# The document as the app serves it, from an app that is not started (no lifespan: starting it would build the
# listing index from its empty, unmigrated database). Each test calls the app of its own world.
SCHEMA = schemathesis.openapi.from_dict(TestClient(_schema_app()).get("/openapi.json").json(), config=CONFIG)


class World:
    """The app under test, on its own demo database, and the credentials of each caller."""

    def __init__(self, app: Any, world: DemoWorld, api_key: str) -> None:
        self.app = app
        self.world = world
        self.api_key = api_key

    def admin(self) -> dict[str, Any]:
        """A new admin session (a test may sign it out): its cookies and CSRF header."""
        with TestClient(self.app) as client:
            signed_in = client.post("/api/v1/auth/login",
                                    json={"username": "admin", "password": PASSWORDS["admin"]})
            assert signed_in.status_code == 200, signed_in.text
            return {"cookies": dict(client.cookies),
                    "headers": {"X-CSRF-Token": signed_in.json()["csrf_token"]}}


@pytest.fixture(scope="module")
def fuzz_world(sqlite_template: Path) -> Iterator[World]:
    where = Path(tempfile.mkdtemp(prefix="telreg-fuzz-"))
    database = where / "telreg.sqlite3"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    from telreg.core.clock import FixedClock

    runtime = build_runtime(_settings(where / "data", f"sqlite:///{database}"), clock=FixedClock(START),
                            engine=engine, telephony=FakeTelephony(), fax=FakeFax(), sms=FakeSms())
    runtime.extras[EXTRAS_KEY] = lambda: "ABCDE"
    world = demo_world(runtime)
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                account_id=world.sender_id, enabled=True, officer="officer")
        _, key = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                     account_id=world.sender_id, label="fuzzing")
    yield World(create_app(runtime), world, key)
    engine.dispose()
    shutil.rmtree(where, ignore_errors=True)


# No shrinking: a failure is reported as found (with its curl line), which keeps a failing run short.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, print_blob=True,
                phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=list(HealthCheck))


# The credentials are added to every request, also to a case that leaves them out on purpose ("a request
# without the session cookie must be refused"): the run without credentials checks those refusals instead.
WITH_CREDENTIALS_EXCLUDED = [schemathesis.checks.negative_data_rejection, schemathesis.checks.ignored_auth]


@SCHEMA.parametrize()
@FUZZ
def test_api_without_credentials(case: Any, fuzz_world: World) -> None:
    case.call_and_validate(app=fuzz_world.app)


@SCHEMA.parametrize()
@FUZZ
def test_api_with_a_sender_api_key(case: Any, fuzz_world: World) -> None:
    case.call_and_validate(app=fuzz_world.app, headers={"Authorization": f"Bearer {fuzz_world.api_key}"},
                           excluded_checks=WITH_CREDENTIALS_EXCLUDED)


@pytest.fixture
def admin(fuzz_world: World) -> dict[str, Any]:
    return fuzz_world.admin()


@SCHEMA.parametrize()
@FUZZ
def test_api_with_an_admin_session(case: Any, fuzz_world: World, admin: dict[str, Any]) -> None:
    case.call_and_validate(app=fuzz_world.app, headers=admin["headers"], cookies=admin["cookies"],
                           excluded_checks=WITH_CREDENTIALS_EXCLUDED)
