"""FastAPI dependencies shared by every router: the runtime, a transaction-owning session, the clock.

They are async although they block on nothing: FastAPI runs a sync dependency in the thread pool, and each trip
there and back cost a request more CPU than the dependency itself (issue 18 §4). The session's end — commit or
rollback, then close — does talk to the database, so that one part runs in the thread pool (``_end``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from telreg.core.clock import Clock
from telreg.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> AsyncIterator[Session]:
    """The edge owns the transaction: commit when the handler returns, roll back when it raises (as
    ``core.db.unit_of_work`` does). Creating the session touches no connection: the first statement takes one."""
    async with _unit_of_work(runtime.session_factory) as session:
        yield session


async def get_read_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> AsyncIterator[Session]:
    """A session for handlers that only read: on SQLite it does not wait for the writer lock."""
    async with _unit_of_work(runtime.read_session_factory) as session:
        yield session


@asynccontextmanager
async def _unit_of_work(factory: sessionmaker[Session]) -> AsyncIterator[Session]:
    # A context manager, not a generator iterated with ``async for``: FastAPI throws the handler's exception into
    # get_session at its ``yield``, and ``async with`` hands it on to the ``except`` below. Inside an ``async for``
    # body it would leave the loop with this generator still suspended at its ``yield``: no rollback, no close
    # until garbage collection finalised it, the connection held meanwhile — and on SQLite the writer lock
    # (BEGIN IMMEDIATE), so every later writer waited its 30 s and got "database is locked".
    session = factory()
    try:
        yield session
    except BaseException:
        await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close in the thread pool, shielded: a client gone mid-request cancels the
    request's task, and the connection must still go back to the pool with its transaction ended."""
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_finish, session, commit)


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        if commit:
            session.rollback()
        raise
    finally:
        session.close()


async def get_clock(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Clock:
    return runtime.clock


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# scope="function": commit before the response is sent. With the default scope the commit would run after the
# client already has its answer, so a client's next request could miss the change it was just told was made.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
ReadSession = Annotated[Session, Depends(get_read_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
