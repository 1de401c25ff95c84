"""The officer's history page warns while some of a number's events are not covered by a verified checkpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from telreg.runtime import Runtime

from .helpers import checkpoint, record, triggers_dropped

NUMBER = "28123456"


@pytest.fixture
def officer(runtime: Runtime) -> Iterator[TestClient]:
    from telreg.app import create_app
    from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer

    make_officer(runtime)
    with TestClient(create_app(runtime)) as staff:
        token = form_token(staff.get("/staff/login").text)
        signed = staff.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD,
                                                  "csrf_token": token}, follow_redirects=False)
        assert signed.status_code == 303
        yield staff


def _warning(client: Any) -> bool:
    page = client.get(f"/staff/numbers?number={NUMBER}")
    assert page.status_code == 200
    return 'id="audit-unverified"' in page.text


def test_the_warning_follows_the_log(runtime: Runtime, engine: Engine, officer: TestClient) -> None:
    ids = record(runtime, 2, key=NUMBER)
    assert _warning(officer)  # not integrated yet
    checkpoint(runtime)
    assert not _warning(officer)
    with triggers_dropped(engine), engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'someone-else' WHERE id = :id"), {"id": ids[0]})
    assert _warning(officer)  # changed after it was logged
