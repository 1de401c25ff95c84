"""Helpers for the seed-number tests: a regulator signed in, a pool imported, numbers listed and published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.models import User
from telreg.core.users import create_user
from telreg.dnc.vocabulary import Register
from telreg.enforcement.seeds import pool

from ..dnc.publish_helpers import register
from ..senders.usage_helpers import DAY1, at

REGULATOR = "rita"
PASSWORD = "correct-horse-battery"
# Mobile seeds for SMS, fixed-line seeds for fax (core/phone classifies them so).
MOBILE_SEEDS = [f"6999000{i}" for i in range(1, 10)]
FIXED_SEEDS = [f"2111000{i}" for i in range(1, 10)]


def officer_headers(runtime: Any, client: Any) -> dict[str, str]:
    """Sign a regulator in (created on first use); return the CSRF header for changes."""
    with unit_of_work(runtime.session_factory) as session:
        if session.scalar(select(User).where(User.username == REGULATOR)) is None:
            create_user(session, clock=runtime.clock, username=REGULATOR, password=PASSWORD, roles=["regulator"])
    response = client.post("/api/v1/auth/login", json={"username": REGULATOR, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def import_pool(runtime: Any, numbers: list[str], operator: str = "Op") -> None:
    content = "".join(f"{n},{operator}\n" for n in numbers).encode()
    with unit_of_work(runtime.session_factory) as session:
        pool.import_seeds(session, clock=runtime.clock, content=content, actor=REGULATOR)


def list_numbers(runtime: Any, clock: Any, numbers: dict[str, tuple[Register, ...]], day: dt.date = DAY1) -> None:
    clock.set(at(day, 10))
    for number, registers in numbers.items():
        register(runtime, number, *registers)
