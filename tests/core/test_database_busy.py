"""Issue 14: "database is locked" was a 500. A lock held past its timeout (SQLite) or a lock timeout, serialization
failure or deadlock (PostgreSQL) is now a 503 ``database_busy`` with Retry-After and a translated sentence."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError

from telreg.app import create_app
from telreg.core.db import make_engine
from telreg.core.db_busy import is_busy
from telreg.runtime import build_runtime


@pytest.mark.parametrize(("orig", "busy"), [
    (sqlite3.OperationalError("database is locked"), True),
    (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), True),
    (psycopg.errors.SerializationFailure("could not serialize access"), True),
    (psycopg.errors.DeadlockDetected("deadlock detected"), True),
    (sqlite3.OperationalError("no such table: x"), False),
    (psycopg.errors.UndefinedTable("relation x does not exist"), False),
])
def test_busy_is_told_from_broken(orig: Exception, busy: bool) -> None:
    assert is_busy(OperationalError("SELECT 1", {}, orig)) is busy
    assert is_busy(ValueError("database is locked")) is False


def test_a_busy_database_answers_503_with_retry_after_in_the_readers_language(runtime: Any) -> None:
    app = create_app(runtime)

    @app.get("/api/v1/test/locked")
    def _locked() -> None:
        raise OperationalError("UPDATE x", {}, psycopg.errors.LockNotAvailable("lock timeout"))

    @app.get("/api/v1/test/broken")
    def _broken() -> None:
        raise IntegrityError("INSERT x", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    with TestClient(app, raise_server_exceptions=False) as client:
        busy = client.get("/api/v1/test/locked", headers={"Accept-Language": "zh-Hant"})
        broken = client.get("/api/v1/test/broken")
    assert busy.status_code == 503 and busy.json()["error"] == "database_busy"
    assert busy.headers["Retry-After"] == str(runtime.settings.database_busy_retry_after_seconds)
    assert "秒後再試" in busy.json()["detail"]
    assert broken.status_code == 500 and broken.json()["error"] == "internal_error"


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's file lock; PostgreSQL's lock errors are classified above
def test_a_real_sqlite_lock_held_too_long_is_a_503(settings: Any, clock: Any, backend: str, tmp_path: Any) -> None:
    engine = make_engine(settings.database_url)

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection: Any, _record: Any) -> None:  # after make_engine's: 0.2 s, not 30 s
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    runtime = build_runtime(settings, clock=clock, engine=engine)
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holding the lock (a long import, say)
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            answer = client.get("/api/v1/captcha")  # writes its challenge: waits for the lock, then gives up
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "database_busy" and "Retry-After" in answer.headers
