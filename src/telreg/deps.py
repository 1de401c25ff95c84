"""FastAPI dependencies shared by every router: the runtime, a transaction-owning session, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.db import unit_of_work
from telreg.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """The edge owns the transaction: commit when the handler returns, roll back when it raises."""
    with unit_of_work(runtime.session_factory) as session:
        yield session


def get_read_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """A session for handlers that only read: on SQLite it does not wait for the writer lock."""
    with unit_of_work(runtime.read_session_factory) as session:
        yield session


def get_clock(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Clock:
    return runtime.clock


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# scope="function": commit before the response is sent. With the default scope the commit would run after the
# client already has its answer, so a client's next request could miss the change it was just told was made.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
ReadSession = Annotated[Session, Depends(get_read_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
