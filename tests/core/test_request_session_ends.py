"""The request's session (telreg.deps) ends its transaction and gives its connection back however the request ends:
an answer, an HTTP error raised after a statement, an application error turned into an answer by a handler, an
unexpected exception. A session left open holds its connection, and on SQLite (BEGIN IMMEDIATE) the writer lock:
every later writer then waits 30 s and gets "database is locked" (tests/core/test_route_access.py found it).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import text

from telreg.deps import DbSession, ReadSession
from telreg.runtime import Runtime


class _Refused(Exception):
    pass


def _app(runtime: Runtime) -> FastAPI:
    app = FastAPI(openapi_url=None)
    app.state.runtime = runtime

    @app.exception_handler(_Refused)
    async def _refused(_request: Any, _exc: _Refused) -> JSONResponse:
        return JSONResponse({"error": "refused"}, status_code=403)

    @app.get("/ok")
    def _ok(session: DbSession) -> dict[str, int]:
        return {"one": session.scalar(text("SELECT 1"))}

    @app.get("/http-error")
    def _http_error(session: DbSession) -> None:
        session.execute(text("SELECT 1"))  # the transaction (and on SQLite the writer lock) is taken
        raise HTTPException(404, "no such thing")

    @app.get("/handled-error")
    def _handled_error(session: DbSession) -> None:
        session.execute(text("SELECT 1"))
        raise _Refused

    @app.get("/unexpected")
    def _unexpected(session: DbSession) -> None:
        session.execute(text("SELECT 1"))
        raise RuntimeError("a bug")

    @app.get("/async-http-error")
    async def _async_http_error(session: ReadSession) -> None:
        session.execute(text("SELECT 1"))
        raise HTTPException(404, "no such thing")

    return app


@pytest.mark.parametrize(("path", "status"), [("/ok", 200), ("/http-error", 404), ("/handled-error", 403),
                                              ("/unexpected", 500), ("/async-http-error", 404)])
def test_the_request_session_is_ended_and_closed_however_the_request_ends(runtime: Runtime, path: str,
                                                                          status: int) -> None:
    engine = runtime.engine
    with TestClient(_app(runtime), raise_server_exceptions=False) as client:
        for _ in range(3):
            assert client.get(path).status_code == status
            # Checked right after the answer, the client still open: nothing waits for garbage collection.
            assert engine.pool.checkedout() == 0
        with engine.connect() as connection:  # a writer gets in at once (on SQLite: BEGIN IMMEDIATE, not locked)
            connection.execute(text("UPDATE users SET display_name = display_name"))
            connection.commit()
