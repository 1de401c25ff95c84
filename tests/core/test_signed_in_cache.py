"""The per-process sign-in cache (core/signed_in_cache.py): a staff request signed in within the last second runs
no sign-in statement, and every change that ends or narrows a sign-in is seen on the very next request in this
process, and within the second from any other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update

from telreg.app import create_app
from telreg.core import sessions, signed_in_cache
from telreg.core.db import unit_of_work
from telreg.core.models import User
from telreg.core.session_models import AuthSession
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, make_officer


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    signed_in_cache.clear()
    yield
    signed_in_cache.clear()


@pytest.fixture
def signed_in(client: TestClient, runtime: Runtime) -> TestClient:
    make_officer(runtime)
    answer = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": OFFICER_PASSWORD})
    assert answer.status_code == 200, answer.text
    return client


@pytest.fixture
def statements(runtime: Runtime) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", note)
    yield seen
    event.remove(runtime.engine, "before_cursor_execute", note)


def _sign_in_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if "auth_sessions" in s or "FROM users" in s]


def test_a_second_request_within_the_second_reads_no_session_or_user(signed_in: TestClient,
                                                                      statements: list[str]) -> None:
    assert signed_in.get("/api/v1/auth/me").status_code == 200
    assert _sign_in_reads(statements)  # the first asks the database (the login's own answer is not cached)
    statements.clear()
    answer = signed_in.get("/api/v1/auth/me")
    assert answer.status_code == 200 and answer.json()["username"] == OFFICER
    assert _sign_in_reads(statements) == []


def test_a_revoked_session_is_refused_on_the_very_next_request(signed_in: TestClient, runtime: Runtime) -> None:
    assert signed_in.get("/api/v1/auth/me").status_code == 200
    with unit_of_work(runtime.session_factory) as session:  # an administrator ends it, in this process
        assert sessions.revoke_all(session, clock=runtime.clock, kind=sessions.STAFF, principal=OFFICER,
                                   reason="officer", actor="user:admin") == 1
    assert signed_in.get("/api/v1/auth/me").status_code == 401


def test_a_deactivated_user_is_refused_on_the_very_next_request(signed_in: TestClient, runtime: Runtime) -> None:
    assert signed_in.get("/api/v1/auth/me").status_code == 200
    with unit_of_work(runtime.session_factory) as session:
        session.execute(update(User).where(User.username == OFFICER).values(is_active=False))
    assert signed_in.get("/api/v1/auth/me").status_code == 401


def test_a_locked_or_changed_account_is_seen_on_the_very_next_request(signed_in: TestClient,
                                                                      runtime: Runtime) -> None:
    assert signed_in.get("/api/v1/auth/me").json()["roles"] == ["dnc-officer"]
    with unit_of_work(runtime.session_factory) as session:  # an ORM change to the row, not an UPDATE statement
        user = session.query(User).filter_by(username=OFFICER).one()
        user.roles = ["dnc-officer", "admin"]
    assert signed_in.get("/api/v1/auth/me").json()["roles"] == ["dnc-officer", "admin"]
    with unit_of_work(runtime.session_factory) as session:
        user = session.query(User).filter_by(username=OFFICER).one()
        user.locked_until = runtime.clock.now() + dt.timedelta(minutes=15)
    assert signed_in.get("/api/v1/auth/me").status_code == 401


def test_signing_out_ends_the_cached_sign_in_for_a_copy_of_the_cookie(signed_in: TestClient,
                                                                      runtime: Runtime) -> None:
    me = signed_in.get("/api/v1/auth/me").json()
    stolen = signed_in.cookies.get("telreg_session")
    assert signed_in.post("/api/v1/auth/logout", headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 204
    with TestClient(create_app(runtime)) as thief:
        thief.cookies.set("telreg_session", stolen)
        assert thief.get("/api/v1/auth/me").status_code == 401


def test_the_session_limits_are_checked_at_every_request_even_cached(signed_in: TestClient,
                                                                     runtime: Runtime) -> None:
    idle, _ = sessions.policy(runtime.settings, sessions.STAFF)
    assert signed_in.get("/api/v1/auth/me").status_code == 200
    runtime.clock.advance(seconds=idle.total_seconds() + 1)  # type: ignore[attr-defined]
    assert signed_in.get("/api/v1/auth/me").status_code == 401


def test_a_change_from_another_process_is_seen_within_the_second(signed_in: TestClient, runtime: Runtime,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process's commit fires no listener here (simulated: a plain connection, no ORM session): the cache
    answers until its second is up, never after."""
    wall = [1000.0]
    monkeypatch.setattr(signed_in_cache, "_monotonic", lambda: wall[0])
    assert signed_in.get("/api/v1/auth/me").status_code == 200
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE auth_sessions SET revoked_at = last_seen_at, revoked_reason = 'officer'"))
    wall[0] += 0.5
    assert signed_in.get("/api/v1/auth/me").status_code == 200  # within the bound: still the cached answer
    wall[0] += signed_in_cache.TTL_SECONDS
    assert signed_in.get("/api/v1/auth/me").status_code == 401
    with unit_of_work(runtime.session_factory) as session:
        assert session.query(AuthSession).one().revoked_reason == "officer"


def test_a_cached_user_is_a_copy_of_its_own_in_each_request(signed_in: TestClient, runtime: Runtime) -> None:
    """The cache hands each request its own instance: a handler that changes its user cannot change the cache."""
    assert signed_in.get("/api/v1/auth/me").status_code == 200
    (entry,) = [e for e in signed_in_cache._entries.values()]
    with unit_of_work(runtime.session_factory) as session:
        mine = signed_in_cache.attach(session, entry)
        assert mine is not entry.user
        mine.display_name = "changed in a handler"
        session.rollback()
    assert entry.user.display_name != "changed in a handler"
