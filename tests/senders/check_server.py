"""A real telreg server in its own process for the online check's crash and load tests, and what they share.

``python -m uvicorn tests.senders.check_server:app --factory`` serves telreg.app with the business time frozen
(checks are refused during the nightly update window, and a test must not depend on the hour it runs).
``CHECK_SERVER_ANSWER_EARLY=1`` breaks the server on purpose: each check is answered as soon as its record is
queued, and the writer takes half a second per batch, so records answered are lost by a kill; the crash test uses
it to show that its count catches exactly that.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.senders import api_keys
from telreg.senders.models import SenderCheck

from ..dnc.publish_helpers import register
from .helpers import make_active, make_officer

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "CHECK_SERVER_AS_OF"
EARLY = "CHECK_SERVER_ANSWER_EARLY"
URL = "/api/v1/senders/me/check"
LISTED = ["21234567", "61234567", "91234567"]


def app() -> Any:
    """The app the subprocess serves (uvicorn --factory)."""
    from telreg.app import create_app
    from telreg.config import get_settings
    from telreg.core.clock import FixedClock
    from telreg.runtime import build_runtime

    runtime = build_runtime(get_settings(), clock=FixedClock(dt.datetime.fromisoformat(os.environ[AS_OF])))
    if os.environ.get(EARLY):
        _answer_early(runtime)
    return create_app(runtime)


def _answer_early(runtime: Any) -> None:
    from telreg.senders import check_records

    committer = check_records.recorder(runtime)
    write = committer._write

    def slow_write(session: Any, items: Any) -> None:
        time.sleep(0.5)
        write(session, items)

    async def queued_only(item: Any) -> None:
        committer.submit(item)  # the bug: not awaited

    committer._write = slow_write  # type: ignore[method-assign]
    committer.commit = queued_only  # type: ignore[method-assign]


def prepare(runtime: Any, clients: int) -> list[str]:
    """An active sms account with API access, one key per client; LISTED on sms. Returns the keys."""
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = make_active(session, runtime)
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                                enabled=True, officer="olivia")
        keys = [api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                    account_id=account.id, label=f"client {i}")[1] for i in range(clients)]
    for number in LISTED:
        register(runtime, number, Register.sms)
    return keys


def key_id(plaintext: str) -> str:
    return plaintext.split("_", 1)[1].split(".", 1)[0]  # the public prefix


def records_per_key(runtime: Any) -> dict[str, int]:
    """sender_checks rows per key prefix."""
    from telreg.senders.models import SenderApiKey

    with unit_of_work(runtime.read_session_factory) as session:
        rows = session.execute(select(SenderApiKey.prefix, func.count(SenderCheck.id))
                               .join(SenderCheck, SenderCheck.api_key_id == SenderApiKey.id, isouter=True)
                               .group_by(SenderApiKey.prefix)).all()
    return {prefix: count for prefix, count in rows}


def batch(i: int) -> list[str]:
    """A check of 1–100 entries: the listed numbers, unlisted ones and one malformed entry."""
    size = 1 + i % 100
    entries = [*LISTED, "2123 45x7", *(f"2988{n:04d}" for n in range(size))][:size]
    return entries


def listed_in(entries: list[str]) -> int:
    return sum(1 for e in entries if e in LISTED)


class CheckServer:
    """uvicorn serving :func:`app` on a free loopback port, against the runtime's database."""

    def __init__(self, runtime: Any, *, answer_early: bool = False, workers: int = 1) -> None:
        self.runtime = runtime
        self.answer_early = answer_early
        self.workers = workers
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CheckServer:
        settings = self.runtime.settings
        env = {**os.environ, "TELREG_DATABASE_URL": settings.database_url, "TELREG_ENV": "test",
               "TELREG_SECRET_KEY": "test-secret-key", "TELREG_DATA_DIR": str(settings.data_dir),
               "TELREG_TELEPHONY_ADAPTER": "fake", "TELREG_PASSWORD_HASHING": "fast",
               AS_OF: self.runtime.clock.now().isoformat(), "PYTHONPATH": str(ROOT)}
        if self.answer_early:
            env[EARLY] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tests.senders.check_server:app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log", "--workers", str(self.workers)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("the check server did not start within 90 seconds")

    def kill(self) -> None:
        """kill -9 the server and its workers (its own process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
