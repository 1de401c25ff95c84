"""Helpers for the washing tests: accounts and a publication, uploads over HTTP, the wash job run once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from telreg.core import jobs
from telreg.core.db import unit_of_work
from telreg.senders.lists import service as lists
from telreg.senders.washing import jobs as wash_jobs  # noqa: F401 - registers the handlers
from telreg.senders.washing.service import JOB_KIND

URL = "/api/v1/senders/me/washes"
SEND_DATE = dt.date(2026, 3, 20)  # numbers registered on 2 March are protected from 13 March


def upload(http: TestClient, headers: dict[str, str], content: bytes, *, name: str = "list.txt",
           register: str = "sms", send_date: dt.date = SEND_DATE, **fields: str) -> Any:
    data = {"register": register, "send_date": send_date.isoformat(), **fields}
    return http.post(URL, files={"file": (name, content, "text/plain")}, data=data, headers=headers)


def run_washes(runtime: Any, kind: str = JOB_KIND) -> list[jobs.RunResult]:
    """Run every due job of ``kind`` with the jobs module's run-once function."""
    results = []
    while (result := jobs.run_one(runtime, worker="test-worker", kinds=[kind])) is not None:
        results.append(result)
    return results


def record(runtime: Any, account_id: int, number: str, instruction: str, at: dt.datetime, client_ref: str = "") -> None:
    with unit_of_work(runtime.session_factory) as session:
        lists.record(session, clock=runtime.clock, key=lists.ListKey(account_id, "sms", client_ref), number=number,
                     instruction=instruction, given_at=at, how="web-form", recorded_by="test")
