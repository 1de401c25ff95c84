"""Helpers for the download and online-check tests: a sender-session client, an account, a publication."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc.vocabulary import Register
from telreg.senders.deps import start_sender_session

from ..dnc.publish_helpers import publish, register
from .helpers import apply, make_active, make_officer

DAY1 = dt.date(2026, 3, 2)  # Monday; START (10:00) in tests/conftest.py
DAY2 = dt.date(2026, 3, 3)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HK)


@contextmanager
def sender_client(runtime: Any) -> Iterator[TestClient]:
    """A client of the real app plus a test-only route that starts a sender session as sign-in does
    (sign-in with CAPTCHA is another piece of work; this route exists only in the tests' app)."""
    app = create_app(runtime)

    @app.post("/test/sender-session/{account_id}")
    def _start(account_id: int, request: Request, session: DbSession, runtime: RuntimeDep) -> dict[str, str]:
        start_sender_session(request, session, runtime, account_id)  # issue 14
        from telreg.core.security import csrf_token

        return {"csrf_token": csrf_token(request)}

    with TestClient(app) as client:
        yield client


def sign_in(client: TestClient, account_id: int) -> dict[str, str]:
    """Start a sender session; return the CSRF header for POSTs."""
    response = client.post(f"/test/sender-session/{account_id}")
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def sign_in_officer(client: TestClient) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": "olivia", "password": "correct-horse-battery"})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def make_accounts(runtime: Any) -> dict[str, int]:
    """An officer and accounts in every state the usage rules care about, all created on DAY1:
    ``sms`` (active, sms 12 months), ``short`` (active, sms 3 months: in grace from 2026-06-02), ``pending``."""
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        ids = {"sms": make_active(session, runtime).id}
        ids["short"] = make_active(session, runtime, username="short.plan", contact_email="s@example.com",
                                   plans={Register.sms: _plan("3-months")}).id
        ids["pending"] = apply(session, runtime, username="still.pending", contact_email="p@example.com").id
    return ids


def _plan(value: str) -> Any:
    from telreg.senders.vocabulary import Plan

    return Plan(value)


def list_and_publish(runtime: Any, clock: Any, numbers: dict[str, tuple[Register, ...]], day: dt.date = DAY1) -> Any:
    """Register numbers during ``day`` and publish that day at its 23:00 close."""
    clock.set(at(day, 10))
    for number, registers in numbers.items():
        register(runtime, number, *registers)
    clock.set(at(day, 23))
    return publish(runtime, day)
